export * from './quorum-client';
export * from './signers';
export * from './bundle-verify';
export * from './bundle-log-proof';
export * from './approval-file';
export { buildProgram, type CliDeps, type QuorumProgram } from './commands/program';
