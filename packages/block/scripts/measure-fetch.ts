// Search and metrics latency over one large block against DuckDB over the same data.parquet:
//   node packages/block/scripts/measure-fetch.ts [traces=80000] [runs=5]
// 80,000 realistic traces are about a million spans. FETCH_BENCH_DIR=<dir> keeps the block there
// and reuses it on the next run (writing a million spans takes a while); otherwise a temporary
// directory is used and removed.
import { mkdir, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalStore } from '@spanbase/backend';
import { parseBlockMeta } from '../src/meta.ts';
import { openBlock, writeBlock } from '../src/registry.ts';
import { measureFetchPatterns } from '../src/sb1/bench-fetch.ts';
import { generateRealisticTraces } from '../src/testing/realistic-traces.ts';

const [traceCount = 80000, runs = 5] = process.argv.slice(2).map(Number);
const keep = process.env.FETCH_BENCH_DIR;
const dir = keep ?? (await mkdtemp(join(tmpdir(), 'sb1-fetch-')));
const tenant = 'bench';
try {
  await mkdir(join(dir, tenant), { recursive: true });
  const store = new LocalStore({ path: dir });
  const existing = (await readdir(join(dir, tenant))).find((id) => id.length === 36);
  let meta;
  if (existing) meta = parseBlockMeta(await readFile(join(dir, tenant, existing, 'meta.json')));
  else {
    const t0 = performance.now();
    meta = await writeBlock(store, { tenant }, generateRealisticTraces({ traces: traceCount, seed: 3 }));
    console.log(`wrote ${meta.spanCount} spans, ${meta.totalObjects} traces, ${meta.rowGroups} row groups, ${(meta.size / 1e6).toFixed(1)} MB in ${((performance.now() - t0) / 1000).toFixed(0)} s`);
  }
  console.log(`block: ${meta.spanCount} spans, ${meta.rowGroups} row groups; median of ${runs} runs, ms`);
  console.log('pattern                 spanbase  sb-fast  (cpu)  duckdb-1t  (cpu)  duckdb  results');
  await measureFetchPatterns(openBlock(store, meta), join(dir, tenant, meta.blockID, 'data.parquet'), {
    runs,
    onRow: (r) =>
      console.log(
        `${r.pattern.padEnd(22)} ${r.spanbaseMs.toFixed(1).padStart(9)} ${r.spanbaseFastMs.toFixed(1).padStart(8)} ${r.spanbaseFastCpuMs.toFixed(0).padStart(6)} ${r.duckdb1Ms.toFixed(1).padStart(10)} ${r.duckdb1CpuMs.toFixed(0).padStart(6)} ${r.duckdbMs.toFixed(1).padStart(7)}  ${r.spanbaseResults}/${r.duckdbResults}`,
      ),
  });
} finally {
  if (!keep) await rm(dir, { recursive: true, force: true });
}
