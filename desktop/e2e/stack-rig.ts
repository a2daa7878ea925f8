/**
 * The Stack pages' test rig, shared by e2e/stack.e2e.test.ts and bench/stack.bench.ts: a private
 * dockerd with the stand-in images, a `StackHost` with the real `stack:*` handlers on it, the
 * WebSocket test transport serving a web build, and Debian's Chromium with one page. Also the two
 * measurements both report: a service's death to its dashboard card, and frame times in the logs
 * viewer while lines arrive at a given rate.
 */
import { existsSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { containerName } from '@speaknode/appliance';
import { importBusyboxImage, type PrivateEngine, startPrivateEngine } from '@speaknode/appliance/testing';
import { type Browser, chromium, type Page } from 'playwright-core';
import { build } from 'vite';
import { type HostFixture, stackHostFixture, TEST_IMAGES, TEST_PROJECT } from '../src/main/stack/testing.ts';
import { type StackTransport, startStackTransport } from './stack-transport.ts';

export const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_FLAGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-sync',
];

/** A private engine, or why there is none (no Chromium, not root, no dockerd). */
export async function startRigEngine(): Promise<{ engine: PrivateEngine } | { skip: string }> {
  if (!existsSync(CHROMIUM)) return { skip: `no Chromium at ${CHROMIUM}` };
  return startPrivateEngine({ dirPrefix: '/tmp/h17-docker-' });
}

export interface StackRig {
  engine: PrivateEngine;
  f: HostFixture;
  transport: StackTransport;
  browser: Browser;
  page: Page;
  /** What the page logged (console messages and page errors). */
  browserLog: string[];
  /** What the stand-in file chooser answers (`stack:bundle:choose`; undefined: cancelled), and how often it was asked. */
  chooser: { path?: string; asked: number };
  close(): Promise<void>;
}

/** Builds the web app into `webDir`, then starts the host, the transport, Chromium and one page. */
export async function startStackRig(engine: PrivateEngine, options: { webDir: string }): Promise<StackRig> {
  await mkdir(options.webDir, { recursive: true });
  await build({
    configFile: fileURLToPath(new URL('../vite.web.config.ts', import.meta.url)),
    logLevel: 'warn',
    build: { outDir: options.webDir },
  });
  await importBusyboxImage(engine.docker, TEST_IMAGES);
  const f = await stackHostFixture(engine.socket);
  const chooser: StackRig['chooser'] = { asked: 0 };
  const transport = await startStackTransport({
    host: f.host,
    hub: f.hub,
    webDir: options.webDir,
    chooseBundle: async () => {
      chooser.asked++;
      return chooser.path;
    },
  });
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_FLAGS });
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  const browserLog: string[] = [];
  page.on('console', (m) => browserLog.push(`${m.type()}: ${m.text()}`));
  page.on('pageerror', (e) => browserLog.push(`pageerror: ${e.message}`));
  return {
    engine,
    f,
    transport,
    browser,
    page,
    browserLog,
    chooser,
    close: async () => {
      await browser.close().catch(() => {});
      await transport.close().catch(() => {});
      f.host.dispose();
      await rm(f.stateDir, { recursive: true, force: true });
    },
  };
}

/** Settings and an install through the handlers (what the wizard does), for a rig that starts at the dashboard. */
export async function installStandInStack(rig: StackRig, controlPort: number): Promise<void> {
  const init = (await rig.f.invoke('stack:init', {
    settings: { domain: 'voice.example.test', tls: 'off', gpu: false, ports: { control: controlPort } },
  })) as { error?: { message: string } };
  if (init.error) throw new Error(`init: ${init.error.message}`);
  const up = (await rig.f.invoke('stack:up')) as { result?: { ok: boolean }; error?: { message: string } };
  if (!up.result?.ok) throw new Error(`up: ${up.error?.message ?? JSON.stringify(up.result)}`);
}

/**
 * Kills a running service's container from outside and returns the time from its death (the engine's
 * `State.FinishedAt`) to its dashboard card showing `exited` (a MutationObserver in the page, on the
 * same system clock). The page must show the dashboard with the service running.
 */
