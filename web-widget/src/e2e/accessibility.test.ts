/**
 * The widget for people who use a keyboard or a screen reader, under a strict CSP, and how it looks:
 * keyboard-only conversation, axe-core in every state, a page with `script-src 'self' <api-base>`,
 * and screenshots of each state in light and dark (web-widget/screenshots/, gitignored).
 */
import { mkdir } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import type { WidgetManifest } from '@speaknode/contracts';
import type { BrowserContext, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, launchBrowser, recordedEvents } from '../testing/browser.ts';
import { type Platform, startPlatform } from '../testing/platform.ts';

const axeSource = createRequire(import.meta.url)('axe-core').source as string;
const screenshots = fileURLToPath(new URL('../../screenshots/', import.meta.url));

let platform: Platform;
let browser: BrowserContext;

beforeAll(async () => {
  platform = await startPlatform();
  browser = await launchBrowser();
  await mkdir(screenshots, { recursive: true });
}, 300_000);

afterAll(async () => {
  await browser?.close();
  await platform?.close();
});

async function open(attributes: Record<string, string>, ip: string, csp?: string): Promise<Page> {
  const page = await browser.newPage();
  const path = platform.pages.add({
    scriptSrc: `${platform.controlUrl}/widget/v1/speaknode-agent.js`,
    attributes: { 'agent-key': platform.publishableKey, 'api-base': platform.apiBaseFor(ip), ...attributes },
    ...(csp ? { csp } : {}),
  });
  await page.goto(`${platform.pages.origin}${path}`);
  await page.locator('speaknode-agent').waitFor({ state: 'attached' });
  return page;
}

/** The accessible name of what has focus, looking into the widget's shadow root. */
function focused(page: Page): Promise<string> {
  return page.evaluate(() => {
    let element = document.activeElement;
    while (element?.shadowRoot?.activeElement) element = element.shadowRoot.activeElement;
    if (!element) return '';
    const label = element.getAttribute('aria-label');
    const labelled = (element as HTMLInputElement).labels?.[0]?.textContent;
    return `${element.tagName.toLowerCase()}:${label ?? labelled ?? element.textContent?.trim() ?? ''}`;
  });
}

async function tabTo(page: Page, target: string, key: 'Tab' | 'Shift+Tab' = 'Tab', limit = 12): Promise<void> {
  for (let i = 0; i < limit; i++) {
    await page.keyboard.press(key);
    if ((await focused(page)) === target) return;
  }
  throw new Error(`Tab never reached ${target}; last: ${await focused(page)}`);
}

async function seriousViolations(page: Page): Promise<string[]> {
  if (!(await page.evaluate(() => 'axe' in window))) await page.addScriptTag({ content: axeSource });
  const results = await page.evaluate(() =>
    (window as unknown as { axe: { run(context: unknown): Promise<{ violations: unknown[] }> } }).axe.run(document),
  );
  return (results.violations as { id: string; impact: string; nodes: { target: unknown }[] }[])
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${JSON.stringify(v.nodes.map((n) => n.target))}`);
}

const stateOf = async (page: Page) =>
  (await recordedEvents(page)).filter((e) => e.type === 'speaknode:state').at(-1)?.detail.state;

describe('keyboard only', () => {
  it('opens, starts, sends, ends and closes with the keyboard, focus visible throughout', async () => {
    const page = await open({ mode: 'text', theme: 'light' }, '203.0.113.40');
    // The launcher is named after the agent once its configuration is loaded.
    await page.locator('speaknode-agent').getByRole('button', { name: 'Talk to Clinic front desk' }).waitFor();
    await tabTo(page, 'button:Talk to Clinic front desk');
    const ring = () =>
      page.evaluate(() => {
        let element = document.activeElement;
        while (element?.shadowRoot?.activeElement) element = element.shadowRoot.activeElement;
        return element ? getComputedStyle(element).outlineStyle : 'none';
      });
    expect(await ring()).not.toBe('none');
    await page.keyboard.press('Enter');
    await tabTo(page, 'button:Start chat');
    expect(await ring()).not.toBe('none');
    await page.keyboard.press('Enter');
    await eventually(() => focused(page)).toBe('input:Your message');
    await eventually(() => stateOf(page)).toBe('listening');
    await page.keyboard.type('Do you take new patients?');
    await page.keyboard.press('Enter');
    const log = page.locator('speaknode-agent').getByRole('log');
    await eventually(() => log.textContent()).toContain('You said: Do you take new patients?');
    await eventually(() => stateOf(page)).toBe('listening');
    // Focus stayed in the message field while the reply came.
    expect(await focused(page)).toBe('input:Your message');
    await tabTo(page, 'button:End conversation', 'Shift+Tab');
    await page.keyboard.press('Enter');
    await eventually(() => stateOf(page)).toBe('ended');
    await eventually(() => focused(page)).toBe('button:Start chat');
    await page.keyboard.press('Escape');
    await eventually(() => focused(page)).toBe('button:Talk to Clinic front desk');
    expect(await page.locator('speaknode-agent').getByRole('dialog').count()).toBe(0);
    await page.close();
  }, 120_000);
});

describe('axe-core', () => {
  for (const theme of ['light', 'dark']) {
    it(`finds no serious violation, idle, in a conversation and in error (${theme})`, async () => {
      const page = await open({ mode: 'hybrid', theme, position: 'inline' }, `203.0.113.4${theme === 'light' ? 1 : 2}`);
      const widget = page.locator('speaknode-agent');
      await widget.getByRole('button', { name: 'Chat by text' }).waitFor();
      expect(await seriousViolations(page)).toEqual([]);
      await widget.getByRole('button', { name: 'Chat by text' }).click();
      await eventually(() => stateOf(page)).toBe('listening');
      await widget.getByRole('textbox', { name: 'Your message' }).fill('Hello');
      await widget.getByRole('button', { name: 'Send' }).click();
      await eventually(() => widget.getByRole('log').textContent()).toContain('You said: Hello');
      expect(await seriousViolations(page)).toEqual([]);
      await page.close();
      const broken = await open(
        { 'agent-key': 'pk_nosuchagentnosuchagent', theme, position: 'inline' },
        '203.0.113.43',
      );
      await broken.locator('speaknode-agent').getByRole('alert').waitFor();
      expect(await seriousViolations(broken)).toEqual([]);
      await broken.close();
    }, 120_000);
  }
});

describe("under Content-Security-Policy script-src 'self' <api-base>", () => {
  it('loads, converses and breaks no directive', async () => {
    const api = platform.controlUrl;
    const csp = `default-src 'none'; script-src 'self' ${api}; connect-src ${api}; style-src 'self'; img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'`;
    const page = await browser.newPage();
    // As the console's embed snippet has it: the content-hashed path with the integrity the browser checks.
    const manifest = JSON.parse(await (await fetch(`${api}/widget/v1/manifest.json`)).text()) as WidgetManifest;
    const path = platform.pages.add({
      scriptSrc: `${api}/widget/v1/${manifest.versionedEntry}`,
      integrity: manifest.integrity,
      attributes: { 'agent-key': platform.publishableKey, 'api-base': api, mode: 'text', position: 'inline' },
      csp,
    });
    await page.goto(`${platform.pages.origin}${path}`);
    const widget = page.locator('speaknode-agent');
    await widget.getByRole('button', { name: 'Start chat' }).click();
    await eventually(() => stateOf(page)).toBe('listening');
    await widget.getByRole('textbox', { name: 'Your message' }).fill('Is parking free?');
    await widget.getByRole('button', { name: 'Send' }).click();
    await eventually(() => widget.getByRole('log').textContent()).toContain('You said: Is parking free?');
    // Styled (the constructed stylesheet applied): the send button has the accent background.
    expect(
      await widget.getByRole('button', { name: 'Send' }).evaluate((b) => getComputedStyle(b).backgroundColor),
    ).toBe('rgb(47, 79, 224)');
    expect(await page.evaluate(() => (window as unknown as { cspViolations: string[] }).cspViolations)).toEqual([]);
    await page.close();
  }, 120_000);
});

