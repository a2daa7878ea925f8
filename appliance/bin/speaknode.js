#!/usr/bin/env node
// The `speaknode` command. It runs the compiled bundle, dist/speaknode.mjs (see build-cli.mjs), and
// compiles it first when it is missing or older than a source it was made from; where it cannot be
// written (a read-only install), the TypeScript sources run through tsx instead. SPEAKNODE_TSX=1 forces
// tsx. `status` is answered by dist/status.mjs while the plan the full command left is fresh.
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { BUNDLE, buildCli, INPUTS, PACKAGE_DIR, STATUS_BUNDLE } from './build-cli.mjs';

function bundleIsCurrent() {
  try {
    const built = statSync(BUNDLE).mtimeMs;
    const { inputs } = JSON.parse(readFileSync(INPUTS, 'utf8'));
    return inputs.every((input) => statSync(join(PACKAGE_DIR, input)).mtimeMs <= built);
  } catch {
    return false;
  }
}

async function load() {
  if (!process.env.SPEAKNODE_TSX) {
    if (bundleIsCurrent()) return import(BUNDLE);
    try {
      await buildCli();
      return await import(BUNDLE);
    } catch {
      // Not writable, or esbuild missing: the sources through tsx.
    }
  }
  const { register } = await import('tsx/esm/api');
  register();
  return import('../src/cli/entry.ts');
}

const argv = process.argv.slice(2);
// `status` from its own small bundle when it can (well within 300 ms); else the full command.
if (!process.env.SPEAKNODE_TSX && argv.includes('status') && bundleIsCurrent()) {
  const { fastStatus, guardOutput, processIo } = await import(STATUS_BUNDLE);
  guardOutput();
  const code = await fastStatus(argv, processIo(), BUNDLE);
  if (code !== undefined) {
    process.exitCode = code;
  } else {
    const { main, runFromProcess } = await load();
    await runFromProcess(main);
  }
} else {
  const { main, runFromProcess } = await load();
  await runFromProcess(main);
}
