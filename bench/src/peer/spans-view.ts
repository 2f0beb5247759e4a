// DuckDB over the same block files Spanbase reads: a `spans` view over every data.parquet, so
// the peer's SQL reads exactly the bytes the server reads. DuckDB's Parquet metadata cache is on,
// as Spanbase keeps each block's index and footer once read: both sides are measured warm.
import type { DuckDbPeer } from './duckdb.ts';

/** A SQL string literal. */
export function sqlString(s: string): string {
  return `'${s.replaceAll("'", "''")}'`;
}

/** Creates (or replaces) the view `spans` over `files`. */
export async function createSpansView(peer: DuckDbPeer, files: readonly string[]): Promise<void> {
  if (files.length === 0) throw new Error('no block files for DuckDB to read');
  await peer.run('SET parquet_metadata_cache = true');
  await peer.run(`CREATE OR REPLACE VIEW spans AS SELECT * FROM read_parquet([${files.map(sqlString).join(', ')}])`);
}
