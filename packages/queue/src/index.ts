export * from './jobs';
export * from './quorum-queues';
export * from './webhook-delivery';
export * from './delivery-processor';
export * from './outbox-dispatcher';
export * from './outbound-guard';
export * from './notification-worker';
export * from './shutdown-budget';
