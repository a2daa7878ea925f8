/**
 * The voice path against a real LiveKit server: the visitor joins, the agent worker is dispatched
 * and joins within the element's 10 s, mute works, end() leaves. Runs only when LIVEKIT_URL,
 * LIVEKIT_API_KEY and LIVEKIT_API_SECRET are set (the worker registers with that server too).
 */
import type { BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, recordedEvents } from '../testing/browser.ts';
import { type Platform, startPlatform } from '../testing/platform.ts';

const missing = ['LIVEKIT_URL', 'LIVEKIT_API_KEY', 'LIVEKIT_API_SECRET'].filter((name) => !process.env[name]);
if (missing.length > 0) {
  console.info(
    `livekit-voice.contract.test.ts skipped: set ${missing.join(', ')} to run the widget's voice path against a real LiveKit server`,
  );
}

describe.skipIf(missing.length > 0)('voice through a real LiveKit server', () => {
  let platform: Platform;
  let browser: BrowserContext;
  beforeAll(async () => {
    platform = await startPlatform({
      livekit: {
        url: process.env.LIVEKIT_URL!,
        apiKey: process.env.LIVEKIT_API_KEY!,
        apiSecret: process.env.LIVEKIT_API_SECRET!,
      },
    });
    browser = await launchBrowser('fake');
  }, 300_000);
  afterAll(async () => {
    await browser?.close();
    await platform?.close();
  });

  it('joins the room, the agent joins, mute toggles, end leaves', async () => {
    const page = await browser.newPage();
    const path = platform.pages.add({
      scriptSrc: `${platform.controlUrl}/widget/v1/speaknode-agent.js`,
      attributes: {
        'agent-key': platform.publishableKey,
        'api-base': platform.apiBaseFor('203.0.113.60'),
        mode: 'voice',
        position: 'inline',
      },
    });
    await page.goto(`${platform.pages.origin}${path}`);
    const widget = page.locator('speaknode-agent');
    await widget.getByRole('button', { name: 'Start voice call' }).click();
    const states = async () =>
      (await recordedEvents(page)).filter((e) => e.type === 'speaknode:state').map((e) => e.detail.state);
    await expect.poll(states, { timeout: 15_000 }).toContain('listening');
    expect(await states()).not.toContain('error');
    const mute = widget.getByRole('button', { name: 'Mute' });
    await mute.click();
    expect(await widget.getByRole('button', { name: 'Unmute' }).getAttribute('aria-pressed')).toBe('true');
    await widget.getByRole('button', { name: 'End conversation' }).click();
    await expect.poll(async () => (await states()).at(-1)).toBe('ended');
    const calls = await platform.admin('GET', `/api/v1/spaces/${platform.spaceId}/calls`);
    expect(calls.body.items[0]).toMatchObject({ channel: 'widget' });
    await page.close();
  });
});
