/**
 * The console's figures (issue 16): the web build's initial JavaScript, gzipped (the entry module
 * and the modules index.html preloads: what a first visit downloads before anything renders), and
 * the time from navigation to the agents list rendered, with 500 agents in the space, in Debian's
 * Chromium against the web build served by a real control (embedded PostgreSQL or DATABASE_URL).
 *
 * The time is read with the Performance API in the page: an init script marks `agents-rendered`
 * (a `performance.mark`, relative to the navigation's time origin) when the first agent link is in
 * the document. Cold: each run a new browser context (empty HTTP cache) with the signed-in tab's
 * session storage copied in; warm: reloads of one tab. BENCH_RUNS (default 10) each. Last line:
 * one JSON object.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { hashPassword } from '@speaknode/runtime/embedded-issuer';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { build } from 'vite';
import { startTestControl } from '../../services/control/src/testing/harness.ts';

const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_FLAGS = ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'];
const RUNS = Number(process.env.BENCH_RUNS ?? 10);
const AGENTS = 500;
const PASSWORD = 'console-bench-password';
const desktopDir = fileURLToPath(new URL('..', import.meta.url));
const webDir = join(desktopDir, 'out/web');

const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))]!;
};
const round = (n: number) => Number(n.toFixed(1));

/** The scripts a first visit loads before the app runs: index.html's module entry and its modulepreloads. */
export async function initialJavaScript(dir: string): Promise<{ files: string[]; bytes: number; gzipBytes: number }> {
  const html = await readFile(join(dir, 'index.html'), 'utf8');
  const urls = [
    ...html.matchAll(/<script\b[^>]*type="module"[^>]*\bsrc="([^"]+)"/g),
    ...html.matchAll(/<link\b[^>]*rel="modulepreload"[^>]*\bhref="([^"]+)"/g),
  ].map((m) => m[1]!);
  if (urls.length === 0) throw new Error(`no module script in ${dir}/index.html`);
  let bytes = 0;
  let gzipBytes = 0;
  const files: string[] = [];
  for (const url of new Set(urls)) {
    const file = url.replace(/^\/console\//, '');
    const code = await readFile(join(dir, file));
    files.push(file);
    bytes += code.length;
    gzipBytes += gzipSync(code, { level: 9 }).length;
  }
  return { files, bytes, gzipBytes };
}

/**
 * In every document: marks `agents-rendered` when the agents list shows its first agent. (Page code
 * as text: this file is typed for Node, without the DOM's types.)
 */
const MARK_AGENTS_RENDERED = `(() => {
  const rows = () => document.querySelectorAll('table a[href^="#/agents/"]:not([href="#/agents/new"])').length;
  const observer = new MutationObserver(() => {
    if (rows() === 0) return;
    performance.mark('agents-rendered', { detail: { rows: rows() } });
    observer.disconnect();
  });
  observer.observe(document, { childList: true, subtree: true });
})();`;

async function timeToAgents(page: Page, navigate: () => Promise<unknown>): Promise<{ ms: number; rows: number }> {
  await navigate();
  // Functions, not strings: the console's CSP has no 'unsafe-eval'. (`performance` is typed by Node's.)
  await page.waitForFunction(() => performance.getEntriesByName('agents-rendered').length > 0, undefined, {
    timeout: 30_000,
  });
  return page.evaluate(() => {
    const mark = performance.getEntriesByName('agents-rendered')[0] as { startTime: number; detail?: unknown };
    return { ms: mark.startTime, rows: (mark.detail as { rows: number }).rows };
  });
}

if (!existsSync(CHROMIUM)) throw new Error(`the console bench needs Chromium at ${CHROMIUM}`);

await build({ configFile: join(desktopDir, 'vite.web.config.ts'), logLevel: 'warn' });
const initial = await initialJavaScript(webDir);

