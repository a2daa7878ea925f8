/**
 * `npm run bench -w @speaknode/desktop`: runs the console's bench (issue 16) and the Stack pages'
 * bench (issue 17), one after the other, each in its own process; echoes what each prints and ends
 * with one JSON object: the console bench's keys as they are, then the Stack bench's (or why one
 * failed, as `consoleError` / `stackError`).
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const benches = [
  { name: 'console', file: 'console.bench.ts' },
  { name: 'stack', file: 'stack.bench.ts' },
];

function run(file: string): Promise<{ code: number | null; lastLine: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(new URL(file, import.meta.url))], {
      stdio: ['ignore', 'pipe', 'inherit'],
      env: process.env,
    });
    let lastLine = '';
    let buffer = '';
    child.stdout.on('data', (chunk: Buffer) => {
      process.stdout.write(chunk);
      buffer += chunk.toString('utf8');
      const lines = buffer.split('\n');
      buffer = lines.pop()!;
      for (const line of lines) if (line.trim()) lastLine = line;
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, lastLine: buffer.trim() || lastLine }));
  });
}

const combined: Record<string, unknown> = {};
for (const bench of benches) {
  const { code, lastLine } = await run(bench.file);
  try {
    if (code !== 0) throw new Error(`exited with ${code}`);
    Object.assign(combined, JSON.parse(lastLine) as Record<string, unknown>);
  } catch (error) {
    combined[`${bench.name}Error`] = `${(error as Error).message}; last line: ${lastLine.slice(0, 300)}`;
  }
}
console.log(JSON.stringify(combined));
process.exit(Object.keys(combined).some((key) => key.endsWith('Error')) ? 1 : 0);
