// @vitest-environment jsdom
import { fireEvent, render, screen, waitFor, within } from '@testing-library/svelte';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { consoleState } from '../lib/console-state.svelte.ts';
import type { VoiceRoomEvents } from '../lib/voice/voice-room.ts';
import { fakeControl, page, problem, SPACE, uuid } from '../testing/fake-control.ts';
import TestingPage from './TestingPage.svelte';

const agent = { id: uuid(1), spaceId: SPACE, name: 'Front desk' };
const LIVEKIT = 'wss://livekit.example:7880';

/** A microphone: one audio track whose enabled flag and stop the test can read. */
function fakeMicrophone() {
  const track = { kind: 'audio', enabled: true, stop: vi.fn() };
  const stream = { getAudioTracks: () => [track], getTracks: () => [track] };
  Object.defineProperty(globalThis.navigator, 'mediaDevices', {
    configurable: true,
    value: { getUserMedia: vi.fn(async () => stream) },
  });
  return track;
}

/** The LiveKit side, stood in: records what it was given and hands the test the room's events. */
function fakeRoom(fail?: Error) {
  const joined: { serverUrl?: string; token?: string; events?: VoiceRoomEvents } = {};
  const room = { setMuted: vi.fn(async () => {}), leave: vi.fn(async () => {}) };
  const load = vi.fn(async () => ({
    joinVoiceRoom: async (options: { serverUrl: string; token: string; events: VoiceRoomEvents }) => {
      Object.assign(joined, options);
      if (fail) throw fail;
      return room;
    },
  }));
  return { joined, room, load };
}

afterEach(() => {
  consoleState.livekitUrl = null;
});

