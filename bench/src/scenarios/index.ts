// Every scenario the harness knows, in run order. A new scenario is one file in this directory
// exporting a `Scenario` (see ../scenario.ts), listed here; docs/bench.md describes each.
import type { Scenario } from '../scenario.ts';
import { blockWriteScenario } from './block-write.ts';
import { clusterScenario } from './cluster.ts';
import { compactionScenario } from './compaction.ts';
import { dependenciesScenario } from './dependencies.ts';
import { ingestScenario } from './ingest.ts';
import { ingestToQueryableScenario } from './ingest-to-queryable.ts';
import { metricsScenario } from './metrics.ts';
import { needleScenario } from './needle.ts';
import { queryStormScenario } from './query-storm.ts';
import { samplingScenario } from './sampling.ts';
import { searchScenario } from './search.ts';
import { soakScenario } from './soak.ts';
import { traceByIdScenario } from './trace-by-id.ts';
import { traceqlParseScenario } from './traceql-parse.ts';

/** All scenarios. */
export const SCENARIOS: readonly Scenario[] = [ingestScenario('http'), ingestScenario('grpc'), traceqlParseScenario, blockWriteScenario, traceByIdScenario, searchScenario, metricsScenario, needleScenario, dependenciesScenario, compactionScenario, ingestToQueryableScenario, queryStormScenario, clusterScenario, soakScenario, samplingScenario];
