export * from './auth/oidc-verifier.ts';
export * from './bus/index.ts';
export * from './database.ts';
export * from './embedded-postgres.ts';
export * from './key-value-store.ts';
export * from './migrations.ts';
export * from './problem.ts';
export * from './service-token-source.ts';
