export * from './quorum-worker';
