import { ClickHouseAnalyticsStore } from './src/analytics/clickhouse-store.ts';
import { filterOf } from './src/analytics/report.ts';
const store = new ClickHouseAnalyticsStore({ url: 'http://127.0.0.1:18123', database: process.argv[2]! });
const orig = (store as any).rows.bind(store);
(store as any).rows = async (q: string) => { const t0 = performance.now(); const r = await orig(q); console.log(Math.round(performance.now() - t0), 'ms', q.replace(/\s+/g, ' ').slice(0, 80)); return r; };
const START = Date.UTC(2026, 0, 1);
const DAY = 86_400_000;
const filter = filterOf('66666666-6666-4666-8666-666666666666', { from: new Date(START).toISOString(), to: new Date(START + 31 * DAY).toISOString(), bucket: 'day' });
for (let i = 0; i < 3; i++) {
  const t0 = performance.now();
  const r = await store.report(filter);
  console.log('report', Math.round(performance.now() - t0), r.turns, r.latency.response.p90);
}
await store.close();
