export * from './bus/index.ts';
export * from './config/index.ts';
export * from './domain/index.ts';
export * from './internal-api.ts';
export * from './validation.ts';