const dataDir = await mkdtemp(join(tmpdir(), 'speaknode-console-bench-'));
await writeFile(
  join(dataDir, 'console-users.json'),
  JSON.stringify({ users: [{ username: 'admin', passwordHash: await hashPassword(PASSWORD) }] }),
  { mode: 0o600 },
);
const control = await startTestControl({ env: { SPEAKNODE_DATA_DIR: dataDir, SPEAKNODE_CONSOLE_DIR: webDir } });
let browser: Browser | undefined;
const cold: number[] = [];
const warm: number[] = [];
let rows = 0;
try {
  // The embedded issuer's subject is the username: the space is the console admin's.
  const token = await control.userToken('admin');
  const space = await control.request('POST', '/api/v1/spaces', { token, body: { name: 'Bench' } });
  if (space.status !== 201) throw new Error(`creating the space: ${JSON.stringify(space.body)}`);
  for (let i = 0; i < AGENTS; i += 25) {
    await Promise.all(
      Array.from({ length: Math.min(25, AGENTS - i) }, async (_, j) => {
        const res = await control.request('POST', `/api/v1/spaces/${space.body.id}/agents`, {
          token,
          body: {
            name: `Agent ${String(i + j + 1).padStart(3, '0')}`,
            description: 'Answers the phone for one of the shops.',
            prompt: 'You answer questions about the shop.',
            llm: { provider: 'openai-compatible', baseUrl: 'http://127.0.0.1:9/v1', model: 'stand-in' },
            stt: { provider: 'speaknode-models' },
            tts: { provider: 'speaknode-models', voice: 'en_US-stand-in-medium' },
          },
        });
        if (res.status !== 201) throw new Error(`creating agent ${i + j}: ${JSON.stringify(res.body)}`);
      }),
    );
  }

  browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_FLAGS });
  const signedIn = await browser.newContext({ viewport: { width: 1280, height: 720 } });
  const page = await signedIn.newPage();
  await page.goto(`${control.url}/console/`);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByLabel('Username').fill('admin');
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('button', { name: 'Sign out' }).waitFor();
  await page.getByRole('link', { name: 'Agents' }).click();
  await page.locator('table a[href^="#/agents/"]').first().waitFor();
  const storage = await page.evaluate(() => {
    const web = globalThis as unknown as { sessionStorage: object; localStorage: object };
    return {
      session: Object.entries(web.sessionStorage) as [string, string][],
      local: Object.entries(web.localStorage) as [string, string][],
    };
  });

  const agentsUrl = `${control.url}/console/#/agents`;
  for (let run = 0; run < RUNS; run++) {
    const context: BrowserContext = await browser.newContext({ viewport: { width: 1280, height: 720 } });
    // The signed-in tab's tokens (sessionStorage) and chosen space (localStorage), before the app runs.
    await context.addInitScript({
      content: `(() => {
        const saved = ${JSON.stringify(storage)};
        if (sessionStorage.length === 0) for (const [k, v] of saved.session) sessionStorage.setItem(k, v);
        for (const [k, v] of saved.local) localStorage.setItem(k, v);
      })();`,
    });
    await context.addInitScript({ content: MARK_AGENTS_RENDERED });
    const coldPage = await context.newPage();
    const result = await timeToAgents(coldPage, () => coldPage.goto(agentsUrl));
    cold.push(result.ms);
    rows = result.rows;
    await context.close();
  }
  await signedIn.addInitScript({ content: MARK_AGENTS_RENDERED });
  await page.goto(agentsUrl);
  for (let run = 0; run < RUNS; run++) warm.push((await timeToAgents(page, () => page.reload())).ms);
} finally {
  await browser?.close();
  await control.close();
  await rm(dataDir, { recursive: true, force: true });
}

console.log(`initial JS: ${initial.files.join(', ')}: ${initial.bytes} B, ${initial.gzipBytes} B gzip`);
console.log(`navigation → agents list (${AGENTS} agents, ${rows} rows shown), cold: ${cold.map(round).join(', ')} ms`);
console.log(`navigation → agents list, warm (reload): ${warm.map(round).join(', ')} ms`);
console.log(
  JSON.stringify({
    initialJsGzipBytes: initial.gzipBytes,
    initialJsBytes: initial.bytes,
    initialJsBudgetGzipBytes: 250 * 1024,
    agents: AGENTS,
    rowsRendered: rows,
    runs: RUNS,
    agentsListColdMsP50: round(percentile(cold, 0.5)),
    agentsListColdMsP95: round(percentile(cold, 0.95)),
    agentsListWarmMsP50: round(percentile(warm, 0.5)),
    targetMs: 1000,
  }),
);
// Control's pools and the issuer may keep handles open: the figures are out, so exit.
process.exit(0);
