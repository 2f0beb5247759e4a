// Every scenario the harness knows, in run order. A new scenario is one file in this directory
// exporting a `Scenario` (see ../scenario.ts), listed here. Planned (issue #8): block write
// (speed and bytes/span beside DuckDB's zstd Parquet export), trace by id (latency and object-store
// requests per lookup), search (four access patterns and `{}` beside DuckDB SQL on the same
// block files), metrics queries beside DuckDB, compaction (throughput, peak RSS), and
// ingest-to-queryable latency. peer/duckdb.ts and workload/generate.ts are there for them.
import type { Scenario } from '../scenario.ts';
import { ingestScenario } from './ingest.ts';
import { traceqlParseScenario } from './traceql-parse.ts';

/** All scenarios. */
export const SCENARIOS: readonly Scenario[] = [ingestScenario('http'), ingestScenario('grpc'), traceqlParseScenario];
