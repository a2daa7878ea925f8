// Node-only entry (`@speaknode/contracts/node`): service config loading and what needs node:crypto.
export * from './config/index.ts';
export * from './domain/call-ids.ts';
export * from './domain/stream-token.ts';
