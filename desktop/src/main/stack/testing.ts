/**
 * Test fixtures for the Stack handlers (integration test, e2e, bench): a stand-in stack of busybox
 * services whose published port follows the settings' `control` port, and a `StackHost` on a private
 * engine with its pushes recorded. Not used by the app.
 */
import { mkdtemp } from 'node:fs/promises';
import type { ResolvedStack } from '@speaknode/appliance';
import { STAND_IN_IMAGE, slowToBecomeHealthy, standIn, standInStack } from '@speaknode/appliance/testing';
import type { StackPush } from '../../shared/stack-ipc.ts';
import type { IpcRegistrar } from '../ipc-handlers.ts';
import { isAppUrl } from '../security.ts';
import { registerStackHandlers, StackPushHub } from './stack-handlers.ts';
import { StackHost } from './stack-host.ts';

export const TEST_PROJECT = 'h17';
export const TEST_IMAGES = [`${STAND_IN_IMAGE.repository}:${STAND_IN_IMAGE.tag}`, 'speaknode-test/busybox:2'];

/** What the next `stack` call resolves to: tests change the api's image to see an upgrade. */
export const standInChoice = { apiTag: '1' };

/** db (healthy after 1 s) ← api (logs a tick every 200 ms) ← web (publishes the settings' control port). */
export function standInServices(controlPort: number): ResolvedStack {
  return standInStack(
    TEST_PROJECT,
    [
      slowToBecomeHealthy('db', 1, { volumes: [{ volume: 'db-data', target: '/data' }] }),
      standIn('api', {
        script: 'echo api up; i=0; while true; do i=$((i+1)); echo "tick $i"; sleep 0.2; done',
        healthcheck: { test: ['CMD', 'true'] },
        dependsOn: { db: 'service_healthy' },
        image: { repository: STAND_IN_IMAGE.repository, tag: standInChoice.apiTag },
      }),
      standIn('web', {
        script: 'mkdir -p /www && echo ok > /www/ok && httpd -f -p 8080 -h /www',
        healthcheck: { test: ['CMD-SHELL', 'wget -q -O- http://127.0.0.1:8080/ok | grep -q ok'] },
        dependsOn: { api: 'service_healthy' },
        ports: [{ host: controlPort, container: 8080, protocol: 'tcp', bind: '127.0.0.1', purpose: 'the console API' }],
      }),
    ],
    ['db-data'],
  );
}

export interface HostFixture {
  host: StackHost;
  hub: StackPushHub;
  pushes: (StackPush & { seenAt: number })[];
  /** Calls a channel as the renderer would (through the registered handler, from the app's frame). */
  invoke: (channel: string, ...args: unknown[]) => Promise<unknown>;
  /** The same from a frame that is not the app. */
  invokeFrom: (url: string, channel: string, ...args: unknown[]) => Promise<unknown>;
  stateDir: string;
}

export async function stackHostFixture(engineAddress: string): Promise<HostFixture> {
  const stateDir = await mkdtemp('/tmp/h17-state-');
  const hub = new StackPushHub();
  const pushes: HostFixture['pushes'] = [];
  hub.subscribe((push) => pushes.push({ ...push, seenAt: Date.now() }));
  const host = new StackHost({
    stateDir,
    engineAddress,
    env: { ...process.env, DBUS_SESSION_BUS_ADDRESS: '' },
    push: hub.push,
    stack: (settings) => standInServices(settings.ports.control),
    healthTimeoutMs: 20_000,
    pollIntervalMs: 100,
  });
  const handlers = new Map<string, Parameters<IpcRegistrar['handle']>[1]>();
  registerStackHandlers({ handle: (channel, listener) => handlers.set(channel, listener) }, host, isAppUrl);
  const invokeFrom = async (url: string, channel: string, ...args: unknown[]) => {
    const listener = handlers.get(channel);
    if (!listener) throw new Error(`no handler for ${channel}`);
    return listener({ senderFrame: { url } } as never, ...args);
  };
  return {
    host,
    hub,
    pushes,
    stateDir,
    invokeFrom,
    invoke: (channel, ...args) => invokeFrom('app://console/index.html', channel, ...args),
  };
}
