/**
 * A visitor's conversations in Chromium, against real control and agent worker processes and a
 * stand-in LLM: text end to end (events in order, the reply streamed, the transcript on the call in
 * control), each refusal with its message and code, and voice up to the LiveKit connection (which
 * fails here: control's LiveKit is a stand-in of its room API, with no signalling).
 */
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../../services/control/src/testing/agent-worker-process.ts';
import { eventually, launchBrowser, recordedEvents } from '../testing/browser.ts';
import { type Platform, startPlatform } from '../testing/platform.ts';

let platform: Platform;
let browser: BrowserContext;

beforeAll(async () => {
  platform = await startPlatform();
  browser = await launchBrowser();
}, 300_000);

afterAll(async () => {
  await browser?.close();
  await platform?.close();
});

describe('a text conversation', () => {
  it('streams the reply, emits the events in order and leaves the transcript on the call', async () => {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(String(error)));
    const path = platform.pages.add({
      scriptSrc: `${platform.controlUrl}/widget/v1/speaknode-agent.js`,
      attributes: {
        'agent-key': platform.publishableKey,
        'api-base': platform.apiBaseFor('203.0.113.10'),
        mode: 'text',
        theme: 'light',
      },
    });
    await page.goto(`${platform.pages.origin}${path}`);
    const widget = page.locator('speaknode-agent');
    await widget.getByRole('button', { name: 'Talk to Clinic front desk' }).click();
    await widget.getByRole('button', { name: 'Start chat' }).click();
    const log = widget.getByRole('log', { name: 'Conversation with Clinic front desk' });
    await eventually(async () => (await recordedEvents(page)).at(-1)?.detail).toEqual({ state: 'listening' });
    expect(await log.textContent()).toContain('Hello! How can I help?');

    const input = widget.getByRole('textbox', { name: 'Your message' });
    await input.fill('What are your opening hours?');
    await input.press('Enter');
    await eventually(() => log.textContent(), { timeout: 20_000 }).toContain('You said: What are your opening hours?');
    await eventually(async () => (await recordedEvents(page)).at(-1)?.detail).toEqual({ state: 'listening' });

    const events = await recordedEvents(page);
    const states = events.filter((e) => e.type === 'speaknode:state').map((e) => e.detail.state);
    expect(states).toEqual(['connecting', 'listening', 'thinking', 'speaking', 'listening']);
    const messages = events.filter((e) => e.type === 'speaknode:message').map((e) => e.detail);
    expect(messages[0]).toEqual({ role: 'agent', text: 'Hello! How can I help?', final: true });
    expect(messages[1]).toEqual({ role: 'user', text: 'What are your opening hours?', final: true });
    const partials = messages.slice(2, -1);
    // Streamed: several pieces, each the reply so far, before the final one.
    expect(partials.length).toBeGreaterThan(1);
    for (const partial of partials) {
      expect(partial).toMatchObject({ role: 'agent', final: false });
      expect('You said: What are your opening hours?'.startsWith(String(partial.text))).toBe(true);
    }
    expect(messages.at(-1)).toEqual({ role: 'agent', text: 'You said: What are your opening hours?', final: true });
    // In order: thinking before the first piece, speaking before the pieces, listening after the final one.
    const order = events.map((e) =>
      e.type === 'speaknode:state' ? e.detail.state : `${e.detail.role}:${e.detail.final}`,
    );
    expect(order.indexOf('thinking')).toBeGreaterThan(order.indexOf('user:true'));
    expect(order.indexOf('speaking')).toBeLessThan(order.indexOf('agent:false'));
    expect(order.lastIndexOf('listening')).toBeGreaterThan(order.lastIndexOf('agent:true'));
    expect(events.some((e) => e.type === 'speaknode:error')).toBe(false);

    await widget.getByRole('button', { name: 'End conversation' }).click();
    await eventually(async () => (await recordedEvents(page)).at(-1)?.detail).toEqual({ state: 'ended' });

    const calls = await platform.admin('GET', `/api/v1/spaces/${platform.spaceId}/calls`);
    const call = calls.body.items.find((c: { channel: string }) => c.channel === 'widget');
    expect(call).toBeDefined();
    await eventually(
      async () => {
        const detail = await platform.admin('GET', `/api/v1/spaces/${platform.spaceId}/calls/${call.id}`);
        return {
          status: detail.body.status,
          turns: detail.body.transcript.map((t: { speaker: string; text: string }) => [t.speaker, t.text]),
        };
      },
      { timeout: 20_000 },
    ).toEqual({
      status: 'ended',
      turns: [
        ['agent', 'Hello! How can I help?'],
        ['user', 'What are your opening hours?'],
        ['agent', 'You said: What are your opening hours?'],
      ],
    });
    // The session token stayed in memory: nothing in cookies or storage.
    expect(await browser.cookies()).toEqual([]);
    expect(await page.evaluate(() => [localStorage.length, sessionStorage.length])).toEqual([0, 0]);
    expect(errors).toEqual([]);
    await page.close();
  }, 120_000);
});

