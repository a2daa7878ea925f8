import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { analyticsClickHouseSchema } from '@speaknode/contracts';
import { afterAll, describe, expect, it } from 'vitest';
import { clickhouseSchemaFile, clickhouseSchemaFor } from './clickhouse-schema.ts';

const SERVER = '/usr/sbin/clickhouse-server';

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const { port } = server.address() as { port: number };
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

/** ClickHouse from Debian (18.16) on free loopback ports and a temporary data directory. */
async function startClickHouse(): Promise<{ url: string; child: ChildProcess; dir: string } | { skip: string }> {
  if (!existsSync(SERVER)) return { skip: `${SERVER} is not installed (apt-get install clickhouse-server)` };
  const dir = await mkdtemp('/tmp/sn-clickhouse-');
  await mkdir(join(dir, 'data'));
  await mkdir(join(dir, 'tmp'));
  const [http, tcp] = [await freePort(), await freePort()];
  await writeFile(
    join(dir, 'config.xml'),
    `<?xml version="1.0"?><yandex><logger><level>warning</level><console>1</console></logger>
<http_port>${http}</http_port><tcp_port>${tcp}</tcp_port><listen_host>127.0.0.1</listen_host>
<path>${dir}/data/</path><tmp_path>${dir}/tmp/</tmp_path><users_config>${dir}/users.xml</users_config>
<default_profile>default</default_profile><default_database>default</default_database>
<mark_cache_size>5368709</mark_cache_size></yandex>`,
  );
  await writeFile(
    join(dir, 'users.xml'),
    `<?xml version="1.0"?><yandex><profiles><default></default></profiles><users><default><password></password>
<networks><ip>127.0.0.1</ip></networks><profile>default</profile><quota>default</quota></default></users>
<quotas><default></default></quotas></yandex>`,
  );
  const child = spawn(SERVER, [`--config-file=${join(dir, 'config.xml')}`], { stdio: 'ignore' });
  const url = `http://127.0.0.1:${http}/`;
  for (let i = 0; i < 100 && child.exitCode === null; i++) {
    try {
      if ((await fetch(`${url}ping`)).ok) return { url, child, dir };
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  child.kill('SIGKILL');
  await rm(dir, { recursive: true, force: true });
  return { skip: 'clickhouse-server did not answer within 20 s' };
}

async function query(url: string, sql: string): Promise<{ status: number; text: string }> {
  const res = await fetch(url, { method: 'POST', body: sql });
  return { status: res.status, text: await res.text() };
}

const local = await startClickHouse();
if ('skip' in local) console.info(`ClickHouse 18.16 schema test skipped: ${local.skip}`);
afterAll(async () => {
  if ('child' in local) {
    local.child.kill('SIGTERM');
    await new Promise((r) => local.child.once('exit', r));
    await rm(local.dir, { recursive: true, force: true });
  }
});

describe('ClickHouse schema', () => {
  it("is control's analytics schema, statement for statement (one table set for the stack and control)", () => {
    expect(clickhouseSchemaFor([24, 8])).toEqual(analyticsClickHouseSchema('speaknode'));
    expect(clickhouseSchemaFile()).toContain('CREATE TABLE IF NOT EXISTS speaknode.analytics_turns');
    // No second path into ClickHouse: spans reach it only through control's checks. The only views
    // are the day rollups, and they read control's own raw tables.
    expect(clickhouseSchemaFile()).not.toMatch(/ENGINE = Kafka/);
    const views = analyticsClickHouseSchema('speaknode').filter((sql) => sql.includes('MATERIALIZED VIEW'));
    expect(views).toHaveLength(6);
    for (const view of views) {
      expect(view).toMatch(/ TO speaknode\.analytics_(turn|tool|latency|space_latency)_days AS\n/);
      expect(view).toMatch(/\nFROM speaknode\.analytics_(turns|tool_calls)\n/);
    }
  });

  it('uses nothing ClickHouse 18.16 lacks, so no statement needs a gate', () => {
    expect(clickhouseSchemaFor([18, 16])).toEqual(clickhouseSchemaFor([24, 8]));
    expect(clickhouseSchemaFile()).not.toMatch(/JSONExtract|DateTime64|LowCardinality|Map\(|TTL/);
  });

  ('url' in local ? it : it.skip)(
    'ClickHouse 18.16 accepts the schema (twice) and stores a turn missing most fields',
    async () => {
      const { url } = local as { url: string };
      for (const pass of [1, 2]) {
        for (const sql of clickhouseSchemaFor([18, 16])) {
          const result = await query(url, sql);
          expect(result.status, `pass ${pass}: ${sql}\n${result.text}`).toBe(200);
        }
      }
      const insert = await query(
        url,
        `INSERT INTO speaknode.analytics_turns (space_id, call_id, span_id, start_time, start_ms, llm_ttft_ms, version)
 FORMAT JSONEachRow {"space_id":"s1","call_id":"c1","span_id":"p1","start_time":1795000000,"start_ms":1795000000123,"llm_ttft_ms":412.5,"version":1}`,
      );
      expect(insert.status, insert.text).toBe(200);
      const read = await query(
        url,
        'SELECT span_id, llm_ttft_ms, stt_duration_ms, interrupted, llm_provider FROM speaknode.analytics_turns FORMAT TSV',
      );
      expect(read.text).toBe('p1\t412.5\t\\N\t0\t\n');
      // The rollup views counted it: one turn, its LLM TTFT in the 1 ms histogram (412.5 → 413).
      const rolled = await query(
        url,
        `SELECT (SELECT sum(turns) FROM speaknode.analytics_turn_days),
           (SELECT groupArray((ms, llm_ttft)) FROM speaknode.analytics_latency_days WHERE llm_ttft > 0) FORMAT TSV`,
      );
      expect(rolled.text).toBe('1\t[(413,1)]\n');
    },
  );
});
