/**
 * `npm run bench`: runs every `bench/*.bench.ts` of control in turn (each in its own process, its
 * output passed through), then prints one JSON object with the last JSON line of each, by name.
 */
import { spawn } from 'node:child_process';
import { readdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

const directory = fileURLToPath(new URL('.', import.meta.url));
const files = (await readdir(directory)).filter((f) => f.endsWith('.bench.ts')).sort();
const results: Record<string, unknown> = {};
let ok = true;

for (const file of files) {
  const lines: string[] = [];
  const code = await new Promise<number | null>((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', `${directory}${file}`], {
      stdio: ['ignore', 'pipe', 'inherit'],
      env: process.env,
    });
    let buffered = '';
    child.stdout.on('data', (chunk: Buffer) => {
      process.stdout.write(chunk);
      buffered += chunk.toString('utf8');
      const parts = buffered.split('\n');
      buffered = parts.pop() ?? '';
      lines.push(...parts.filter((line) => line.trim() !== ''));
    });
    child.on('close', (exitCode) => {
      if (buffered.trim()) lines.push(buffered);
      resolve(exitCode);
    });
  });
  const name = file.replace(/\.bench\.ts$/, '');
  try {
    results[name] = JSON.parse(lines.at(-1) ?? '');
  } catch {
    results[name] = { error: `exited ${code} without a JSON result` };
    ok = false;
  }
  if (code !== 0) ok = false;
}

console.log(
  JSON.stringify({
    benchmarks: results,
    meetsTargets: Object.values(results).every((r) => (r as { meetsTarget?: boolean }).meetsTarget === true),
  }),
);
process.exit(ok ? 0 : 1);
