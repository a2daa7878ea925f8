import pg from 'pg';
import { PostgresAnalyticsStore } from './src/analytics/postgres-store.ts';
import { filterOf } from './src/analytics/report.ts';
const pool = new pg.Pool({ connectionString: `postgres://postgres@127.0.0.1:5432/${process.argv[2]}`, max: 8 });
const explain = process.argv[3] === 'explain';
const wrap = (target: any) => async (sql: string, params?: unknown[]) => {
  const t0 = performance.now();
  if (explain && /^\s*(SELECT|WITH)/.test(sql)) {
    const plan = await target.query(`EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) ${sql}`, params);
    console.log(plan.rows.map((r: any) => r['QUERY PLAN']).join('\n'));
  }
  const r = await target.query(sql, params);
  if (/^\s*(SELECT|WITH)/.test(sql)) console.log(Math.round(performance.now() - t0), 'ms', sql.replace(/\s+/g, ' ').slice(0, 90));
  return r;
};
const fake = { query: wrap(pool), connect: async () => { const c = await pool.connect(); return { query: wrap(c), release: () => c.release() }; } };
const store = new PostgresAnalyticsStore(fake as never);
const START = Date.UTC(2026, 0, 1);
const DAY = 86_400_000;
const filter = filterOf('66666666-6666-4666-8666-666666666666', { from: new Date(START).toISOString(), to: new Date(START + 31 * DAY).toISOString(), bucket: 'day' });
for (let i = 0; i < (explain ? 1 : 3); i++) {
  const t0 = performance.now();
  const r = await store.report(filter);
  console.log('report', Math.round(performance.now() - t0), r.turns, r.latency.response.p90);
}
await pool.end();
