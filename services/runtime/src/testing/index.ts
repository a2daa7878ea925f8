export * from './test-database.ts';
export * from './test-key-value-store.ts';
