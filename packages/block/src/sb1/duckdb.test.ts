// DuckDB reads a block's data.parquet as plain Parquet: row count, lookups by trace id, statistics
// that agree with ours (a range filter per row group must return exactly that group's rows), and
// attribute columns usable in SQL.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import { DuckDBInstance } from '@duckdb/node-api';
import { LocalStore } from '@spanbase/backend';
import { bytesToHex } from '@spanbase/model';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BlockMeta } from '../meta.ts';
import { openBlock } from '../registry.ts';
import { writeTestBlock } from '../testing/block-suite.ts';
import { generateRealisticTraces } from '../testing/realistic-traces.ts';
import type { Sb1Reader } from './reader.ts';

describe('DuckDB reads sb1 blocks', () => {
  const traces = generateRealisticTraces({ traces: 1500, seed: 21 });
  let dir: string;
  let file: string;
  let meta: BlockMeta;
  let reader: Sb1Reader;
  let db: DuckDBInstance;
  let c: DuckDBConnection;
  const one = async (sql: string) => (await c.runAndReadAll(sql)).getRows();

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sb1-duckdb-'));
    const store = new LocalStore({ path: dir });
    ({ meta } = await writeTestBlock('sb1', traces, { rowGroupSpans: 2000 }, store));
    reader = openBlock(store, meta) as Sb1Reader;
    file = join(dir, 'conformance', meta.blockID, 'data.parquet').replaceAll("'", "''");
    db = await DuckDBInstance.create(':memory:');
    c = await db.connect();
  });

  afterAll(async () => {
    c?.closeSync();
    db?.closeSync();
    await rm(dir, { recursive: true, force: true });
  });

  it('counts every span and finds traces by id', async () => {
    expect(Number((await one(`SELECT count(*) FROM read_parquet('${file}')`))[0][0])).toBe(meta.spanCount);
    for (const t of traces.filter((_, i) => i % 97 === 0)) {
      const hex = bytesToHex(t[0].span.traceId);
      const rows = await one(`SELECT count(*), min(name), min(start_unix_nano) FROM read_parquet('${file}') WHERE trace_id = unhex('${hex}')`);
      expect(Number(rows[0][0])).toBe(t.length);
      const minStart = t.map((r) => r.span.startTimeUnixNano).reduce((a, b) => (b < a ? b : a));
      expect(BigInt(rows[0][2] as bigint)).toBe(minStart);
    }
  });

  it('agrees with the index on every row group trace-id range', async () => {
    const groups = await reader.rowGroups();
    expect(groups.length).toBeGreaterThan(3);
    const md = await one(`SELECT row_group_id, row_group_num_rows FROM parquet_metadata('${file}') WHERE path_in_schema = 'trace_id' ORDER BY row_group_id`);
    expect(md.map((r) => Number(r[1]))).toEqual(groups.map((g) => g.rows));
    for (const g of groups) {
      const rows = await one(`SELECT count(*) FROM read_parquet('${file}') WHERE trace_id BETWEEN unhex('${bytesToHex(g.minTraceId)}') AND unhex('${bytesToHex(g.maxTraceId)}')`);
      expect(Number(rows[0][0])).toBe(g.rows);
    }
    const stats = await one(`SELECT hex(stats_min_value::BLOB), hex(stats_max_value::BLOB) FROM parquet_metadata('${file}') WHERE path_in_schema = 'trace_id' ORDER BY row_group_id`);
    expect(stats.map((r) => [String(r[0]).toLowerCase(), String(r[1]).toLowerCase()])).toEqual(groups.map((g) => [bytesToHex(g.minTraceId), bytesToHex(g.maxTraceId)]));
  });

  it('agrees with us on string statistics (bounds hold, truncated or not)', async () => {
    const groups = await reader.rowGroups();
    for (const column of ['name', 'service_name', 'span_http_url']) {
      const stats = await one(`SELECT stats_min_value, stats_max_value FROM parquet_metadata('${file}') WHERE path_in_schema = '${column}' ORDER BY row_group_id`);
      for (let g = 0; g < groups.length; g++) {
        const values = ((await reader.readColumns(g, [column]))[column] as (string | null)[]).filter((v): v is string => v !== null).sort();
        const [min, max] = stats[g].map(String);
        expect(min <= values[0] && values[0].startsWith(min.slice(0, 16)), `${column} min ${min} vs ${values[0]}`).toBe(true);
        expect(max >= values[values.length - 1], `${column} max ${max} vs ${values[values.length - 1]}`).toBe(true);
      }
      // A filter DuckDB may answer by skipping row groups on these statistics counts what we count.
      const all: (string | null)[] = [];
      for (let g = 0; g < groups.length; g++) all.push(...((await reader.readColumns(g, [column]))[column] as (string | null)[]));
      const sample = all.find((v) => v !== null)!;
      const rows = Number((await one(`SELECT count(*) FROM read_parquet('${file}') WHERE ${column} = '${sample.replaceAll("'", "''")}'`))[0][0]);
      expect(rows).toBe(all.filter((v) => v === sample).length);
    }
  });

  it('exposes attributes, resources and events to SQL', async () => {
    const spans = traces.flat();
    const users = spans.filter((r) => r.span.attributes.some((a) => a.key === 'app.user.id' && a.value.type === 'string' && (a.value as { value: string }).value === 'u-100')).length;
    const q = `SELECT count(*) FROM read_parquet('${file}') WHERE span_str_values[list_position(span_str_keys, 'app.user.id')] = 'u-100'`;
    expect(Number((await one(q))[0][0])).toBe(users);
    const errors = spans.filter((r) => r.span.status.code === 2).length;
    expect(Number((await one(`SELECT count(*) FROM read_parquet('${file}') WHERE status_code = 2 AND list_contains(event_names, 'exception')`))[0][0])).toBe(errors);
    const byService = await one(`SELECT service_name, count(*) FROM read_parquet('${file}') GROUP BY 1 ORDER BY 1`);
    const expected = new Map<string, number>();
    for (const r of spans) {
      const s = (r.resource.attributes.find((a) => a.key === 'service.name')!.value as { value: string }).value;
      expected.set(s, (expected.get(s) ?? 0) + 1);
    }
    expect(byService.map((r) => [r[0], Number(r[1])])).toEqual([...expected].sort((a, b) => (a[0] < b[0] ? -1 : 1)));
    const pids = await one(`SELECT DISTINCT a->>'$.value.intValue' FROM (SELECT unnest(json_extract(resource_attrs, '$[*]')) a FROM read_parquet('${file}') WHERE service_name = 'frontend') WHERE a->>'$.key' = 'process.pid' ORDER BY 1`);
    const want = new Set(spans.filter((r) => (r.resource.attributes[0].value as { value: string }).value === 'frontend').map((r) => String((r.resource.attributes.find((a) => a.key === 'process.pid')!.value as { value: bigint }).value)));
    expect(pids.map((r) => r[0])).toEqual([...want].sort());
  });

  it('reads our Parquet bloom filters: every value of a row group is in its filter, a value of none is in few', async () => {
    const groups = await reader.rowGroups();
    for (const column of ['name', 'service_name', 'span_http_url']) {
      const present = new Map<string, Set<number>>();
      for (let g = 0; g < groups.length; g++) {
        for (const v of (await reader.readColumns(g, [column]))[column] as (string | null)[]) if (v !== null) (present.get(v) ?? present.set(v, new Set()).get(v)!).add(g);
      }
      for (const [value, inGroups] of [...present].slice(0, 40)) {
        const probe = await one(`SELECT row_group_id, bloom_filter_excludes FROM parquet_bloom_probe('${file}', '${column}', '${value.replaceAll("'", "''")}') ORDER BY 1`);
        expect(probe.length, column).toBe(groups.length);
        for (const [g, excludes] of probe) if (inGroups.has(Number(g))) expect(excludes, `${column} = ${value} in row group ${g}`).toBe(false);
      }
      const absent = await one(`SELECT count(*) FILTER (WHERE bloom_filter_excludes) FROM parquet_bloom_probe('${file}', '${column}', 'no such value 7f3a')`);
      expect(Number(absent[0][0]), column).toBeGreaterThanOrEqual(groups.length - 1);
    }
  });
});
