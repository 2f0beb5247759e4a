// Compaction throughput and memory for the bench harness: write input blocks totalling a given
// size (traces interleaved across inputs, some split over two), then merge them in a child process
// so its peak RSS is the merge's alone. Goal (issue #7): under 512 MiB with the default
// --compaction.max-memory-bytes while merging at least 1 GB of inputs.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ObjectStore } from '@spanbase/backend';
import { LocalStore } from '@spanbase/backend';
import { createBlockWriter } from '@spanbase/block';
import type { SpanRecord } from '@spanbase/model';
import { av, bytesToHex } from '@spanbase/model';
import { testTrace } from './testing/traces.ts';

/** What to measure. */
export interface CompactionBenchOptions {
  /** Total data.parquet bytes of the inputs to generate (approximately; generation stops past it). */
  inputBytes: number;
  /** Input blocks of each job (default 4, the default --compaction.max-input-blocks). */
  inputs?: number;
  /**
   * Jobs merged at once, each in its own worker thread, as --compaction.concurrency runs them
   * (default 1). Each gets its own `inputs` blocks of `inputBytes`; the figures are their sum.
   */
  jobs?: number;
  /** --compaction.max-memory-bytes of the merge (default 256 MiB, the flag's default). */
  maxMemoryBytes?: number;
  /** Directory for the store; a temporary one (removed afterwards) when absent. */
  dir?: string;
  /**
   * Spans per row group of the inputs (default the writer's). Inputs are at least one row group
   * each, so smoke runs of a few hundred KiB need smaller groups.
   */
  rowGroupSpans?: number;
  /** Progress of generation and merge. */
  onProgress?: (phase: 'generate' | 'merge', doneBytes: number, totalBytes: number) => void;
}

/** What was measured. */
export interface CompactionBenchResult {
  /** Bytes (data.parquet) of the inputs merged; fewer than generated when the bound took fewer. */
  inputBytes: number;
  /** Input blocks merged. */
  inputBlocks: number;
  /** Jobs merged at once. */
  jobs: number;
  /** Spans read (trace parts joined, duplicates included). */
  spansIn: number;
  /** Spans written. */
  spansOut: number;
  /** Bytes of the output's data.parquet. */
  outputBytes: number;
  /** Wall time of the merge. */
  seconds: number;
  /** CPU time of the merging process during the merge, all threads. */
  cpuSeconds: number;
  /** Spans read per CPU-second: steadier than spans/s on a machine shared with other work. */
  spansPerCpuSecond: number;
  /** Spans read per second. */
  spansPerSecond: number;
  /** Input bytes per second. */
  bytesPerSecond: number;
  /** Peak resident memory of the merging process. */
  peakRssBytes: number;
}

const T0 = 1_767_225_600_000n * 1_000_000n; // 2026-01-01, inside one hour window per block

function traceIdOf(n: number): Uint8Array {
  const id = new Uint8Array(16);
  id[0] = 0x5b;
  new DataView(id.buffer).setBigUint64(8, BigInt(n) + 1n);
  return id;
}

/** Trace `n` with a sequential id (blocks are written in id order without sorting) and per-span unique values, as real spans have. */
function benchTrace(n: number): SpanRecord[] {
  const traceId = traceIdOf(n);
  return testTrace(n, { startNs: T0 + BigInt(n % 3_000_000) * 1_000_000n, error: n % 50 === 0, slow: n % 97 === 0 }).map((r, i) => {
    const unique = bytesToHex(r.span.spanId);
    const attributes = [...r.span.attributes, { key: 'http.url', value: av.string(`https://shop.example.com/api/orders/${unique}?session=${(n * 31 + i).toString(36)}`) }, { key: 'user.id', value: av.string(`u-${(n % 100_000).toString(16)}`) }];
    return { ...r, span: { ...r.span, traceId, attributes } };
  });
}

