export * from './analytics.ts';
export * from './attributes.ts';
export * from './clickhouse-schema.ts';
export * from './prices.ts';
