/** Debian's Chromium driven by playwright-core, with the flags this machine needs. */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BrowserContext, chromium, type Page } from 'playwright-core';

const FLAGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export type Microphone = 'fake' | 'denied';

/** A persistent context on a fresh profile: `fake` answers getUserMedia with Chromium's fake device, `denied` refuses it. */
export async function launchBrowser(microphone: Microphone = 'fake'): Promise<BrowserContext> {
  const profile = await mkdtemp(join(tmpdir(), 'speaknode-widget-chromium-'));
  return chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    headless: true,
    args: [
      ...FLAGS,
      '--use-fake-device-for-media-stream',
      ...(microphone === 'fake' ? ['--use-fake-ui-for-media-stream'] : ['--deny-permission-prompts']),
      '--autoplay-policy=no-user-gesture-required',
    ],
    viewport: { width: 1000, height: 760 },
  });
}

export interface RecordedEvent {
  type: 'speaknode:state' | 'speaknode:message' | 'speaknode:error';
  detail: Record<string, unknown>;
}

export function recordedEvents(page: Page): Promise<RecordedEvent[]> {
  return page.evaluate(() => (window as unknown as { speaknodeEvents: RecordedEvent[] }).speaknodeEvents);
}
