import { PassThrough } from 'node:stream';
import type Docker from 'dockerode';
import { describe, expect, it, vi } from 'vitest';
import { EngineEventStream, type ServiceEvent } from './engine-events.ts';

function engine() {
  const streams: PassThrough[] = [];
  let refuse = false;
  const docker = {
    getEvents: vi.fn(async () => {
      if (refuse) throw new Error('connect ECONNREFUSED');
      const stream = new PassThrough();
      streams.push(stream);
      return stream;
    }),
  } as unknown as Docker & { getEvents: ReturnType<typeof vi.fn> };
  const line = (service: string, action: string, extra: Record<string, string> = {}) =>
    `${JSON.stringify({ Type: 'container', Action: action, Actor: { ID: 'abc', Attributes: { 'io.speaknode.service': service, ...extra } } })}\n`;
  return {
    docker,
    streams,
    line,
    refuse: (value: boolean) => {
      refuse = value;
    },
  };
}

describe('EngineEventStream', () => {
  it('opens one connection for all subscribers, splits lines across chunks and skips malformed ones', async () => {
    const e = engine();
    const events = new EngineEventStream(e.docker, 'p');
    const a: ServiceEvent[] = [];
    const b: ServiceEvent[] = [];
    const first = events.subscribe((x) => a.push(x));
    const second = events.subscribe((x) => b.push(x));
    expect(await first.ready).toBe(true);
    expect(await second.ready).toBe(true);
    expect(e.docker.getEvents).toHaveBeenCalledTimes(1);
    expect(e.docker.getEvents.mock.calls[0]![0]).toEqual({
      filters: { type: ['container'], label: ['io.speaknode.project=p'] },
    });
    const text = e.line('web', 'die', { exitCode: '3' });
    e.streams[0]!.write(text.slice(0, 10));
    e.streams[0]!.write(`${text.slice(10)}not json\n${JSON.stringify({ Action: 'start' })}\n${e.line('db', 'start')}`);
    await vi.waitFor(() => expect(a.length).toBe(2));
    expect(a[0]).toMatchObject({ service: 'web', action: 'die', containerId: 'abc', attributes: { exitCode: '3' } });
    expect(a[1]).toMatchObject({ service: 'db', action: 'start' });
    expect(b).toEqual(a);
    first.dispose();
    second.dispose();
    expect(e.streams[0]!.destroyed).toBe(true);
  });

  it('shares one stream per Docker client and project', () => {
    const e = engine();
    expect(EngineEventStream.for(e.docker, 'p')).toBe(EngineEventStream.for(e.docker, 'p'));
    expect(EngineEventStream.for(e.docker, 'q')).not.toBe(EngineEventStream.for(e.docker, 'p'));
  });

  it('re-opens a dropped stream and tells subscribers so they can look again', async () => {
    const e = engine();
    const events = new EngineEventStream(e.docker, 'p', { reconnectMs: 10 });
    const seen: string[] = [];
    const onReconnect = vi.fn();
    const sub = events.subscribe((x) => seen.push(x.action), { onReconnect });
    await sub.ready;
    e.streams[0]!.end();
    await vi.waitFor(() => expect(e.streams.length).toBe(2));
    await vi.waitFor(() => expect(onReconnect).toHaveBeenCalledTimes(1));
    e.streams[1]!.write(e.line('web', 'start'));
    await vi.waitFor(() => expect(seen).toEqual(['start']));
    expect(events.connections).toBe(2);
    sub.dispose();
  });

  it('says when the engine refuses the stream, and keeps trying', async () => {
    const e = engine();
    e.refuse(true);
    const events = new EngineEventStream(e.docker, 'p', { reconnectMs: 10 });
    const sub = events.subscribe(() => {});
    expect(await sub.ready).toBe(false);
    e.refuse(false);
    await vi.waitFor(() => expect(e.streams.length).toBe(1));
    sub.dispose();
  });

  it('nap wakes on an event about its service, on abort, or when its time is up', async () => {
    const e = engine();
    const events = new EngineEventStream(e.docker, 'p');
    const sub = events.subscribe(() => {});
    await sub.ready;
    const t0 = Date.now();
    const woken = events.nap('web', 60_000);
    e.streams[0]!.write(e.line('db', 'start'));
    e.streams[0]!.write(e.line('web', 'health_status: healthy'));
    await woken;
    const controller = new AbortController();
    const aborted = events.nap('web', 60_000, controller.signal);
    controller.abort();
    await aborted;
    await events.nap('web', 5);
    expect(Date.now() - t0).toBeLessThan(30_000);
    sub.dispose();
  });
});
