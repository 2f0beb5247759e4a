// The report a run produces: written as JSON (the record), rendered as Markdown and SVG.
import type { Chart, ResultRow, Section } from '../scenario.ts';

/** A published figure of another system, shown for context; never measured here. */
export interface KnownLimit {
  /** The system, e.g. `Grafana Tempo`. */
  system: string;
  /** What the figure is. */
  figure: string;
  /** The figure as published. */
  value: string;
  /** Where it is published. */
  source: string;
}

/** One scenario's part of the report. */
export interface ScenarioReport {
  /** CLI name. */
  name: string;
  /** Heading. */
  title: string;
  /** What it measures. */
  description: string;
  /** Wall time of the scenario, ms. */
  durationMs: number;
  /** Summary rows. */
  rows: ResultRow[];
  /** Charts (data), rendered next to the report. */
  charts: Chart[];
  /** SVG file names of the charts, relative to the report. */
  chartFiles: string[];
  /** Remarks. */
  notes: string[];
  /** Longer sections. */
  sections: Section[];
  /** Set when the scenario failed; its rows are then empty. */
  error?: string;
}

/** Where the run happened. */
export interface MachineInfo {
  /** `node --version`. */
  node: string;
  /** CPU model. */
  cpu: string;
  /** Logical cores. */
  cores: number;
  /** Memory, GiB. */
  memoryGiB: number;
  /** OS and kernel. */
  os: string;
  /** 1-minute load average when the run started and ended: other work on the machine skews results. */
  loadAverage: { start: number; end: number };
}

/** A whole run. */
export interface BenchReport {
  /** Format of this JSON. */
  schema: 'spanbase-bench/1';
  /** ISO time the run started. */
  startedAt: string;
  /** Wall time of the run, ms. */
  durationMs: number;
  /** Commit measured; `dirty` when the tree had uncommitted changes. */
  git: { sha: string; dirty: boolean };
  /** The machine. */
  machine: MachineInfo;
  /** The options the run used. */
  options: { scenarios: string[]; scale: number; seed: number; backend: string; cpuProfile: boolean };
  /** Results per scenario, in run order. */
  scenarios: ScenarioReport[];
  /** Published figures of other systems, for context. */
  knownLimits: KnownLimit[];
}

/** Published Grafana Tempo figures (see docs/bench.md); not measured by this harness. */
export const KNOWN_LIMITS: readonly KnownLimit[] = [
  {
    system: 'Grafana Tempo',
    figure: 'monolithic mode ingest ceiling',
    value: '25-35 MB/s, about 55k-80k spans/s',
    source: 'Tempo docs, setup-tempo/plan/deployment-modes.md',
  },
  {
    system: 'Grafana Tempo',
    figure: 'typical span size on the wire',
    value: 'about 500 bytes per span (15 MB/s is about 30k spans/s per distributor)',
    source: 'Tempo docs, operations/manage-trace-ingestion.md',
  },
];
