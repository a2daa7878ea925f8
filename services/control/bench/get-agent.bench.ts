/**
 * `npm run bench`: authenticated GET /api/v1/spaces/{spaceId}/agents/{agentId} on control (real
 * token verification, membership check and database read) next to a bare Express handler that
 * returns the same JSON, measured in the same run with autocannon. The servers run in a child
 * process so the load generator does not share their event loop. Uses the PostgreSQL server in
 * DATABASE_URL when set, otherwise embedded PGlite. The last line is one JSON object.
 */
import { fork } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import autocannon from 'autocannon';
import express from 'express';

const DURATION_S = Number(process.env.BENCH_DURATION_S ?? 10);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 10);

interface Target {
  controlUrl: string;
  bareUrl: string;
  token: string;
  database: 'postgresql' | 'embedded';
}

async function serve(): Promise<void> {
  const { startTestControl } = await import('../src/testing/harness.ts');
  const { agentBody } = await import('../src/testing/fixtures.ts');
  const control = await startTestControl();
  const token = await control.userToken('bench-user');
  const space = await control.request('POST', '/api/v1/spaces', { token, body: { name: 'Bench' } });
  const base = `/api/v1/spaces/${space.body.id}`;
  const credential = await control.request('POST', `${base}/credentials`, {
    token,
    body: { name: 'k', kind: 'openai', secret: 'bench-secret-0000000' },
  });
  const agent = await control.request('POST', `${base}/agents`, { token, body: agentBody(credential.body.id) });
  if (agent.status !== 201) throw new Error(`could not create the agent: ${JSON.stringify(agent.body)}`);

  const bare = express();
  bare.get('/api/v1/spaces/:spaceId/agents/:agentId', (_req, res) => {
    res.json(agent.body);
  });
  const bareServer = createServer(bare);
  await new Promise<void>((resolve) => bareServer.listen(0, '127.0.0.1', resolve));
  const path = `${base}/agents/${agent.body.id}`;
  const target: Target = {
    controlUrl: `${control.url}${path}`,
    bareUrl: `http://127.0.0.1:${(bareServer.address() as AddressInfo).port}${path}`,
    token,
    database: control.database.embedded ? 'embedded' : 'postgresql',
  };
  process.send?.(target);
  process.on('message', async (message) => {
    if (message === 'stop') {
      bareServer.close();
      await control.close();
      process.exit(0);
    }
  });
}

async function load(url: string, token?: string) {
  const result = await autocannon({
    url,
    connections: CONNECTIONS,
    duration: DURATION_S,
    headers: token ? { authorization: `Bearer ${token}` } : {},
  });
  if (result.non2xx > 0 || result.errors > 0) {
    throw new Error(`${url}: ${result.non2xx} non-2xx answers and ${result.errors} errors`);
  }
  return {
    requestsPerSecond: Math.round(result.requests.average),
    p99LatencyMs: result.latency.p99,
    p50LatencyMs: result.latency.p50,
    requests: result.requests.total,
  };
}

async function main(): Promise<void> {
  const child = fork(new URL(import.meta.url).pathname, ['--serve'], {
    execArgv: [
      '--import',
      'tsx',
      ...(process.env.BENCH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`] : []),
    ],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  try {
    const target = await new Promise<Target>((resolve, reject) => {
      child.once('message', (m) => resolve(m as Target));
      child.once('exit', (code) => reject(new Error(`the server process exited (${code})`)));
    });
    const check = await fetch(target.controlUrl, { headers: { authorization: `Bearer ${target.token}` } });
    if (check.status !== 200) throw new Error(`control answered ${check.status} before the run`);
    console.info(`bench: ${DURATION_S} s per side, ${CONNECTIONS} connections, database ${target.database}`);
    // Warm both up (JIT, caches, pool) before measuring.
    await autocannon({ url: target.bareUrl, connections: CONNECTIONS, duration: 1 });
    await autocannon({
      url: target.controlUrl,
      connections: CONNECTIONS,
      duration: 1,
      headers: { authorization: `Bearer ${target.token}` },
    });
    const bare = await load(target.bareUrl);
    console.info(`bare express: ${bare.requestsPerSecond} req/s, p99 ${bare.p99LatencyMs} ms`);
    const control = await load(target.controlUrl, target.token);
    console.info(
      `control GET agent (authenticated): ${control.requestsPerSecond} req/s, p99 ${control.p99LatencyMs} ms`,
    );
    const ratio = Math.round((control.requestsPerSecond / bare.requestsPerSecond) * 1000) / 1000;
    console.log(
      JSON.stringify({
        bench: 'control.get-agent',
        database: target.database,
        durationSeconds: DURATION_S,
        connections: CONNECTIONS,
        control,
        bareExpress: bare,
        throughputRatio: ratio,
        target: 0.4,
        meetsTarget: ratio >= 0.4,
      }),
    );
  } finally {
    child.send('stop');
  }
}

if (process.argv.includes('--serve')) await serve();
else await main();
