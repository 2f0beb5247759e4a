// DuckDB as the peer: an in-memory database in this process, reading the same files Spanbase
// reads, timed the same way. Scenarios compare with one thread (same budget as Spanbase's
// single-threaded query path) and with DuckDB's default threads (what a user would get).
import { DuckDBInstance } from '@duckdb/node-api';
import type { DuckDBConnection } from '@duckdb/node-api';
import { latencyStats } from '../stats.ts';
import type { LatencyStats } from '../stats.ts';

/** Thread setting: a number, or DuckDB's default (one per core). */
export type DuckDbThreads = number | 'default';

/** Options of a timed query. */
export interface TimeQueryOptions {
  /** Untimed runs first (default 1). */
  warmup?: number;
  /** Ends the untimed runs early once they took this long, ms (the first one always runs). */
  warmupMs?: number;
  /** Timed runs (default 5). */
  repeat?: number;
  /** Stop repeating once this much time was spent, ms (default: no limit). */
  budgetMs?: number;
}

/** A timed query's result. */
export interface TimedQuery {
  /** Latency of the timed runs, ms. */
  stats: LatencyStats;
  /** Every timed run, ms. */
  samples: number[];
  /** Rows of the last run (for checking the answer matches Spanbase's). */
  rows: Record<string, unknown>[];
  /** The first (warm-up) run, ms; NaN without one. */
  first: number;
}

/** An in-memory DuckDB. */
export interface DuckDbPeer {
  /** The connection, for anything not covered here. */
  connection: DuckDBConnection;
  /** Sets the worker thread count. */
  setThreads(threads: DuckDbThreads): Promise<void>;
  /** Runs a statement. */
  run(sql: string): Promise<void>;
  /** Runs a query and returns rows as objects. */
  query(sql: string): Promise<Record<string, unknown>[]>;
  /** Runs `sql` repeatedly and returns latency stats. */
  timeQuery(sql: string, opts?: TimeQueryOptions): Promise<TimedQuery>;
  /** The DuckDB version string. */
  version(): Promise<string>;
  /** Closes the connection and the database. */
  close(): void;
}

/** Opens an in-memory DuckDB with the given thread count (default 1). */
export async function openDuckDb(threads: DuckDbThreads = 1): Promise<DuckDbPeer> {
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  const query = async (sql: string): Promise<Record<string, unknown>[]> => (await connection.runAndReadAll(sql)).getRowObjects() as Record<string, unknown>[];
  const peer: DuckDbPeer = {
    connection,
    async setThreads(t) {
      await connection.run(t === 'default' ? 'RESET threads' : `SET threads = ${Math.max(1, Math.floor(t))}`);
    },
    async run(sql) {
      await connection.run(sql);
    },
    query,
    async timeQuery(sql, opts = {}) {
      let first = NaN;
      const w0 = performance.now();
      for (let i = 0; i < (opts.warmup ?? 1); i++) {
        if (i > 0 && performance.now() - w0 >= (opts.warmupMs ?? Infinity)) break;
        const t = performance.now();
        await query(sql);
        if (i === 0) first = performance.now() - t;
      }
      const samples: number[] = [];
      let rows: Record<string, unknown>[] = [];
      const started = performance.now();
      for (let i = 0; i < (opts.repeat ?? 5); i++) {
        const t = performance.now();
        rows = await query(sql);
        samples.push(performance.now() - t);
        if (opts.budgetMs !== undefined && performance.now() - started > opts.budgetMs) break;
      }
      return { stats: latencyStats(samples), samples, rows, first };
    },
    async version() {
      return String((await query('SELECT version() AS v'))[0].v);
    },
    close() {
      connection.closeSync();
      instance.closeSync();
    },
  };
  await peer.setThreads(threads);
  return peer;
}