/** A page embedding the widget with `attributes` (agent-key and api-base filled in unless given). */
async function openWidget(
  attributes: Record<string, string>,
  options: { ip: string; origin?: string; context?: BrowserContext },
): Promise<{ page: Page; warnings: string[]; scripts: string[] }> {
  const page = await (options.context ?? browser).newPage();
  // Counts the page's microphone requests (the element may ask only on start()).
  await page.addInitScript(() => {
    const devices = navigator.mediaDevices;
    const original = devices.getUserMedia.bind(devices);
    const counter = window as unknown as { microphoneRequests: number };
    counter.microphoneRequests = 0;
    devices.getUserMedia = (constraints) => {
      counter.microphoneRequests++;
      return original(constraints);
    };
  });
  const warnings: string[] = [];
  const scripts: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'warning') warnings.push(message.text());
  });
  page.on('request', (request) => {
    if (request.resourceType() === 'script') scripts.push(new URL(request.url()).pathname);
  });
  const path = platform.pages.add({
    scriptSrc: `${platform.controlUrl}/widget/v1/speaknode-agent.js`,
    attributes: {
      'agent-key': platform.publishableKey,
      'api-base': platform.apiBaseFor(options.ip),
      position: 'inline',
      ...attributes,
    },
  });
  await page.goto(`${options.origin ?? platform.pages.origin}${path}`);
  return { page, warnings, scripts };
}

const microphoneRequests = (page: Page) =>
  page.evaluate(() => (window as unknown as { microphoneRequests: number }).microphoneRequests);

async function errorsOf(page: Page) {
  return (await recordedEvents(page)).filter((e) => e.type === 'speaknode:error').map((e) => e.detail);
}

