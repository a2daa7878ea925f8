export * from './bus.ts';
export * from './kafka-bus.ts';
export * from './open-bus.ts';
export * from './postgres-bus.ts';
