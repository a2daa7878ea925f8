// Browser-safe entry: schemas and bus types only, no `node:` imports (the console and the widget
// import it). Config loading, tokens and anything using node:crypto are in `./node.ts`.
export * from './bus/index.ts';
export * from './domain/index.ts';
export * from './internal-api.ts';
export * from './supervisor/progress.ts';
export * from './telemetry/index.ts';
export * from './text-session.ts';
export * from './tool-try.ts';
export * from './validation.ts';
export * from './widget-manifest.ts';