describe('refusals: the visitor reads why, the page gets a stable code', () => {
  it('an origin the agent does not allow (and the console says what the site owner must add)', async () => {
    const { page, warnings } = await openWidget({}, { ip: '203.0.113.20', origin: platform.pages.foreignOrigin });
    const widget = page.locator('speaknode-agent');
    await eventually(() => errorsOf(page)).toEqual([
      { code: 'origin_not_allowed', message: 'This assistant is not available on this website.' },
    ]);
    expect(await widget.getByRole('alert').textContent()).toBe('This assistant is not available on this website.');
    expect(warnings.join('\n')).toContain(`Add ${platform.pages.foreignOrigin} to the agent's allowed origins`);
    await page.close();
  });

  it('a publishable key no agent has', async () => {
    const { page, warnings } = await openWidget({ 'agent-key': 'pk_nosuchagentnosuchagent' }, { ip: '203.0.113.21' });
    await eventually(() => errorsOf(page)).toEqual([
      { code: 'unknown_key', message: 'This assistant could not be found.' },
    ]);
    expect(await page.locator('speaknode-agent').getByRole('alert').textContent()).toBe(
      'This assistant could not be found.',
    );
    expect(warnings.join('\n')).toContain('pk_nosuchagentnosuchagent');
    await page.close();
  });

  it('a visitor over the per-IP session limit, told when to retry', async () => {
    const ip = '203.0.113.22';
    let limited = false;
    for (let i = 0; i < 20 && !limited; i++) {
      const res = await fetch(`${platform.apiBaseFor(ip)}/api/v1/public/agents/${platform.publishableKey}/sessions`, {
        method: 'POST',
        headers: { origin: platform.pages.origin, 'content-type': 'application/json' },
        body: JSON.stringify({ mode: 'voice' }),
      });
      limited = res.status === 429;
    }
    expect(limited).toBe(true);
    const { page } = await openWidget({ mode: 'text' }, { ip });
    const widget = page.locator('speaknode-agent');
    await widget.getByRole('button', { name: 'Start chat' }).click();
    await eventually(async () => (await errorsOf(page)).length).toBe(1);
    const [error] = await errorsOf(page);
    expect(error).toMatchObject({ code: 'rate_limited' });
    expect(Number(error!.retryAfterSeconds)).toBeGreaterThan(0);
    expect(Number(error!.retryAfterSeconds)).toBeLessThanOrEqual(60);
    expect(error!.message).toMatch(
      /^Too many conversations were started from here\. Please try again in \d+ seconds?\.$/,
    );
    expect(await widget.getByRole('alert').textContent()).toBe(error!.message);
    expect((await recordedEvents(page)).filter((e) => e.type === 'speaknode:state').map((e) => e.detail.state)).toEqual(
      ['connecting', 'error'],
    );
    await page.close();
  });

  it('control down', async () => {
    const { page } = await openWidget({ 'api-base': `http://127.0.0.1:${await freePort()}` }, { ip: '203.0.113.23' });
    await eventually(() => errorsOf(page)).toEqual([
      { code: 'service_unavailable', message: 'The assistant is not available right now. Please try again later.' },
    ]);
    await page.close();
  }, 120_000);
});

describe('the inline panel', () => {
  it('has a close button that ends the conversation and puts the panel back as before it', async () => {
    const { page } = await openWidget({ mode: 'text' }, { ip: '203.0.113.40' });
    const widget = page.locator('speaknode-agent');
    const close = widget.getByRole('button', { name: 'Close conversation' });
    await widget.getByRole('button', { name: 'Start chat' }).waitFor();
    // Nothing to close before a conversation.
    expect(await close.count()).toBe(0);
    const callIds = async () =>
      ((await platform.admin('GET', `/api/v1/spaces/${platform.spaceId}/calls`)).body.items as { id: string }[]).map(
        (c) => c.id,
      );
    const before = new Set(await callIds());
    await widget.getByRole('button', { name: 'Start chat' }).click();
    const log = widget.getByRole('log');
    await eventually(() => log.textContent()).toContain('Hello! How can I help?');
    await eventually(async () => (await recordedEvents(page)).at(-1)?.detail).toEqual({ state: 'listening' });
    await close.click();
    await eventually(async () => (await recordedEvents(page)).at(-1)?.detail).toEqual({ state: 'idle' });
    const states = (await recordedEvents(page)).filter((e) => e.type === 'speaknode:state').map((e) => e.detail.state);
    expect(states).toEqual(['connecting', 'listening', 'ended', 'idle']);
    expect(await log.textContent()).toBe('Start a conversation with Clinic front desk.');
    expect(await close.count()).toBe(0);
    // Focus stays in the panel, on the way to start again.
    expect(
      await page.evaluate(() => document.querySelector('speaknode-agent')!.shadowRoot!.activeElement?.textContent),
    ).toBe('Start chat');
    // The call in control ended with it.
    const started = (await callIds()).filter((id) => !before.has(id));
    expect(started).toHaveLength(1);
    await eventually(
      async () => (await platform.admin('GET', `/api/v1/spaces/${platform.spaceId}/calls/${started[0]}`)).body.status,
      { timeout: 20_000 },
    ).toBe('ended');
    await page.close();
  }, 120_000);
});

