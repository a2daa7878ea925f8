/**
 * `up` of an 8-service stand-in stack in 3 dependency levels whose healthchecks each take about 2 s
 * (the check is `sleep 2`, probed every 0.1 s), against a private dockerd. Baseline: the critical path's health waits (3 levels × 2 s),
 * nominal and as measured in the same run. Target: `up` within the critical path + 3 s.
 * Last line: one JSON object.
 */

import { StackSupervisor } from '../supervisor/supervisor.ts';
import { importBusyboxImage, startPrivateEngine } from '../testing/private-engine.ts';
import { STAND_IN_IMAGE, slowHealthcheck, standInStack } from '../testing/stand-in-stack.ts';

const HEALTH_S = 2;
const RUNS = Number(process.env.BENCH_RUNS ?? 3);

const started = await startPrivateEngine();
if (!('engine' in started)) {
  console.log(`bench skipped: ${started.skip}`);
  console.log(JSON.stringify({ bench: 'appliance-up', skipped: started.skip }));
  process.exit(0);
}
const { engine } = started;
try {
  await importBusyboxImage(engine.docker, [`${STAND_IN_IMAGE.repository}:${STAND_IN_IMAGE.tag}`]);
  const h = (name: string, deps: string[] = []) =>
    slowHealthcheck(name, HEALTH_S, {
      dependsOn: Object.fromEntries(deps.map((d) => [d, 'service_healthy' as const])),
    });
  const stack = standInStack('snbench', [
    h('a1'),
    h('a2'),
    h('a3'),
    h('b1', ['a1', 'a2']),
    h('b2', ['a2', 'a3']),
    h('b3', ['a1']),
    h('c1', ['b1', 'b2']),
    h('c2', ['b3']),
  ]);
  const t0 = { at: Date.now() };
  const supervisor = new StackSupervisor({
    docker: engine.docker,
    stack,
    healthTimeoutMs: 60_000,
    // BENCH_TRACE=1 prints each service milestone with its time since the start of the run.
    onEvent: (e) => {
      if (process.env.BENCH_TRACE && e.type === 'service')
        console.log(`  +${Date.now() - t0.at} ms ${e.service} ${e.phase}`);
    },
  });
  const nominalMs = 3 * HEALTH_S * 1000;
  const runs: { upMs: number; measuredCriticalMs: number; secondUpMs: number }[] = [];
  for (let i = 0; i < RUNS; i++) {
    t0.at = Date.now();
    const report = await supervisor.up();
    if (!report.ok) throw new Error(`up failed: ${JSON.stringify(report.services.filter((s) => s.error))}`);
    const wait = Object.fromEntries(report.services.map((s) => [s.service, s.healthWaitMs ?? s.elapsedMs]));
    // The longest chain of health waits through the dependency graph.
    const path = (name: string): number => {
      const deps = Object.keys(stack.services.find((s) => s.name === name)!.dependsOn);
      return wait[name]! + Math.max(0, ...deps.map(path));
    };
    const measuredCriticalMs = Math.max(...stack.services.map((s) => path(s.name)));
    const t = Date.now();
    const again = await supervisor.up();
    const secondUpMs = Date.now() - t;
    if (!again.services.every((s) => s.action === 'unchanged')) throw new Error('second up changed something');
    runs.push({ upMs: report.durationMs, measuredCriticalMs, secondUpMs });
    console.log(
      `run ${i + 1}: up ${report.durationMs} ms, critical path health waits ${measuredCriticalMs} ms (nominal ${nominalMs} ms), second up ${secondUpMs} ms`,
    );
    await supervisor.down({ timeoutS: 1 });
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const upMs = median(runs.map((r) => r.upMs));
  const result = {
    bench: 'appliance-up',
    services: 8,
    levels: 3,
    healthS: HEALTH_S,
    runs: RUNS,
    upMsMedian: upMs,
    criticalPathNominalMs: nominalMs,
    criticalPathMeasuredMsMedian: median(runs.map((r) => r.measuredCriticalMs)),
    overheadOverMeasuredMs: upMs - median(runs.map((r) => r.measuredCriticalMs)),
    overheadOverNominalMs: upMs - nominalMs,
    secondUpMsMedian: median(runs.map((r) => r.secondUpMs)),
    // The target: up within the critical path's health waits (as measured) + 3 s.
    targetMs: median(runs.map((r) => r.measuredCriticalMs)) + 3000,
    withinTarget: upMs <= median(runs.map((r) => r.measuredCriticalMs)) + 3000,
    withinNominalPlus3s: upMs <= nominalMs + 3000,
    loadAverage1m: (await import('node:os')).loadavg()[0],
  };
  console.log(JSON.stringify(result));
} finally {
  await engine.stop();
}