describe('screenshots', () => {
  async function shoot(target: Locator, name: string) {
    await target.screenshot({ path: `${screenshots}${name}.png`, animations: 'disabled' });
  }

  for (const theme of ['light', 'dark'] as const) {
    it(`of each state (${theme})`, async () => {
      const ip = theme === 'light' ? '203.0.113.50' : '203.0.113.51';
      const page = await open({ mode: 'hybrid', theme, position: 'bottom-right' }, ip);
      await page.emulateMedia({ colorScheme: theme });
      const widget = page.locator('speaknode-agent');
      const launcher = widget.getByRole('button', { name: 'Talk to Clinic front desk' });
      await launcher.waitFor();
      await shoot(launcher, `${theme}-launcher`);
      await launcher.click();
      const panel = widget.getByRole('dialog');
      await shoot(panel, `${theme}-idle`);

      // connecting: the session request held until the screenshot is taken.
      let releaseSession!: () => void;
      const sessionHeld = new Promise<void>((resolve) => (releaseSession = resolve));
      await page.route('**/sessions', async (route) => {
        await sessionHeld;
        await route.continue();
      });
      await widget.getByRole('button', { name: 'Chat by text' }).click();
      await eventually(() => stateOf(page)).toBe('connecting');
      await shoot(panel, `${theme}-connecting`);
      releaseSession();
      await eventually(() => stateOf(page)).toBe('listening');
      await shoot(panel, `${theme}-listening`);

      // thinking: the message request held; speaking: the reply held after its first piece.
      let releaseMessage!: () => void;
      const messageHeld = new Promise<void>((resolve) => (releaseMessage = resolve));
      await page.route('**/messages', async (route) => {
        await messageHeld;
        await route.continue();
      });
      const releaseStream = platform.proxy.holdStream(ip);
      await widget.getByRole('textbox', { name: 'Your message' }).fill('When is the next free appointment?');
      await widget.getByRole('button', { name: 'Send' }).click();
      await eventually(() => stateOf(page)).toBe('thinking');
      await shoot(panel, `${theme}-thinking`);
      releaseMessage();
      await eventually(() => stateOf(page), { timeout: 20_000 }).toBe('speaking');
      await shoot(panel, `${theme}-speaking`);
      releaseStream();
      await eventually(() => stateOf(page)).toBe('listening');
      await shoot(panel, `${theme}-replied`);
      await widget.getByRole('button', { name: 'End conversation' }).click();
      await eventually(() => stateOf(page)).toBe('ended');
      await shoot(panel, `${theme}-ended`);
      await page.close();

      const broken = await open({ 'agent-key': 'pk_nosuchagentnosuchagent', theme, position: 'inline' }, ip);
      await broken.locator('speaknode-agent').getByRole('alert').waitFor();
      await shoot(broken.locator('speaknode-agent'), `${theme}-error`);
      await broken.close();
    }, 120_000);
  }
});
