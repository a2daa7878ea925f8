#!/usr/bin/env node
// The `speaknode` command: TypeScript runs through tsx (no build step in this repository).
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/cli/main.ts');
process.exitCode = await main(process.argv.slice(2), {
  write: (text) => process.stdout.write(text),
  writeErr: (text) => process.stderr.write(text),
  isTTY: Boolean(process.stdout.isTTY),
  stdin: process.stdin,
  env: process.env,
});
