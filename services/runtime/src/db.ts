// `@speaknode/runtime/db`: PostgreSQL or embedded PGlite, and migrations.
export * from './database.ts';
export * from './embedded-postgres.ts';
export * from './migrations.ts';
