/**
 * A visitor's text conversation in Chromium, against real control and agent worker processes and a
 * stand-in LLM: the events in order, the reply streamed, the transcript on the call in control.
 */
import type { BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, recordedEvents } from '../testing/browser.ts';
import { type Platform, startPlatform } from '../testing/platform.ts';

let platform: Platform;
let browser: BrowserContext;

beforeAll(async () => {
  platform = await startPlatform();
  browser = await launchBrowser();
}, 240_000);

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
    await expect.poll(() => log.textContent()).toContain('Hello! How can I help?');

    const input = widget.getByRole('textbox', { name: 'Your message' });
    await input.fill('What are your opening hours?');
    await input.press('Enter');
    await expect.poll(() => log.textContent(), { timeout: 20_000 }).toContain('You said: What are your opening hours?');
    await expect.poll(async () => (await recordedEvents(page)).at(-1)?.detail).toEqual({ state: 'listening' });

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
    await expect.poll(async () => (await recordedEvents(page)).at(-1)?.detail).toEqual({ state: 'ended' });

    const calls = await platform.admin('GET', `/api/v1/spaces/${platform.spaceId}/calls`);
    const call = calls.body.items.find((c: { channel: string }) => c.channel === 'widget');
    expect(call).toBeDefined();
    await expect
      .poll(
        async () => {
          const detail = await platform.admin('GET', `/api/v1/spaces/${platform.spaceId}/calls/${call.id}`);
          return {
            status: detail.body.status,
            turns: detail.body.transcript.map((t: { speaker: string; text: string }) => [t.speaker, t.text]),
          };
        },
        { timeout: 20_000 },
      )
      .toEqual({
        status: 'ended',
        endReason: 'caller_hangup',
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
  });
});
