/**
 * The Stack pages' figures (issue 17), in Debian's Chromium through the WebSocket test transport
 * against a private dockerd running the stand-in stack (e2e/stack-rig.ts, the same rig as the e2e):
 *
 * - a service's death to its dashboard card showing it: the api container is killed from outside;
 *   from its `State.FinishedAt` (the engine's clock) to a MutationObserver in the page seeing the card
 *   turn `exited` (the same system clock). The path is the real one: the engine's event stream → main's
 *   watcher → a status push → the page. Then it is restarted for the next run. Target ≤ 1 s.
 * - the logs viewer's frame time while 1,000 lines per second arrive (pushed through the same path
 *   main uses, `LOG_SECONDS` per run), from `requestAnimationFrame` intervals. Target: no frame over 50 ms.
 *
 * BENCH_RUNS (default 10) runs each. Needs root for the private dockerd; without one the last line
 * says why (`stackSkipped`). Last line: one JSON object.
 */
import { createServer } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  installStandInStack,
  type StackRig,
  startRigEngine,
  startStackRig,
  timeCrashToCard,
  timeLogFrames,
} from '../e2e/stack-rig.ts';

const RUNS = Number(process.env.BENCH_RUNS ?? 10);
const LOG_SECONDS = 5;
const LINES_PER_SECOND = 1000;
const desktopDir = fileURLToPath(new URL('..', import.meta.url));

const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))]!;
};
const round = (n: number) => Number(n.toFixed(1));

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

const started = await startRigEngine();
if (!('engine' in started)) {
  console.log(`stack bench skipped: ${started.skip}`);
  console.log(JSON.stringify({ stackSkipped: started.skip }));
  process.exit(0);
}
const { engine } = started;
let rig: StackRig | undefined;
const crash: number[] = [];
const worstFrames: number[] = [];
let frameCount = 0;
let linesPushed = 0;
try {
  rig = await startStackRig(engine, { webDir: join(desktopDir, 'out/web-stack-bench') });
  await installStandInStack(rig, await freePort());
  const { page } = rig;
  const card = (service: string, state: string) =>
    page.getByRole('listitem', { name: service, exact: true }).and(page.locator(`[data-state="${state}"]`));

  await page.goto(rig.transport.pageUrl('stack'));
  for (const name of ['db', 'api', 'web']) await card(name, 'running').waitFor({ timeout: 30_000 });
  for (let run = 0; run < RUNS; run++) {
    crash.push(await timeCrashToCard(rig, 'api'));
    const restarted = (await rig.f.invoke('stack:restart', 'api')) as { result?: { outcome: string } };
    if (restarted.result?.outcome !== 'healthy') throw new Error(`restart api: ${JSON.stringify(restarted)}`);
    await card('api', 'running').waitFor({ timeout: 30_000 });
  }

  await page.goto(rig.transport.pageUrl('stack/logs/api'));
  await page
    .getByRole('log', { name: 'Log lines' })
    .getByText(/^tick \d+$/)
    .first()
    .waitFor({ timeout: 30_000 });
  for (let run = 0; run < RUNS; run++) {
    const { frames, lines } = await timeLogFrames(rig, {
      service: 'api',
      seconds: LOG_SECONDS,
      perSecond: LINES_PER_SECOND,
      label: `run${run}`,
    });
    worstFrames.push(Math.max(...frames));
    frameCount += frames.length;
    linesPushed += lines;
  }
  if (rig.browserLog.some((l) => l.startsWith('pageerror'))) console.log(rig.browserLog.join('\n'));
} finally {
  await rig?.close();
  await engine.stop();
}

console.log(`death → dashboard card (api, ${RUNS} runs): ${crash.map(round).join(', ')} ms`);
console.log(
  `logs viewer, worst frame per run (${LINES_PER_SECOND} lines/s for ${LOG_SECONDS} s, ${frameCount} frames): ${worstFrames.map(round).join(', ')} ms`,
);
console.log(
  JSON.stringify({
    stackRuns: RUNS,
    crashToDashboardMsP50: round(percentile(crash, 0.5)),
    crashToDashboardMsMax: round(Math.max(...crash)),
    crashToDashboardTargetMs: 1000,
    logsLinesPerSecond: LINES_PER_SECOND,
    logsLinesPushed: linesPushed,
    logsWorstFrameMsP50: round(percentile(worstFrames, 0.5)),
    logsWorstFrameMsMax: round(Math.max(...worstFrames)),
    logsFrameTargetMs: 50,
  }),
);
process.exit(0);
