// Runs scenarios and writes the report: `<date>-<sha>.json`, `.md` and one SVG per chart in the
// output directory. Each scenario gets a fresh temp directory and its own backend; one failing
// scenario is recorded as failed and the others still run.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, release, tmpdir, totalmem, type } from 'node:os';
import { join } from 'node:path';
import { createProgress } from './progress.ts';
import { renderMarkdown } from './report/markdown.ts';
import { KNOWN_LIMITS } from './report/report.ts';
import type { BenchReport, ScenarioReport } from './report/report.ts';
import { renderChart } from './report/svg.ts';
import type { ResultRow, Scenario, ScenarioContext } from './scenario.ts';
import { SCENARIOS } from './scenarios/index.ts';
import { BackendPool } from './server/backend.ts';
import type { BackendOptions } from './server/backend.ts';
import { REPO_ROOT } from './server/spanbase-process.ts';

/** Options of a run (the CLI flags). */
export interface BenchOptions {
  /** Scenario names; empty means the default suite. */
  scenarios?: string[];
  /** Data-size multiplier (default 1). */
  scale?: number;
  /** Workload seed (default 1). */
  seed?: number;
  /** Storage backend (default local). */
  backend?: BackendOptions;
  /** Where to write the report (default bench/results). */
  outDir?: string;
  /** Profile server children and add the breakdown to the report. */
  cpuProfile?: boolean;
  /** No progress output. */
  quiet?: boolean;
  /** Keep reusable datasets in this directory and take them from it in later runs. */
  keepDatasets?: string;
  /** The scenarios to choose from (default all known). */
  registry?: readonly Scenario[];
}

/** A finished run. */
export interface BenchRun {
  /** The report. */
  report: BenchReport;
  /** Paths written. */
  files: { json: string; markdown: string; charts: string[] };
}

/** Default output directory. */
export const RESULTS_DIR = join(REPO_ROOT, 'bench', 'results');
/** Default seed: fixed, so two runs generate the same data. */
export const DEFAULT_SEED = 1;

/** Picks scenarios by name (all default ones when `names` is empty). */
export function selectScenarios(names: readonly string[], registry: readonly Scenario[] = SCENARIOS): Scenario[] {
  if (names.length === 0) return registry.filter((s) => s.inDefaultSuite);
  return names.map((n) => {
    const s = registry.find((x) => x.name === n);
    if (!s) throw new Error(`unknown scenario "${n}"; known: ${registry.map((x) => x.name).join(', ')}`);
    return s;
  });
}

/** Runs the scenarios and writes the report files. */
export async function runBench(opts: BenchOptions = {}): Promise<BenchRun> {
  const scenarios = selectScenarios(opts.scenarios ?? [], opts.registry);
  const scale = opts.scale ?? 1;
  const seed = opts.seed ?? DEFAULT_SEED;
  const backendOpts = opts.backend ?? { kind: 'local' };
  const progress = createProgress(opts.quiet ? 'quiet' : 'auto');
  const log = (msg: string): void => {
    if (!opts.quiet) process.stderr.write(`${msg}\n`);
  };
  const started = new Date();
  const t0 = performance.now();
  const load0 = loadavg()[0];
  const git = gitInfo();
  const runId = `${started.getTime().toString(36)}`;
  const pool = new BackendPool(backendOpts);
  const results: ScenarioReport[] = [];
  const runDir = mkdtempSync(join(tmpdir(), 'spanbase-bench-run-'));
  const shared = new Map<string, Promise<unknown>>();
  try {
    for (const s of scenarios) {
      log(`== ${s.name}: ${s.title}`);
      const tmp = mkdtempSync(join(tmpdir(), `spanbase-bench-${s.name}-`));
      const ctx: ScenarioContext = {
        scale, seed, tmpDir: tmp, progress, log, cpuProfile: opts.cpuProfile ?? false,
        backend: () => pool.acquire(tmp, runId),
        backendOf: (kind) => pool.acquire(tmp, runId, kind),
        shared: <T>(key: string, make: (dir: string) => Promise<T>, reuse?: { reusable: true }): Promise<T> => {
          let p = shared.get(key) as Promise<T> | undefined;
          if (!p) {
            if (reuse && opts.keepDatasets) p = keptDataset(opts.keepDatasets, key, make);
            else {
              const dir = join(runDir, `shared-${shared.size + 1}`);
              mkdirSync(dir);
              p = make(dir);
            }
            // A failed build is not kept: the next scenario tries again and reports its own error.
            p.catch(() => shared.delete(key));
            shared.set(key, p);
          }
          return p;
        },
        seconds: (base, min = 1) => Math.max(min, base * scale),
        count: (base, min = 1) => Math.max(min, Math.round(base * scale)),
      };
      const st = performance.now();
      const rep: ScenarioReport = { name: s.name, title: s.title, description: s.description, durationMs: 0, rows: [], charts: [], chartFiles: [], notes: [], sections: [] };
      try {
        const r = await s.run(ctx);
        rep.rows = r.rows.map(withRatio);
        rep.charts = r.charts ?? [];
        rep.notes = r.notes ?? [];
        rep.sections = r.sections ?? [];
        const bad = rep.rows.filter((row) => !Number.isFinite(row.spanbase) || (row.peer !== undefined && !Number.isFinite(row.peer)));
        if (bad.length > 0) throw new Error(`non-finite result in: ${bad.map((b) => b.metric).join('; ')}`);
      } catch (err) {
        rep.error = errorChain(err);
        rep.rows = [];
        log(`${s.name} failed: ${(err as Error).message}`);
      } finally {
        rep.durationMs = performance.now() - st;
        rmSync(tmp, { recursive: true, force: true });
      }
      results.push(rep);
    }
  } finally {
    await pool.close();
    rmSync(runDir, { recursive: true, force: true });
  }
  const cpu = cpus();
  const report: BenchReport = {
    schema: 'spanbase-bench/1',
    startedAt: started.toISOString(),
    durationMs: performance.now() - t0,
    git,
    machine: {
      node: process.version, cpu: cpu[0]?.model.trim() ?? 'unknown', cores: cpu.length, memoryGiB: Math.round(totalmem() / 2 ** 30),
      os: `${type()} ${release()}`, loadAverage: { start: load0, end: loadavg()[0] },
    },
    options: { scenarios: scenarios.map((s) => s.name), scale, seed, backend: backendOpts.kind + (backendOpts.s3?.endpoint ? ` (${backendOpts.s3.endpoint})` : backendOpts.kind === 's3' ? ' (s3rver on loopback)' : ''), cpuProfile: opts.cpuProfile ?? false },
    scenarios: results,
    knownLimits: [...KNOWN_LIMITS],
  };
  return { report, files: writeReport(report, opts.outDir ?? RESULTS_DIR) };
}

