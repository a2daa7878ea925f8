/**
 * Widget session creation (`POST /api/v1/public/agents/{publishableKey}/sessions`: origin check,
 * per-IP and per-agent rate-limit counters, agent lookup, call insert, LiveKit token) against a bare
 * Express handler, measured the same way in the same run (both servers in one child process, the
 * load generator in this one). The last line is one JSON object.
 *
 *   npm run bench:widget -w @speaknode/control   (BENCH_SECONDS=10 BENCH_CONNECTIONS=10 by default)
 */
import { fork } from 'node:child_process';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import express from 'express';
import { FakeLivekitServer } from '../src/livekit/testing/fake-livekit-server.ts';
import { agentBody } from '../src/testing/fixtures.ts';
import { startTestControl } from '../src/testing/harness.ts';

const seconds = Number(process.env.BENCH_SECONDS ?? 10);
const connections = Number(process.env.BENCH_CONNECTIONS ?? 10);
const ORIGIN = 'https://shop.example.com';

interface Figures {
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  requests: number;
  non2xx: number;
  errors: number;
}

async function load(url: string, headers: Record<string, string>): Promise<Figures> {
  // A short warm-up so JIT and connection setup are not measured.
  await autocannon({ url, method: 'POST', headers, connections, duration: 1 });
  const result = await autocannon({ url, method: 'POST', headers, connections, duration: seconds });
  return {
    requestsPerSecond: Math.round(result.requests.average),
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    requests: result.requests.total,
    non2xx: result.non2xx,
    errors: result.errors,
  };
}

interface Target {
  sessionsUrl: string;
  bareUrl: string;
  embedded: boolean;
}

/** The servers, in a child process of their own so that the load generator does not share their event loop. */
async function serve() {
  const livekit = await new FakeLivekitServer('APIbench', 'bench-secret-bench-secret-bench-sec').start();
  const control = await startTestControl({
    env: { LIVEKIT_URL: livekit.url, LIVEKIT_API_KEY: livekit.apiKey, LIVEKIT_API_SECRET: livekit.apiSecret },
    // Throughput is what is measured here, not the limiter turning clients away.
    start: {
      settings: { perIp: { limit: 1e9, windowMs: 60_000 }, perAgent: { limit: 1e9, windowMs: 60_000 } },
    },
  });
  const owner = await control.userToken('bench-owner');
  const space = await control.request('POST', '/api/v1/spaces', { token: owner, body: { name: 'Bench' } });
  const credential = await control.request('POST', `/api/v1/spaces/${space.body.id}/credentials`, {
    token: owner,
    body: { name: 'Keys', kind: 'openai', secret: 'sk-bench-1234567890' },
  });
  const agent = await control.request('POST', `/api/v1/spaces/${space.body.id}/agents`, {
    token: owner,
    body: agentBody(credential.body.id, { widget: { allowedOrigins: [ORIGIN] } }),
  });
  const sessionsUrl = `${control.url}/api/v1/public/agents/${agent.body.publishableKey}/sessions`;

  const bare = express();
  bare.post('/sessions', (_req, res) => {
    res.status(201).json({ callId: '00000000-0000-4000-8000-000000000000', serverUrl: 'ws://livekit', token: 'x' });
  });
  const bareServer = bare.listen(0, '127.0.0.1');
  await new Promise((resolve) => bareServer.once('listening', resolve));
  const target: Target = {
    sessionsUrl,
    bareUrl: `http://127.0.0.1:${(bareServer.address() as AddressInfo).port}/sessions`,
    embedded: control.database.embedded,
  };
  process.send?.({ ready: target });
  process.on('message', async (message) => {
    if (message !== 'stop') return;
    const { rows } = await control.database.pool.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM calls WHERE channel = 'widget'",
    );
    bareServer.closeAllConnections();
    await new Promise((resolve) => bareServer.close(resolve));
    await control.close();
    await livekit.stop();
    process.send?.({ callsCreated: rows[0]!.n }, () => process.exit(0));
  });
}

async function main() {
  const child = fork(fileURLToPath(import.meta.url), ['--serve'], {
    // BENCH_CPU_PROF=<dir> writes a CPU profile of the server process there.
    execArgv: [
      '--import',
      'tsx',
      ...(process.env.BENCH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`] : []),
    ],
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  const messages: Record<string, unknown>[] = [];
  const next = () =>
    new Promise<Record<string, unknown>>((resolve, reject) => {
      const waiting = messages.shift();
      if (waiting) return resolve(waiting);
      child.once('message', (m) => resolve(m as Record<string, unknown>));
      child.once('exit', (code) => reject(new Error(`the server process exited (${code})`)));
    });
  const { ready } = (await next()) as { ready: Target };
  try {
    const check = await fetch(ready.sessionsUrl, { method: 'POST', headers: { origin: ORIGIN } });
    if (check.status !== 201)
      throw new Error(`widget session creation answered ${check.status}: ${await check.text()}`);
    console.log(
      `widget sessions: ${connections} connections, ${seconds} s per side, servers in a child process, database ${ready.embedded ? 'embedded PGlite' : 'PostgreSQL server'}`,
    );
    const widget = await load(ready.sessionsUrl, { origin: ORIGIN });
    console.log(
      `  widget session creation: ${widget.requestsPerSecond} req/s, p99 ${widget.p99Ms} ms, non-2xx ${widget.non2xx}`,
    );
    const baseline = await load(ready.bareUrl, { origin: ORIGIN });
    console.log(`  bare Express handler:    ${baseline.requestsPerSecond} req/s, p99 ${baseline.p99Ms} ms`);
    child.send('stop');
    const { callsCreated } = (await next()) as { callsCreated: number };
    const ratio = baseline.requestsPerSecond > 0 ? widget.requestsPerSecond / baseline.requestsPerSecond : 0;
    console.log(
      JSON.stringify({
        benchmark: 'control.widget-session-creation',
        database: ready.embedded ? 'embedded' : 'postgresql',
        keyValueStore: process.env.REDIS_URL ? 'redis' : 'in-process',
        seconds,
        connections,
        widgetSessions: widget,
        bareExpress: baseline,
        callsCreated,
        throughputRatio: Math.round(ratio * 1000) / 1000,
        target: 0.25,
        meetsTarget: ratio >= 0.25 && widget.non2xx === 0 && widget.errors === 0,
      }),
    );
  } catch (error) {
    child.kill();
    throw error;
  }
}

const run = process.argv.includes('--serve') ? serve : main;
run().catch((error) => {
  console.error(error);
  process.exit(1);
});
