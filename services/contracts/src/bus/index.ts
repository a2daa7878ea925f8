export * from './envelope.ts';
export * from './events.ts';
export * from './topics.ts';