describe('TestingPage voice', () => {
  it('says voice needs LiveKit when control has none configured, and offers no voice start', async () => {
    fakeControl('editor', { 'GET /api/v1/spaces/:space/agents': () => page([agent]) });
    render(TestingPage);
    const note = await screen.findByRole('note');
    expect(note.textContent).toMatch(/Voice testing needs LiveKit, and control has none configured/);
    expect(note.textContent).toContain('LIVEKIT_URL');
    expect(screen.queryByRole('button', { name: 'Start voice conversation' })).toBeNull();
    expect(screen.getByRole('button', { name: 'Start text conversation' })).toBeTruthy();
  });

  it('joins the room with control’s grant, shows the agent’s state and live captions, mutes and ends', async () => {
    consoleState.livekitUrl = LIVEKIT;
    const microphone = fakeMicrophone();
    const seen = fakeControl('editor', {
      'GET /api/v1/spaces/:space/agents': () => page([agent]),
      'POST /api/v1/spaces/:space/agents/:agent/test-sessions': () => ({
        status: 201,
        body: { mode: 'voice', callId: uuid(9), serverUrl: LIVEKIT, token: 'lk-token' },
      }),
    });
    const { joined, room, load } = fakeRoom();
    render(TestingPage, { loadVoiceRoom: load });
    const start = await screen.findByRole('button', { name: 'Start voice conversation' });
    await waitFor(() => expect((start as HTMLButtonElement).disabled).toBe(false));
    expect(load).not.toHaveBeenCalled();
    await fireEvent.click(start);

    const status = screen.getByRole('status', { name: 'Voice status' });
    await waitFor(() => expect(status.textContent).toMatch(/Agent: not in the room yet/));
    expect(seen.find((r) => r.method === 'POST')?.body).toEqual({ mode: 'voice' });
    expect(joined).toMatchObject({ serverUrl: LIVEKIT, token: 'lk-token' });
    expect(screen.getByRole('link', { name: /timeline/ }).getAttribute('href')).toBe(`#/calls/${uuid(9)}`);
    // No text conversation while the voice one runs.
    expect((screen.getByRole('button', { name: 'Start text conversation' }) as HTMLButtonElement).disabled).toBe(true);

    joined.events!.agentState('listening');
    await waitFor(() => expect(status.textContent).toMatch(/Agent: listening/));
    joined.events!.caption('s1', true, 'Is the clinic', false);
    joined.events!.caption('s1', true, 'Is the clinic open?', true);
    joined.events!.agentState('speaking');
    joined.events!.caption('s2', false, 'Yes, until six.', true);
    const captions = screen.getByRole('list', { name: 'Live captions' });
    await waitFor(() => expect(within(captions).getAllByRole('listitem')).toHaveLength(2));
    expect(captions.textContent).toMatch(/You\s+Is the clinic open\?/);
    expect(captions.textContent).toMatch(/Agent\s+Yes, until six\./);
    await waitFor(() => expect(status.textContent).toMatch(/Agent: speaking/));

    await fireEvent.click(screen.getByRole('button', { name: 'Mute microphone' }));
    const unmute = screen.getByRole('button', { name: 'Unmute microphone' });
    expect(unmute.getAttribute('aria-pressed')).toBe('true');
    expect(room.setMuted).toHaveBeenLastCalledWith(true);
    expect(microphone.enabled).toBe(false);
    expect(status.textContent).toMatch(/microphone muted/);

    await fireEvent.click(screen.getByRole('button', { name: 'End voice conversation' }));
    await waitFor(() => expect(status.textContent).toMatch(/The voice conversation has ended/));
    expect(room.leave).toHaveBeenCalledTimes(1);
    expect(microphone.stop).toHaveBeenCalled();
    expect(screen.getByRole('button', { name: 'Start voice conversation' })).toBeTruthy();
  });

  it('says why when LiveKit cannot be reached, and releases the microphone', async () => {
    consoleState.livekitUrl = LIVEKIT;
    const microphone = fakeMicrophone();
    fakeControl('editor', {
      'GET /api/v1/spaces/:space/agents': () => page([agent]),
      'POST /api/v1/spaces/:space/agents/:agent/test-sessions': () => ({
        status: 201,
        body: { mode: 'voice', callId: uuid(9), serverUrl: LIVEKIT, token: 'lk-token' },
      }),
    });
    const { load } = fakeRoom(new Error('could not establish signal connection'));
    render(TestingPage, { loadVoiceRoom: load });
    const start = await screen.findByRole('button', { name: 'Start voice conversation' });
    await waitFor(() => expect((start as HTMLButtonElement).disabled).toBe(false));
    await fireEvent.click(start);
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toContain(
      `Could not connect to LiveKit at ${LIVEKIT} (could not establish signal connection)`,
    );
    expect(screen.getByRole('status', { name: 'Voice status' }).textContent).toMatch(/could not start/);
    expect(microphone.stop).toHaveBeenCalled();
  });

  it('shows control’s refusal and never loads LiveKit when the session is refused', async () => {
    consoleState.livekitUrl = LIVEKIT;
    fakeMicrophone();
    fakeControl('editor', {
      'GET /api/v1/spaces/:space/agents': () => page([agent]),
      'POST /api/v1/spaces/:space/agents/:agent/test-sessions': () => ({
        ...problem(503, 'Service Unavailable'),
        body: { ...problem(503, 'Service Unavailable').body, detail: 'LiveKit is not configured' },
      }),
    });
    const { load } = fakeRoom();
    render(TestingPage, { loadVoiceRoom: load });
    const start = await screen.findByRole('button', { name: 'Start voice conversation' });
    await waitFor(() => expect((start as HTMLButtonElement).disabled).toBe(false));
    await fireEvent.click(start);
    expect((await screen.findByRole('alert')).textContent).toBe('Service Unavailable: LiveKit is not configured');
    expect(load).not.toHaveBeenCalled();
  });

  it('keeps voice off for a viewer', async () => {
    consoleState.livekitUrl = LIVEKIT;
    fakeControl('viewer', { 'GET /api/v1/spaces/:space/agents': () => page([agent]) });
    render(TestingPage);
    const start = await screen.findByRole('button', { name: 'Start voice conversation' });
    await screen.findByText(/needs the editor role/);
    expect((start as HTMLButtonElement).disabled).toBe(true);
  });
});
