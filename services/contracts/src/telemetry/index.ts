export * from './analytics.ts';
export * from './attributes.ts';
export * from './prices.ts';
