export * from './stack/secrets.ts';
export * from './stack/settings.ts';
export * from './stack/stack.ts';
export * from './stack/types.ts';
