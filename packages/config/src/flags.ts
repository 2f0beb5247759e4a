// Every flag Spanbase knows, with its default. `--help` prints this table; the YAML config file
// uses the same names, nested at the dots (`server: { http-listen-port: 3200 }`).
import { flag } from './flag.ts';

/** The roles the binary can run; `all` runs every role in one process. */
export const TARGETS = ['all', 'distributor', 'ingester', 'query-frontend', 'querier', 'compactor'] as const;
export type Target = (typeof TARGETS)[number];

export const FLAGS = {
  // Process
  target: flag.enum(TARGETS, 'all', 'Which role to run: all runs every role in one process.'),
  'data-dir': flag.string('./data', 'Directory of the local data: the WAL goes to DIR/wal and local blocks to DIR/blocks, unless --wal.path or --storage.local.path say otherwise.'),
  'memory.budget': flag.bytes('0', 'Memory this process may use, all told; 0 means no budget. It sizes every memory setting not given on its own (30% unflushed data, 25% query workers, 10% chunk cache, 10% compaction jobs (split between --compaction.concurrency), 5% each metadata and object cache), and past it ingest answers 429 (gRPC RESOURCE_EXHAUSTED) with a retry hint and the ingester writes its blocks early, until the process is back under it. At least 512MiB.'),
  'log.level': flag.enum(['debug', 'info', 'warn', 'error'], 'info', 'Minimum level of the JSON logs written to stdout.'),

  // Listeners. Loopback by default: a fresh install is not reachable from other machines until
  // an operator chooses to expose it (0.0.0.0 in containers).
  'server.http-listen-address': flag.string('127.0.0.1', 'Address of the HTTP API (Tempo-compatible, Grafana talks to it). Default: loopback only.'),
  'server.http-listen-port': flag.int(3200, 'Port of the HTTP API; 0 picks a free port.'),
  'otlp.http-listen-address': flag.string('', 'Address of the OTLP/HTTP receiver; empty means the same as --server.http-listen-address.'),
  'otlp.http-listen-port': flag.int(4318, 'Port of the OTLP/HTTP receiver (POST /v1/traces); 0 picks a free port.'),
  'otlp.grpc-listen-address': flag.string('', 'Address of the OTLP/gRPC receiver; empty means the same as --server.http-listen-address.'),
  'otlp.grpc-listen-port': flag.int(4317, 'Port of the OTLP/gRPC receiver; 0 picks a free port.'),
  'zipkin.listen-address': flag.string('', 'Address of the Zipkin port (the receiver, POST /api/v2/spans, and Zipkin\'s query API); empty means the same as --server.http-listen-address.'),
  'zipkin.listen-port': flag.int(9411, 'Port of the Zipkin receiver and query API (Zipkin\'s own port); 0 picks a free port.'),
  'zipkin.parse-string-tags': flag.bool(false, 'Zipkin tags that look like integers, floats or booleans are stored as typed attributes (the OpenTelemetry Collector\'s parse_string_tags); off keeps every tag a string.'),
  'jaeger.listen-address': flag.string('', 'Address of the Jaeger query API (what the Jaeger UI and Grafana\'s Jaeger datasource call); empty means the same as --server.http-listen-address.'),
  'jaeger.listen-port': flag.int(16686, 'Port of the Jaeger query API (Jaeger query\'s own port; Tempo\'s API keeps /api/traces/{id} on the HTTP API port); 0 picks a free port.'),
  'internal.listen-address': flag.string('', 'Address of the internal API other roles call (gRPC; never the public port); empty means the same as --server.http-listen-address. Not opened with --target=all.'),
  'internal.listen-port': flag.int(9095, 'Port of the internal API; 0 picks a free port.'),
  'internal.call-timeout': flag.duration('30s', 'Deadline of an internal call that is not part of a query (a distributor\'s push); queries use --query.timeout.'),
  'internal.max-message-bytes': flag.bytes('256MiB', 'Largest message the internal API sends or receives (a job\'s answer, a push).'),
  'internal.dns-refresh-period': flag.duration('15s', 'How often dns+name:port entries of the address lists are resolved again (members that joined or left are then used or dropped).'),

  // Ingest: validation and limits
  'distributor.max-recv-msg-size': flag.bytes('20MiB', 'Largest OTLP request body accepted (after decompression); larger ones get 413.'),
  'distributor.max-attribute-bytes': flag.int(2048, 'Attribute keys and string values longer than this are truncated (and counted), not rejected; 0 disables.'),
  'distributor.ingester-addresses': flag.list('With --target=distributor: the ingesters\' internal API, as host:port entries or dns+name:port (every address the name resolves to, re-resolved); each trace goes to one of them, chosen by its trace id.'),
  'ingestion.rate-limit-bytes': flag.bytes('100MB', 'Per-tenant sustained ingest rate in bytes per second (token bucket); over it clients get 429.'),
  'ingestion.burst-size-bytes': flag.bytes('150MB', 'Per-tenant burst allowance in bytes (token bucket size).'),
  'ingestion.time-range-slack': flag.duration('2m', 'How far span times are trusted from when they arrive: a block\'s recorded time range (which picks blocks for a query window, compaction windows and retention) never reaches past its last receive time plus this, and never ends before its first receive time minus this; a search without start/end ends at now plus this. Spans keep their times as sent.'),
  'multitenancy.enabled': flag.bool(false, 'Require the X-Scope-OrgID header (or gRPC metadata) and keep tenants apart; when off every span belongs to "single-tenant".'),

  // Ingester
  'ingester.max-live-bytes': flag.bytes('1GiB', 'Memory for traces not yet in durable blocks; past it ingest answers 429 instead of growing.'),
  'ingester.trace-idle-period': flag.duration('5s', 'A trace with no new spans for this long moves from the live set into the head block.'),
  'ingester.max-block-duration': flag.duration('1m', 'The head block is cut into a complete block after this long.'),
  'ingester.max-block-bytes': flag.bytes('64MiB', 'The head block is cut into a complete block when its spans reach this many bytes; a head that grew larger while an earlier block was written (after a burst) is written as several blocks of about this size.'),
  'ingester.flush-check-period': flag.duration('1s', 'How often idle traces and head blocks are checked.'),

  // WAL
  'wal.path': flag.string('./data/wal', 'Directory of the write-ahead log.'),
  'wal.fsync': flag.enum(['always', 'interval', 'never'], 'interval', 'When the WAL is fsynced: before every acknowledgement, every --wal.fsync-interval, or never (the OS decides).'),
  'wal.fsync-interval': flag.duration('100ms', 'With --wal.fsync=interval: how often the WAL is fsynced.'),
  'wal.segment-bytes': flag.bytes('64MiB', 'A WAL segment file is closed and a new one started past this size.'),

  // Storage
  'storage.backend': flag.enum(['local', 's3'], 'local', 'Where blocks are kept: the local filesystem or any S3-compatible object store.'),
  'storage.local.path': flag.string('./data/blocks', 'With --storage.backend=local: directory of the blocks.'),
  'storage.s3.bucket': flag.string('', 'With --storage.backend=s3: bucket name.'),
  'storage.s3.endpoint': flag.string('', 'S3 endpoint URL (MinIO, Ceph, R2, ...); empty means AWS.'),
  'storage.s3.region': flag.string('us-east-1', 'S3 region.'),
  'storage.s3.prefix': flag.string('', 'Key prefix inside the bucket, so several installations can share one.'),
  'storage.s3.force-path-style': flag.bool(false, 'Use path-style URLs (bucket in the path), as MinIO and Ceph usually need.'),
  'storage.s3.access-key-id': flag.string('', 'S3 access key; empty means the standard AWS credential chain (environment, config files, instance roles).'),
  'storage.s3.secret-access-key': flag.string('', 'S3 secret key; empty means the standard AWS credential chain.'),
  'storage.blocklist-poll': flag.duration('30s', 'How often the list of blocks is refreshed from the object store (blocks written by other processes).'),
  'storage.cache-bytes': flag.bytes('256MiB', 'Memory for caching small immutable objects (block metas, bloom shards, indexes, Parquet footers).'),
  'block.bloom-filter-false-positive': flag.float(0.01, 'Target false-positive rate of the trace-id bloom filter of each block.', 0),

  // Query
  'query.timeout': flag.duration('30s', 'A query running longer than this is cancelled.'),
  'query.default-lookback': flag.duration('1h', 'Time range of a search that gives no start and end.'),
  'query.max-bytes-per-trace': flag.bytes('50MB', 'Trace-by-id returns at most this many bytes of a trace (partial on v2, 422 on v1).'),
  'query.max-concurrent': flag.int(8, 'Searches, metrics queries and filtered tag-value lookups running at once over all tenants; more wait in a short queue (--query.max-queued).', 1),
  'query.max-concurrent-per-tenant': flag.int(6, 'Such queries one tenant may run at once (per tenant in --overrides.file); more wait in the queue.', 1),
  'query.max-queued': flag.int(64, 'Queries waiting for a turn, over all tenants; past it a query gets 429 with Retry-After at once.'),
  'query.queue-timeout': flag.duration('10s', 'A query that waited this long for a turn gets 429.'),
  'query.max-limit': flag.int(10000, 'Most traces one search may ask for (its limit parameter); more is a 400.', 1),
  'query.max-spans-per-spanset': flag.int(100, 'Most spans per spanset one search may ask for (its spss parameter); more is a 400.', 1),
  'query.max-series': flag.int(1000, 'Most series one metrics query returns; past it the answer is PARTIAL and says so (per tenant in --overrides.file).', 1),
  'query.max-response-bytes': flag.bytes('16MiB', 'Largest answer a search or metrics query may build (estimated JSON size); a search past it is a 422, a metrics answer is cut to fit and marked PARTIAL.'),
  'query.worker-memory': flag.bytes('1GiB', 'Heap of each query worker thread and of the live-query worker; a query that needs more fails (422) instead of growing the process. 0 means Node\'s default.'),
  'query.workers': flag.int(0, 'Worker threads that read blocks for searches; 0 means one per CPU core.'),
  'query.chunk-cache-bytes': flag.bytes('512MiB', 'Memory the query workers (together) keep verified Parquet column chunks in, so repeated searches over recent blocks skip reading and checking them; an eighth of it keeps dictionary summaries of the string columns, which let needle and pattern searches skip row groups without reading them; 0 turns it off.'),
  'query.metadata-cache-bytes': flag.bytes('128MiB', 'Memory the querier keeps block metadata in (each block\'s index, Parquet footer and needle filters: the attribute value index and bloom filters), so a search decides which blocks and row groups it needs without reading the store; read when a block is first seen, newest blocks first, while it fits.'),
  'query.warm-up': flag.bool(true, 'After a start, once the block list is read, the query frontend sends itself a few searches, a trace lookup, a metrics query and autocomplete over the newest block and live data (left out of the request metrics), so the first user query does not wait for the query path to compile on every thread.'),
  'query.default-limit': flag.int(20, 'Traces a search returns when it gives no limit parameter.', 1),
  'query.default-spans-per-spanset': flag.int(3, 'Spans per spanset a search returns when it gives no spss parameter.', 1),
  'query.max-query-bytes': flag.bytes('128KiB', 'Longest TraceQL text a search or metrics query may send; longer is a 400.'),
  'query.max-metrics-range': flag.duration('24h', 'Longest time range of one metrics query; longer is a 400. 0 means no limit.'),
  'query.max-exemplars': flag.int(100, 'Most exemplars one metrics answer carries (Tempo\'s max_exemplars).'),
  'query.abort-grace': flag.duration('2s', 'How long a cancelled query may keep a worker thread busy before the thread is replaced.'),
  'query.jobs-per-worker': flag.int(4, 'Jobs one query worker thread (and the ingester\'s live-query worker) runs at once, overlapping their reads.', 1),
  'querier.ingester-addresses': flag.list('With --target=querier: the ingesters\' internal API (host:port or dns+name:port), asked for the data they hold in memory.'),
  'querier.job-parallelism': flag.int(0, 'Blocks (and ingesters) one job reads at once on a querier; 0 means one per query worker, at least 2.'),
  'query-frontend.querier-addresses': flag.list('With --target=query-frontend: the queriers\' internal API (host:port or dns+name:port); every query is split into jobs spread over them.'),
  'query-frontend.max-jobs-per-querier': flag.int(8, 'Jobs the frontend has running on one querier at once; more wait in the frontend\'s queue, served tenant by tenant in turn.', 1),
  'query-frontend.target-bytes-per-job': flag.bytes('64MiB', 'Blocks of a search, metrics or tags query are grouped into jobs of about this many bytes (fewer when that would leave queriers idle).'),
  'query-frontend.max-retries': flag.int(2, 'Times a job that failed on one querier (unreachable, crashed, failed) is tried again on another before the answer is marked partial.'),


  // --- Compaction and retention (services/compactor; see docs/compaction.md) ---
  'compaction.cycle': flag.duration('30s', 'How often the compactor looks for blocks to merge, rewrite or expire.'),
  'compaction.window': flag.duration('1h', 'Blocks are merged only with blocks whose newest span falls in the same window of this length. Every compactor must use the same value.'),
  'compaction.settle-period': flag.duration('5m', 'A window none of whose blocks was written for this long is merged whatever the blocks\' compaction levels (before that, only blocks of one level merge during the last 24 hours), so copies of spans that clients sent again after a crash are counted once soon after their window\'s last block.'),
  'compaction.min-input-blocks': flag.int(2, 'Fewest blocks a merge takes.', 2),
  'compaction.max-input-blocks': flag.int(4, 'Most blocks a merge takes.', 2),
  'compaction.max-block-bytes': flag.bytes('100GiB', 'A merge takes inputs totalling at most this many bytes of data.parquet, so no output grows past it.'),
  'compaction.max-memory-bytes': flag.bytes('256MiB', 'Heap of one compaction job (its worker thread is capped at it): inputs are read a row group at a time, and fewer are merged at once when their row groups would not fit.'),
  'compaction.concurrency': flag.int(0, 'Compaction jobs of one time window run at once, each in its own worker thread capped at --compaction.max-memory-bytes; 0 means one per four CPU cores, at least 1. More keeps up with heavier ingest, at the cost of the CPU ingest and queries share.'),
  'compaction.block-retention': flag.duration('336h', 'A block whose newest span is older than this is expired (marked compacted, then deleted). With --retention.rule, the retention of traces no rule matches unless --retention.default is set.'),
  'compaction.compacted-block-retention': flag.duration('1h', 'How long a block stays readable after it was compacted or expired, for queriers that still hold the old block list.'),
  'compaction.partial-block-grace': flag.duration('1h', 'Objects of a block with no meta.json (left by a killed writer) are deleted once they are this old.'),
  'retention.rule': flag.repeated('Keep traces a TraceQL query matches for a given time: \'{ status = error } 30d\', or a share of them chosen by trace id: \'{ } 30d 0.05\'. A trace matching several rules gets the longest; repeat the flag for more rules.'),
  'retention.default': flag.duration('0', 'Retention of traces no --retention.rule matches; 0 means --compaction.block-retention.'),
  'overrides.file': flag.string('', 'YAML file of per-tenant overrides (retention, retention rules, ingestion limits, max bytes per trace, tail sampling); reloaded when it changes.'),
  'overrides.reload-period': flag.duration('10s', 'How often --overrides.file is checked for changes.'),
  // --- end of Compaction and retention ---

  // --- Tail sampling (services/ingester; see docs/sampling.md) ---
  'sampling.keep': flag.repeated('Keep every trace a TraceQL query matches, or a share of them: \'{ status = error }\', \'{ span.http.route = "/checkout" } 0.5\'. Repeat the flag for more rules; a trace several match gets the largest share.'),
  'sampling.drop': flag.repeated('Drop every trace a TraceQL query matches, e.g. \'{ span.http.route = "/healthz" }\'; drop rules win over keep rules. Repeatable.'),
  'sampling.default-ratio': flag.float(1, 'Share of the traces no sampling rule names that is written to blocks, decided by trace id (OpenTelemetry consistent probability sampling); 1 keeps all (sampling off).', 0),
  'sampling.decision-cache-size': flag.int(100000, 'Sampling decisions an ingester remembers (in memory, and beside the WAL across restarts), so spans arriving after their trace was decided follow it; past it the oldest are forgotten and late spans are decided again by the rules and the trace id.', 1),
  // --- end of Tail sampling ---
} as const;

/** Name of a known flag. */
export type FlagName = keyof typeof FLAGS;

/** The parsed configuration: one value per flag, keyed by flag name. */
export type Config = { -readonly [K in FlagName]: (typeof FLAGS)[K]['default'] };
