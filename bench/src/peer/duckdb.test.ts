import { afterAll, describe, expect, it } from 'vitest';
import { openDuckDb } from './duckdb.ts';
import type { DuckDbPeer } from './duckdb.ts';

describe('DuckDB peer', () => {
  let db: DuckDbPeer | undefined;
  afterAll(() => db?.close());

  it('sets threads and times a query', async () => {
    db = await openDuckDb(1);
    expect(Number((await db.query("SELECT current_setting('threads') AS t"))[0].t)).toBe(1);
    await db.setThreads(2);
    expect(Number((await db.query("SELECT current_setting('threads') AS t"))[0].t)).toBe(2);
    await db.run('CREATE TABLE t AS SELECT range AS x FROM range(10000)');
    const r = await db.timeQuery('SELECT sum(x) AS s FROM t', { repeat: 4 });
    expect(r.samples).toHaveLength(4);
    expect(r.stats.count).toBe(4);
    expect(r.stats.p50).toBeGreaterThan(0);
    expect(Number(r.rows[0].s)).toBe(49_995_000);
    expect(await db.version()).toMatch(/^v\d/);
  });
});
