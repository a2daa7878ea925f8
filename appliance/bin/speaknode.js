#!/usr/bin/env node
// The `speaknode` command: TypeScript runs through tsx (no build step in this repository).
import { register } from 'tsx/esm/api';

register();
const [{ main }, { runFromProcess }] = await Promise.all([
  import('../src/cli/main.ts'),
  import('../src/cli/process.ts'),
]);
await runFromProcess(main);