/** A store that counts the bytes written through it (data.parquet streams in row group by row group). */
function counting(store: ObjectStore): { store: ObjectStore; written: () => number } {
  let written = 0;
  async function* tap(body: AsyncIterable<Uint8Array>): AsyncIterable<Uint8Array> {
    for await (const chunk of body) {
      written += chunk.length;
      yield chunk;
    }
  }
  return {
    written: () => written,
    store: {
      get: (k, o) => store.get(k, o),
      getRange: (k, off, len, o) => store.getRange(k, off, len, o),
      head: (k, o) => store.head(k, o),
      delete: (k, o) => store.delete(k, o),
      list: (p, o) => store.list(p, o),
      put: (k, body, o) => store.put(k, body instanceof Uint8Array ? body : tap(body), o),
    },
  };
}

/** Writes `inputs` blocks of interleaved traces until they total `bytes`; every 5th trace is split over two blocks. */
async function generateInputs(base: ObjectStore, inputs: number, bytes: number, onProgress?: CompactionBenchOptions['onProgress'], rowGroupSpans?: number, first = 0): Promise<{ bytes: number; traces: number }> {
  const { store, written } = counting(base);
  const writers = Array.from({ length: inputs }, () => createBlockWriter(store, { tenant: 'bench', rowGroupSpans }));
  let n = first;
  for (let round = 0; written() < bytes; round++) {
    for (let b = 0; b < inputs; b++, n++) {
      const trace = benchTrace(n);
      if (n % 5 === 0 && trace.length > 1) {
        const half = Math.ceil(trace.length / 2);
        await writers[b].addTrace(trace.slice(0, half));
        await writers[(b + 1) % inputs].addTrace(trace.slice(half));
      } else {
        await writers[b].addTrace(trace);
      }
    }
    if (round % 5000 === 0) onProgress?.('generate', written(), bytes);
  }
  let total = 0;
  for (const w of writers) total += (await w.finish()).size;
  onProgress?.('generate', total, bytes);
  return { bytes: total, traces: n - first };
}

/** Generates inputs and measures the merge of them (one job, or `jobs` at once) in a child process. */
export async function measureCompaction(opts: CompactionBenchOptions): Promise<CompactionBenchResult> {
  const inputs = opts.inputs ?? 4;
  const jobs = opts.jobs ?? 1;
  const dir = opts.dir ?? mkdtempSync(join(tmpdir(), 'sb-bench-compaction-'));
  try {
    // One set of inputs per job, each with traces of its own, all in one window.
    let inputBytes = 0;
    let traces = 0;
    for (let j = 0; j < jobs; j++) {
      const set = await generateInputs(new LocalStore({ path: dir }), inputs, opts.inputBytes, (phase, done, total) => opts.onProgress?.(phase, inputBytes + done, jobs * total), opts.rowGroupSpans, traces);
      inputBytes += set.bytes;
      traces += set.traces;
    }
    const child = spawn(process.execPath, [join(import.meta.dirname, 'bench-compaction-child.ts'), dir, String(opts.maxMemoryBytes ?? 256 * 1024 * 1024), String(inputs), String(jobs)], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      for (let i = out.indexOf('\n'); i >= 0 && out.startsWith('PROGRESS '); i = out.indexOf('\n')) {
        opts.onProgress?.('merge', Number(out.slice(9, i)) * inputBytes, inputBytes);
        out = out.slice(i + 1);
      }
    });
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    const line = out.split('\n').find((l) => l.startsWith('RESULT '));
    if (code !== 0 || !line) throw new Error(`compaction bench child failed (exit ${code}): ${out}`);
    const r = JSON.parse(line.slice(7)) as { seconds: number; cpuSeconds: number; spansIn: number; spansOut: number; outputBytes: number; peakRssBytes: number; inputBlocks: number; inputBytes: number; jobs: number };
    return { ...r, spansPerSecond: r.spansIn / r.seconds, spansPerCpuSecond: r.spansIn / r.cpuSeconds, bytesPerSecond: r.inputBytes / r.seconds };
  } finally {
    if (!opts.dir) rmSync(dir, { recursive: true, force: true });
  }
}
