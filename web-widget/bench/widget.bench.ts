/**
 * The widget's figures: the element's gzip size and the voice chunk's (from the build's manifest),
 * and the time from `start()` to the first streamed reply token in text mode, in Chromium, against
 * real control and agent worker processes and a stand-in LLM that answers at once (so the figure
 * is the platform's own overhead: session, worker, relay, SSE, the element). Each run is a new
 * visitor (its own address through the test proxy, which adds a local hop). Last line: one JSON
 * object. BENCH_WARMUP (default 5) conversations warm the processes up (the first, cold one is
 * reported as `firstConversationMs`), then BENCH_RUNS (default 30) are measured. `startMsP50` is
 * `start()` alone (control records the call and the session); the rest of the figure is the
 * message to the first token.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { WidgetManifest } from '@speaknode/contracts';
import { launchBrowser } from '../src/testing/browser.ts';
import { buildWidget, startPlatform } from '../src/testing/platform.ts';

const RUNS = Number(process.env.BENCH_RUNS ?? 30);
/** Conversations before the measured ones: the processes' first requests compile their code paths. */
const WARMUP = Number(process.env.BENCH_WARMUP ?? 5);
const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))]!;
};

const widgetDir = await buildWidget();
const manifest = JSON.parse(readFileSync(join(widgetDir, 'manifest.json'), 'utf8')) as WidgetManifest;
// As deployed, not as the tests run: the worker caches an agent's configuration for its default
// 10 s (the tests turn that off so an edit applies at once); control on DATABASE_URL when set
// (PostgreSQL, as the appliance runs it), else its embedded database.
const database = process.env.DATABASE_URL ? 'postgresql' : 'embedded';
const platform = await startPlatform({
  widgetDir,
  reply: () => ({ text: 'Sure, one moment please.' }),
  env: {
    agent: { AGENT_CONFIG_CACHE_MS: '10000' },
    control: process.env.DATABASE_URL ? { DATABASE_URL: process.env.DATABASE_URL } : {},
  },
});
const browser = await launchBrowser();
const timings: number[] = [];
const starts: number[] = [];
const warmups: number[] = [];
try {
  for (let run = 0; run < WARMUP + RUNS; run++) {
    const page = await browser.newPage();
    const path = platform.pages.add({
      scriptSrc: `${platform.controlUrl}/widget/v1/speaknode-agent.js`,
      attributes: {
        'agent-key': platform.publishableKey,
        'api-base': platform.apiBaseFor(`198.51.100.${run + 1}`),
        mode: 'text',
        position: 'inline',
      },
    });
    await page.goto(`${platform.pages.origin}${path}`);
    await page.locator('speaknode-agent').getByRole('button', { name: 'Start chat' }).waitFor();
    const { ms, startMs } = await page.evaluate(async () => {
      const element = document.querySelector('speaknode-agent') as HTMLElement & {
        start(): Promise<void>;
        send(text: string): Promise<void>;
      };
      const firstToken = new Promise<number>((resolve) =>
        element.addEventListener('speaknode:message', (event) => {
          const detail = (event as CustomEvent<{ role: string; final: boolean }>).detail;
          if (detail.role === 'agent' && !detail.final) resolve(performance.now());
        }),
      );
      const started = performance.now();
      await element.start();
      const startMs = performance.now() - started;
      void element.send('Can I book an appointment?');
      return { ms: (await firstToken) - started, startMs };
    });
    if (run < WARMUP) {
      warmups.push(ms);
    } else {
      timings.push(ms);
      starts.push(startMs);
    }
    await page.evaluate(() =>
      (document.querySelector('speaknode-agent') as HTMLElement & { end(): Promise<void> }).end(),
    );
    await page.close();
  }
} finally {
  await browser.close();
  await platform.close();
}

const entry = manifest.files[manifest.entry]!;
const voice = manifest.files[manifest.voiceChunk]!;
console.log(`element ${entry.gzipBytes} B gzip (${entry.bytes} B), voice chunk ${voice.gzipBytes} B gzip`);
console.log(`warm-up conversations: ${warmups.map((t) => t.toFixed(1)).join(', ')} ms`);
console.log(`start() → first reply token: ${timings.map((t) => t.toFixed(1)).join(', ')} ms`);
console.log(
  JSON.stringify({
    elementGzipBytes: entry.gzipBytes,
    elementBudgetGzipBytes: 25_600,
    voiceChunkGzipBytes: voice.gzipBytes,
    database,
    warmupRuns: warmups.length,
    firstConversationMs: warmups[0] === undefined ? null : Number(warmups[0].toFixed(1)),
    runs: timings.length,
    startMsP50: Number(percentile(starts, 0.5).toFixed(1)),
    startToFirstTokenMsP50: Number(percentile(timings, 0.5).toFixed(1)),
    startToFirstTokenMsP95: Number(percentile(timings, 0.95).toFixed(1)),
    targetP50Ms: 50,
  }),
);
