// The contract between the harness and a scenario. A scenario measures one thing (ingest, block
// write, search, ...), gets everything it needs through the context (scale, seed, where to keep
// temp files, the storage backend, a progress bar), and returns rows for the summary table plus
// optional charts and notes. The harness does the rest: running, timing, writing JSON, Markdown
// and SVG. To add a scenario, write `scenarios/<name>.ts` exporting a `Scenario` and list it in
// `scenarios/index.ts`.
import type { BackendTarget } from './server/backend.ts';
import type { Progress } from './progress.ts';

/** One line of the summary table. */
export interface ResultRow {
  /** What is measured, e.g. `ingest, flat out: accepted spans/s`. */
  metric: string;
  /** Unit of `spanbase` and `peer`, e.g. `spans/s`, `ms`, `MiB`, `B/span`. */
  unit: string;
  /** Spanbase's number. */
  spanbase: number;
  /** The peer's number for the same work (DuckDB, or a stated reference), if there is one. */
  peer?: number;
  /** What the peer column is for this row, e.g. `DuckDB 1 thread` or `decode-only ceiling`. */
  peerLabel?: string;
  /** spanbase / peer, or peer / spanbase where lower is better; see `higherIsBetter`. */
  ratio?: number;
  /** True when a bigger number is better (throughput); false for latency, bytes, memory. */
  higherIsBetter?: boolean;
  /** The goal from the issue, in words, e.g. `>= 100k spans/s`. */
  goal?: string;
  /** Whether the goal is met, when it can be checked mechanically. */
  goalMet?: boolean;
  /** Anything the reader needs to interpret the number. */
  note?: string;
}

/** A latency distribution, summarised as (percentile, value) points. */
export interface LatencySeries {
  /** Legend text. */
  label: string;
  /** Points sorted by percentile, percentiles in [0, 100]. */
  points: [percentile: number, value: number][];
  /** Number of samples behind the points. */
  count: number;
}

/** A value over time, e.g. throughput per interval. */
export interface TimeSeries {
  /** Legend text. */
  label: string;
  /** (seconds since start, value) points. */
  points: [seconds: number, value: number][];
}

/** A chart a scenario asks for; the harness renders it as SVG. */
export type Chart =
  | {
    /** Latency percentile spectrum (x: percentile on a "nines" scale, y: latency). */
    kind: 'latency';
    /** File-name-safe id, unique within the scenario. */
    id: string;
    /** Chart title. */
    title: string;
    /** Unit of the values, e.g. `ms`. */
    unit: string;
    /** One line per distribution. */
    series: LatencySeries[];
  }
  | {
    /** Values over time (x: seconds, y: value). */
    kind: 'timeline';
    /** File-name-safe id, unique within the scenario. */
    id: string;
    /** Chart title. */
    title: string;
    /** Unit of the values, e.g. `spans/s`. */
    unit: string;
    /** One line per series. */
    series: TimeSeries[];
  };

/** A free-form Markdown section appended to the scenario's part of the report. */
export interface Section {
  /** Heading text. */
  title: string;
  /** Markdown body. */
  markdown: string;
}

/** What a scenario returns. */
export interface ScenarioResult {
  /** Summary-table rows; every number must be finite. */
  rows: ResultRow[];
  /** Charts to render. */
  charts?: Chart[];
  /** Short remarks printed under the scenario's table. */
  notes?: string[];
  /** Longer sections (e.g. a CPU profile breakdown). */
  sections?: Section[];
}

/** What the harness gives a scenario. */
export interface ScenarioContext {
  /** Data-size multiplier (--scale); durations and counts should be multiplied by it. */
  scale: number;
  /** The run's seed (--seed); feed it to the workload generator. */
  seed: number;
  /** A fresh temp directory for this scenario, removed afterwards. */
  tmpDir: string;
  /** Where blocks go (--backend); started lazily (s3rver only when asked for). */
  backend(): Promise<BackendTarget>;
  /**
   * A backend of the given kind whatever --backend says, for scenarios that compare both: `s3`
   * is the --s3.* endpoint when given, else s3rver on loopback (started once per run).
   */
  backendOf(kind: BackendTarget['kind']): Promise<BackendTarget>;
  /**
   * Something built once per run and shared by every scenario that asks for the same `key`
   * (the hour of blocks that search and metrics both read). `make` gets a directory of its own,
   * removed when the run ends. With `reuse` (a description that survives JSON, bigints
   * included) and --keep-datasets, the directory and the description are kept there and a later
   * run with the same key takes them instead of building again.
   */
  shared<T>(key: string, make: (dir: string) => Promise<T>, reuse?: { reusable: true }): Promise<T>;
  /** Progress bars on stderr. */
  progress: Progress;
  /** Profile the server child with --cpu-prof and summarise it (--cpu-prof). */
  cpuProfile: boolean;
  /** A base duration in seconds multiplied by --scale, never below `min` (default 1). */
  seconds(base: number, min?: number): number;
  /** A base count multiplied by --scale, never below `min` (default 1). */
  count(base: number, min?: number): number;
  /** Logs a line on stderr (unless --quiet). */
  log(message: string): void;
}

/** A benchmark scenario. */
export interface Scenario {
  /** CLI name, e.g. `ingest` (`npm run bench -- ingest`). */
  name: string;
  /** Heading in the report. */
  title: string;
  /** One paragraph: what is measured and against what. */
  description: string;
  /** Part of the default suite (`npm run bench` with no scenario named). */
  inDefaultSuite: boolean;
  /** Runs the measurement. */
  run(ctx: ScenarioContext): Promise<ScenarioResult>;
}
