/**
 * Analytics end to end, in Debian's Chromium (playwright-core): the console's web build served by a
 * real control (embedded PostgreSQL or DATABASE_URL), 300 synthetic calls in its call records and
 * their agent spans posted to its `POST /v1/traces` as the agent worker would (the fixture of
 * control's two-backend test), then the Analytics dashboard and a call's turn waterfall, checked
 * against what the fixture says. Chart.js must arrive as its own chunk, only with the Analytics page.
 * Screenshots, light and dark, go to e2e/screenshots/ (gitignored).
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
// Control's own test parts: the analytics fixture, reused, not copied.
import {
  generateCalls,
  insertCalls,
  otlpJson,
  type SyntheticCall,
  spansOf,
} from '../../services/control/src/analytics/testing/synthetic-calls.ts';
import type { TestControl } from '../../services/control/src/testing/harness.ts';
import {
  type ConsoleBrowser,
  type ConsoleServers,
  chromiumPresent,
  openConsoleBrowser,
  startConsoleServers,
  text,
  visible,
} from './console-harness.ts';

const PASSWORD = 'analytics-e2e-password';
const DAY = 86_400_000;
const INITIAL_JS_BUDGET_GZIP = 250 * 1024;

describe.skipIf(!chromiumPresent('analytics e2e'))('analytics in the console', () => {
  let servers: ConsoleServers;
  let control: TestControl;
  let webDir = '';
  let ui: ConsoleBrowser;
  let page: ConsoleBrowser['page'];
  let shoot: ConsoleBrowser['shoot'];
  let calls: SyntheticCall[];
  let agentIds: string[];
  const requested: string[] = [];

  beforeAll(async () => {
    servers = await startConsoleServers({
      outDir: 'web-e2e-analytics',
      users: [{ username: 'admin', password: PASSWORD }],
    });
    ({ control, webDir } = servers);
    const token = await control.userToken('admin');
    const space = await control.request('POST', '/api/v1/spaces', { token, body: { name: 'Support' } });
    expect(space.status).toBe(201);
    agentIds = [];
    for (const name of ['Order desk', 'Front desk']) {
      const agent = await control.request('POST', `/api/v1/spaces/${space.body.id}/agents`, {
        token,
        body: {
          name,
          prompt: 'You help callers.',
          llm: { provider: 'openai-compatible', model: 'stand-in', baseUrl: 'http://127.0.0.1:9/v1' },
          stt: { provider: 'speaknode-models' },
          tts: { provider: 'speaknode-models', voice: 'en_US-amy-medium' },
        },
      });
      expect(agent.status, JSON.stringify(agent.body)).toBe(201);
      agentIds.push(agent.body.id);
    }
    // Calls over the last six days, ended before now: inside the page's default range (7 days).
    calls = generateCalls({
      seed: 42,
      calls: 300,
      spaceId: space.body.id,
      agentIds,
      startMs: Date.now() - 6 * DAY,
      spreadMs: 5 * DAY,
    });
    await insertCalls(control.control.ctx.pool, calls);
    const agentToken = await control.serviceToken('service:agent');
    const spans = calls.flatMap((c) => spansOf(c));
    for (let i = 0; i < spans.length; i += 500) {
      const res = await fetch(`${control.url}/v1/traces`, {
        method: 'POST',
        headers: { authorization: `Bearer ${agentToken}`, 'content-type': 'application/json' },
        body: JSON.stringify(otlpJson(spans.slice(i, i + 500))),
      });
      expect(res.status).toBe(200);
    }
    ui = await openConsoleBrowser(control.url, { name: 'analytics', viewport: { width: 1280, height: 900 } });
    ({ page, shoot } = ui);
    page.on('request', (request) => requested.push(new URL(request.url()).pathname));
  }, 240_000);

  afterEach((context) => ui?.reportFailure(context));

  afterAll(async () => {
    await ui?.close();
    await servers?.close();
  });

  it('keeps Chart.js out of the first load: its own chunk, within the initial JS budget', async () => {
    const html = await readFile(join(webDir, 'index.html'), 'utf8');
    const initial = [...html.matchAll(/(?:src|href)="\/console\/(assets\/[^"]+\.js)"/g)].map((m) => m[1]!);
    expect(initial.length).toBeGreaterThan(0);
    let gzip = 0;
    for (const file of initial) gzip += gzipSync(await readFile(join(webDir, file))).length;
    expect(gzip).toBeLessThan(INITIAL_JS_BUDGET_GZIP);
    const chunks = await readdir(join(webDir, 'assets'));
    const charts = chunks.filter((f) => /^charts-.*\.js$/.test(f));
    expect(charts).toHaveLength(1);
    expect(initial.some((f) => f.includes('charts-'))).toBe(false);
    console.info(
      `initial JS ${(gzip / 1024).toFixed(1)} KiB gzip; charts chunk ${(gzipSync(await readFile(join(webDir, 'assets', charts[0]!))).length / 1024).toFixed(1)} KiB gzip`,
    );
  });

  it('shows the dashboard of the fixture, filters by agent, and draws the charts', async () => {
    await ui.signIn('admin', PASSWORD);
    expect(requested.some((p) => /\/charts-[^/]+\.js$/.test(p))).toBe(false);

    await page.getByRole('link', { name: 'Analytics' }).click();
    const totals = page.getByLabel('Totals');
    await text(totals).toMatch(new RegExp(`Calls\\s*${calls.length}(?!\\d)`));
    const minutes = calls.reduce((s, c) => s + (c.durationSeconds ?? 0), 0) / 60;
    await text(totals).toMatch(new RegExp(`Minutes\\s*${minutes.toFixed(1)}(?!\\d)`));
    const turns = calls.reduce((n, c) => n + c.turns.length, 0);
    const stages = page.getByRole('table', { name: 'Latency percentiles' });
    await text(stages).toContain(`Response (caller feels)`);
    const responseCount = calls.flatMap((c) => c.turns).filter((t) => t.responseLatencyMs !== undefined).length;
    expect(responseCount).toBeGreaterThan(0);
    expect(responseCount).toBeLessThanOrEqual(turns);
    await text(stages.getByRole('row', { name: /Response \(caller feels\)/ })).toMatch(new RegExp(`${responseCount}$`));
    const outcomes = page.getByRole('table', { name: 'Outcomes' });
    await text(outcomes).toMatch(
      new RegExp(`provider_error\\s*${calls.filter((c) => c.endReason === 'provider_error').length}(?!\\d)`),
    );

    // Chart.js loaded now, and all six charts drew something on their canvases.
    await expect.poll(() => requested.some((p) => /\/charts-[^/]+\.js$/.test(p))).toBe(true);
    // Runs in the page: canvases with at least one painted pixel.
    const painted = `Array.from(document.querySelectorAll('figure canvas')).filter((c) => {
      const { data } = c.getContext('2d').getImageData(0, 0, c.width, c.height);
      return c.width > 0 && data.some((v) => v !== 0);
    }).length`;
    await expect.poll(() => page.evaluate(painted) as Promise<number>).toBe(6);
    await shoot('analytics');

    await page.getByLabel('Agent').selectOption({ label: 'Front desk' });
    const frontDesk = calls.filter((c) => c.agentId === agentIds[1]).length;
    expect(frontDesk).toBeGreaterThan(0);
    expect(frontDesk).toBeLessThan(calls.length);
    await text(totals).toMatch(new RegExp(`Calls\\s*${frontDesk}(?!\\d)`));
    await shoot('analytics-one-agent');
  }, 120_000);

  it("shows a call's turn waterfall on its timeline", async () => {
    // The greeting (turn 1) answers nobody, so it has no response latency; the others here all have one.
    const call = calls.find(
      (c) => c.turns.length >= 5 && c.turns.slice(1).every((t) => t.responseLatencyMs !== undefined),
    );
    expect(call).toBeDefined();
    await page.goto(`${control.url}/console/#/calls/${call!.id}`);
    const waterfall = page.getByRole('list', { name: 'Turn waterfall' });
    await visible(waterfall);
    await expect.poll(() => waterfall.getByRole('listitem').count()).toBe(call!.turns.length);
    const second = call!.turns[1]!;
    await text(waterfall.getByRole('listitem').nth(1)).toContain(`${Math.round(second.responseLatencyMs!)} ms`);
    expect(await waterfall.getByRole('listitem').nth(1).getByRole('img').count()).toBe(4);
    await shoot('call-waterfall');
  }, 60_000);
});