export async function timeCrashToCard(rig: StackRig, service: string): Promise<number> {
  await rig.page.evaluate((name) => {
    const w = globalThis as unknown as {
      shownAt?: number;
      document: { querySelector(selector: string): unknown };
      MutationObserver: new (
        callback: () => void,
      ) => { observe(target: unknown, options: object): void; disconnect(): void };
    };
    w.shownAt = undefined;
    const selector = `li[aria-label="${name}"][data-state="exited"]`;
    const observer = new w.MutationObserver(() => {
      if (!w.document.querySelector(selector)) return;
      w.shownAt = performance.timeOrigin + performance.now();
      observer.disconnect();
    });
    observer.observe(w.document, { subtree: true, childList: true, attributes: true, attributeFilter: ['data-state'] });
  }, service);
  const container = rig.engine.docker.getContainer(containerName(TEST_PROJECT, service));
  await container.kill();
  await rig.page
    .getByRole('listitem', { name: service, exact: true })
    .and(rig.page.locator('[data-state="exited"]'))
    .waitFor({ timeout: 10_000 });
  const shownAt = await rig.page.waitForFunction(() => (globalThis as { shownAt?: number }).shownAt ?? 0);
  const finishedAt = Date.parse((await container.inspect()).State.FinishedAt);
  return Number(await shownAt.jsonValue()) - finishedAt;
}

/**
 * Records every animation frame's interval in `frameTimes` until `frameTiming` is false. Page code as text:
 * tsx (the bench) names functions with a `__name` helper the page does not have.
 */
const FRAME_TIMER = `(() => {
  globalThis.frameTimes = [];
  globalThis.frameTiming = true;
  let last = performance.now();
  const loop = (t) => {
    globalThis.frameTimes.push(t - last);
    last = t;
    if (globalThis.frameTiming) requestAnimationFrame(loop);
  };
  requestAnimationFrame(loop);
})()`;

/**
 * Pushes `seconds × perSecond` log lines to the page's follow (in batches every 50 ms, through the
 * same push path main uses) while the page times its animation frames; waits until the viewer counts
 * them all. Returns the frame intervals (ms). The page must show the logs viewer following `service`.
 */
export async function timeLogFrames(
  rig: StackRig,
  options: { service: string; seconds: number; perSecond: number; label?: string },
): Promise<{ frames: number[]; lines: number }> {
  const follow = rig.f.pushes.filter((p) => p.kind === 'log').at(-1) as { followId: string } | undefined;
  if (!follow) throw new Error('the logs viewer follows nothing: open it first');
  const summary = rig.page.getByRole('status', { name: 'Log summary' });
  const counted = async () => Number((await summary.textContent())?.match(/(\d+) lines/)?.[1] ?? 0);
  const before = await counted();
  await rig.page.evaluate(FRAME_TIMER);
  const perBatch = Math.max(1, Math.round(options.perSecond / 20));
  const batches = Math.round((options.seconds * options.perSecond) / perBatch);
  const label = options.label ?? 'burst';
  const startedAt = Date.now();
  for (let batch = 0; batch < batches; batch++) {
    const lines = Array.from({ length: perBatch }, (_, i) => ({
      service: options.service,
      stream: 'stdout' as const,
      text: `${label} ${batch * perBatch + i} ${'x'.repeat(60)}`,
    }));
    rig.f.hub.push({ kind: 'log', followId: follow.followId, lines });
    // On schedule (batch × 50 ms from the start), so a slow push does not lower the rate.
    const due = startedAt + (batch + 1) * 50 - Date.now();
    if (due > 0) await new Promise((resolve) => setTimeout(resolve, due));
  }
  const lines = batches * perBatch;
  // Every line counted (the viewer may also have received the service's own lines meanwhile).
  await rig.page.waitForFunction(
    ({ at, expected }) => {
      const text = (
        globalThis as unknown as { document: { querySelector(s: string): { textContent: string } | null } }
      ).document.querySelector('[aria-label="Log summary"]')?.textContent;
      return Number(text?.match(/(\d+) lines/)?.[1] ?? 0) >= Math.min(at + expected, 50_000);
    },
    { at: before, expected: lines },
    { timeout: 30_000 },
  );
  const frames = await rig.page.evaluate(() => {
    const w = globalThis as unknown as { frameTimes: number[]; frameTiming: boolean };
    w.frameTiming = false;
    return w.frameTimes.slice(1);
  });
  return { frames, lines };
}
