/**
 * `npm run bench`: signed Twilio status callbacks accepted per second and their latency, through
 * the receiver with its durable spool (fsync before 2xx), next to a bare Express handler, in one
 * run on this machine; then checks that every acknowledged event reached the bus. Last line: JSON.
 * BENCH_SECONDS (default 6: per side, in two rounds) and BENCH_CONCURRENCY (default 32) tune it;
 * p50/p99 are the worse of each side's rounds.
 */
import { type ChildProcess, fork } from 'node:child_process';
import http from 'node:http';
import { fileURLToPath } from 'node:url';
import { twilioSignature } from '../twilio/twilio-signature.ts';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 6);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 32);
const PUBLIC = 'https://hooks.example.com';
const TOKEN = 'bench-auth-token-0123456789abcdef';
const SERVER = fileURLToPath(new URL('./bench-server.ts', import.meta.url));

interface Result {
  rps: number;
  p50Ms: number;
  p99Ms: number;
  requests: number;
  errors: number;
  acknowledged: string[];
}

function startServer(mode: 'bare' | 'spool'): Promise<{ child: ChildProcess; url: string }> {
  const child = fork(SERVER, [mode], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  return new Promise((resolve, reject) => {
    child.once('message', (message: { url: string }) => resolve({ child, url: message.url }));
    child.once('exit', (code) => reject(new Error(`bench server (${mode}) exited with ${code}`)));
  });
}

/** A status callback signed the way Twilio signs it; every call its own CallSid so none is a duplicate. */
function statusCallback(run: string, n: number) {
  const params = {
    AccountSid: 'ACbench0000000000000000000000000',
    ApiVersion: '2010-04-01',
    CallDuration: String(n % 600),
    CallSid: `CA${run}${n.toString().padStart(8, '0')}`,
    CallStatus: 'completed',
    Direction: 'inbound',
    From: '+14155559999',
    SequenceNumber: '3',
    Timestamp: new Date().toUTCString(),
    To: '+14155550100',
  };
  return {
    id: `twilio:${params.CallSid}:status:completed`,
    body: new URLSearchParams(params).toString(),
    signature: twilioSignature(TOKEN, `${PUBLIC}/twilio/status`, params),
  };
}

async function load(url: string, run: string, seconds: number): Promise<Result> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  const latencies: number[] = [];
  const acknowledged: string[] = [];
  let errors = 0;
  let n = 0;
  const started = performance.now();
  const stopAt = started + seconds * 1000;
  const worker = async () => {
    while (performance.now() < stopAt) {
      const callback = statusCallback(run, n++);
      const t0 = performance.now();
      const status = await new Promise<number>((resolve) => {
        const req = http.request(
          `${url}/twilio/status`,
          {
            method: 'POST',
            agent,
            headers: {
              'content-type': 'application/x-www-form-urlencoded',
              'content-length': Buffer.byteLength(callback.body),
              'x-twilio-signature': callback.signature,
            },
          },
          (res) => {
            res.resume();
            res.on('end', () => resolve(res.statusCode ?? 0));
          },
        );
        req.on('error', () => resolve(0));
        req.end(callback.body);
      });
      latencies.push(performance.now() - t0);
      if (status === 200) acknowledged.push(callback.id);
      else errors++;
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  const elapsed = (performance.now() - started) / 1000;
  agent.destroy();
  latencies.sort((a, b) => a - b);
  const at = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? 0;
  return {
    rps: Math.round(acknowledged.length / elapsed),
    p50Ms: Number(at(0.5).toFixed(2)),
    p99Ms: Number(at(0.99).toFixed(2)),
    requests: latencies.length,
    errors,
    acknowledged,
  };
}

// Both sides up at once, measured in alternating rounds (ABBA), so a noisy neighbour hits both alike.
const bare = await startServer('bare');
const spooled = await startServer('spool');
await load(bare.url, 'warmbare', 1);
await load(spooled.url, 'warmspool', 1);
const rounds: Array<['bare' | 'spool', Result]> = [];
for (const [i, side] of (['bare', 'spool', 'spool', 'bare'] as const).entries()) {
  rounds.push([side, await load(side === 'bare' ? bare.url : spooled.url, `${side}${i}`, SECONDS / 2)]);
}
const combine = (side: 'bare' | 'spool'): Result => {
  const parts = rounds.filter(([s]) => s === side).map(([, r]) => r);
  return {
    rps: Math.round(parts.reduce((sum, r) => sum + r.rps, 0) / parts.length),
    p50Ms: Math.max(...parts.map((r) => r.p50Ms)),
    p99Ms: Math.max(...parts.map((r) => r.p99Ms)),
    requests: parts.reduce((sum, r) => sum + r.requests, 0),
    errors: parts.reduce((sum, r) => sum + r.errors, 0),
    acknowledged: parts.flatMap((r) => r.acknowledged),
  };
};
const bareResult = combine('bare');
const spoolResult = combine('spool');
bare.child.send('stop');
const drained = await new Promise<{ ids: string[]; depth: number; committed: number; fsyncs: number }>((resolve) => {
  spooled.child.on('message', (message: { type?: string }) => {
    if (message.type === 'drained') resolve(message as never);
  });
  spooled.child.send({ type: 'drain' });
});
const onBus = new Set(drained.ids);
const lost = spoolResult.acknowledged.filter((id) => !onBus.has(id)).length;

const ratio = Number((spoolResult.rps / Math.max(1, bareResult.rps)).toFixed(3));
console.log(
  `bare express handler: ${bareResult.rps} req/s, p50 ${bareResult.p50Ms} ms, p99 ${bareResult.p99Ms} ms (${bareResult.requests} requests, ${bareResult.errors} errors)`,
);
console.log(
  `receiver + durable spool: ${spoolResult.rps} req/s, p50 ${spoolResult.p50Ms} ms, p99 ${spoolResult.p99Ms} ms (${spoolResult.requests} requests, ${spoolResult.errors} errors); ${drained.committed} events in ${drained.fsyncs} fsyncs`,
);
console.log(
  `acknowledged ${spoolResult.acknowledged.length}, on the bus ${onBus.size}, lost ${lost}; ratio ${ratio} (target ≥ 0.5)`,
);
console.log(
  JSON.stringify({
    bench: 'webhooks.twilio_status_callbacks',
    seconds: SECONDS,
    concurrency: CONCURRENCY,
    bare: { rps: bareResult.rps, p50Ms: bareResult.p50Ms, p99Ms: bareResult.p99Ms },
    spool: {
      rps: spoolResult.rps,
      p50Ms: spoolResult.p50Ms,
      p99Ms: spoolResult.p99Ms,
      acknowledged: spoolResult.acknowledged.length,
      lost,
      eventsPerFsync: Number((drained.committed / Math.max(1, drained.fsyncs)).toFixed(1)),
    },
    ratio,
    target: 0.5,
    pass: ratio >= 0.5 && lost === 0,
  }),
);