describe('require-consent', () => {
  it('starts nothing until the visitor ticks the sentence, and stores nothing once they did', async () => {
    const sentence = 'I agree that Clinic front desk processes what I type.';
    const { page } = await openWidget({ mode: 'text', 'require-consent': sentence }, { ip: '203.0.113.41' });
    const widget = page.locator('speaknode-agent');
    const sessions: string[] = [];
    page.on('request', (request) => {
      if (request.method() === 'POST' && request.url().endsWith('/sessions')) sessions.push(request.url());
    });
    await widget.getByRole('button', { name: 'Start chat' }).click();
    await eventually(() => errorsOf(page)).toEqual([
      { code: 'consent_required', message: 'Please accept the terms above to start.' },
    ]);
    const box = widget.getByRole('checkbox', { name: sentence });
    // Focus is taken to the sentence; no session was asked for, no state left idle.
    expect(await box.evaluate((el) => el === (el.getRootNode() as ShadowRoot).activeElement)).toBe(true);
    expect(sessions).toEqual([]);
    expect((await recordedEvents(page)).filter((e) => e.type === 'speaknode:state')).toEqual([]);
    await box.check();
    await widget.getByRole('button', { name: 'Start chat' }).click();
    await eventually(() => widget.getByRole('log').textContent()).toContain('Hello! How can I help?');
    expect(sessions).toHaveLength(1);
    expect(await widget.getByRole('alert').count()).toBe(0);
    expect(await browser.cookies()).toEqual([]);
    expect(await page.evaluate(() => [localStorage.length, sessionStorage.length])).toEqual([0, 0]);
    await page.close();
  }, 120_000);
});

describe('voice', () => {
  it('asks for the microphone only on start, loads livekit-client only then, and says when the call cannot connect', async () => {
    const { page, scripts } = await openWidget({ mode: 'voice' }, { ip: '203.0.113.30' });
    const widget = page.locator('speaknode-agent');
    const start = widget.getByRole('button', { name: 'Start voice call' });
    await start.waitFor();
    const isVoiceChunk = (path: string) => /\/widget\/v1\/speaknode-agent-voice-[\w-]+\.js$/.test(path);
    expect(scripts.filter(isVoiceChunk)).toEqual([]);
    // Nothing asked for the microphone yet.
    expect(await microphoneRequests(page)).toBe(0);
    await start.click();
    await eventually(() => errorsOf(page), { timeout: 30_000 }).toEqual([
      {
        code: 'voice_connection_failed',
        message: 'The voice call could not connect. Please check your connection and try again.',
      },
    ]);
    expect(scripts.filter(isVoiceChunk)).toHaveLength(1);
    expect(await microphoneRequests(page)).toBe(1);
    const states = (await recordedEvents(page)).filter((e) => e.type === 'speaknode:state').map((e) => e.detail.state);
    expect(states).toEqual(['connecting', 'error']);
    // The microphone was released after the failure.
    expect(await widget.getByRole('button', { name: 'Start voice call' }).isVisible()).toBe(true);
    await page.close();
  });

  it('a denied microphone says so and, since the agent allows text, offers to type', async () => {
    const denied = await launchBrowser('denied');
    try {
      const { page } = await openWidget({ mode: 'hybrid' }, { ip: '203.0.113.31', context: denied });
      const widget = page.locator('speaknode-agent');
      await widget.getByRole('button', { name: 'Start voice call' }).click();
      await eventually(() => errorsOf(page)).toEqual([
        {
          code: 'microphone_denied',
          message: 'The microphone is blocked. Allow it in your browser to talk, or type instead.',
        },
      ]);
      await widget.getByRole('button', { name: 'Type instead' }).click();
      await eventually(() => widget.getByRole('log').textContent()).toContain('Hello! How can I help?');
      await widget.getByRole('textbox', { name: 'Your message' }).fill('Can I book a cleaning?');
      await widget.getByRole('button', { name: 'Send' }).click();
      await eventually(() => widget.getByRole('log').textContent()).toContain('You said: Can I book a cleaning?');
      await page.close();
    } finally {
      await denied.close();
    }
  });
});