/** Fills in the ratio from the peer: above 1 means Spanbase is ahead, whichever way is better. */
function withRatio(row: ResultRow): ResultRow {
  if (row.ratio !== undefined || row.peer === undefined || row.peer === 0 || row.spanbase === 0) return row;
  const higher = row.higherIsBetter ?? true;
  return { ...row, ratio: higher ? row.spanbase / row.peer : row.peer / row.spanbase };
}

/** Writes JSON, Markdown and SVGs; the base name is `<date>-<sha>`, suffixed when taken. */
export function writeReport(report: BenchReport, outDir: string): BenchRun['files'] {
  mkdirSync(outDir, { recursive: true });
  const stem = `${report.startedAt.slice(0, 10)}-${report.git.sha}`;
  let base = stem;
  for (let n = 2; existsSync(join(outDir, `${base}.json`)); n++) base = `${stem}-${n}`;
  const charts: string[] = [];
  for (const s of report.scenarios) {
    s.chartFiles = s.charts.map((c) => {
      const file = `${base}-${s.name}-${c.id}.svg`;
      writeFileSync(join(outDir, file), renderChart(c));
      charts.push(join(outDir, file));
      return file;
    });
  }
  const json = join(outDir, `${base}.json`);
  const markdown = join(outDir, `${base}.md`);
  writeFileSync(json, JSON.stringify(report, null, 2) + '\n');
  writeFileSync(markdown, renderMarkdown(report));
  return { json, markdown, charts };
}

function gitInfo(): { sha: string; dirty: boolean } {
  try {
    const sha = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: REPO_ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    const status = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], { cwd: REPO_ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    return { sha, dirty: status.trim() !== '' };
  } catch {
    return { sha: 'nogit', dirty: false };
  }
}

const KEPT_DESCRIPTION = 'dataset.json';

/** JSON with bigints kept as `{"$bigint": "..."}`. */
const bigintReplacer = (_k: string, v: unknown) => (typeof v === 'bigint' ? { $bigint: v.toString() } : v);
const bigintReviver = (_k: string, v: unknown) => (v !== null && typeof v === 'object' && '$bigint' in v ? BigInt((v as { $bigint: string }).$bigint) : v);

/**
 * A dataset kept under `root` by key: taken from there when a finished build left its
 * description, else built there (a half-built directory from an interrupted run is cleared).
 */
async function keptDataset<T>(root: string, key: string, make: (dir: string) => Promise<T>): Promise<T> {
  const dir = join(root, key.replace(/[^A-Za-z0-9._-]/g, '_'));
  const description = join(dir, KEPT_DESCRIPTION);
  if (existsSync(description)) return JSON.parse(readFileSync(description, 'utf8'), bigintReviver) as T;
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const made = await make(dir);
  writeFileSync(description, JSON.stringify(made, bigintReplacer));
  return made;
}

/** An error's stack and, beneath it, its causes' (a fetch failure says why only in its cause). */
function errorChain(err: unknown): string {
  const parts: string[] = [];
  for (let e: unknown = err, depth = 0; e !== undefined && depth < 5; e = (e as Error).cause, depth++) {
    parts.push(e instanceof Error ? (e.stack ?? e.message) : String(e));
    if (!(e instanceof Error)) break;
  }
  return parts.join('\ncaused by: ');
}
