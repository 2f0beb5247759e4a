// `npm run bench -- [scenario...] [flags]`: runs the default suite or the named scenarios, writes
// the report into bench/results (or --out) and prints the summary table. docs/bench.md explains
// every flag and scenario.
import { relative } from 'node:path';
import { parseArgs } from 'node:util';
import { summaryText } from './report/markdown.ts';
import { DEFAULT_SEED, runBench } from './run.ts';
import { SCENARIOS } from './scenarios/index.ts';

const USAGE = `Usage: npm run bench -- [scenario...] [flags]

Runs Spanbase benchmarks and writes bench/results/<date>-<sha>.{json,md} plus SVG charts.
With no scenario named, runs the default suite.

Flags:
  --scale=N                 multiply data sizes and durations by N (default 1)
  --seed=N                  workload seed (default ${DEFAULT_SEED}; same seed, same data)
  --backend=local|s3        where blocks go (default local); s3 starts s3rver on loopback
                            unless --s3.endpoint is given
  --s3.endpoint=URL         a real S3 endpoint (with --backend=s3)
  --s3.bucket=NAME          its bucket (must exist)
  --s3.region=REGION        signing region (default us-east-1)
  --s3.access-key-id=KEY    credentials
  --s3.secret-access-key=SECRET
  --s3.prefix=PREFIX        key prefix; each run adds its own below it
  --s3.force-path-style     path-style URLs (MinIO, Ceph)
  --out=DIR                 write the report here instead of bench/results
  --keep-datasets=DIR       keep reusable datasets (needle) in DIR and reuse them in later runs
  --cpu-prof                profile the server child (node --cpu-prof) and add a breakdown
  --quiet                   no progress output
  --list                    list scenarios and exit
  -h, --help                this help`;

async function main(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        scale: { type: 'string' }, seed: { type: 'string' }, backend: { type: 'string' }, out: { type: 'string' },
        's3.endpoint': { type: 'string' }, 's3.bucket': { type: 'string' }, 's3.region': { type: 'string' }, 's3.access-key-id': { type: 'string' },
        's3.secret-access-key': { type: 'string' }, 's3.prefix': { type: 'string' }, 's3.force-path-style': { type: 'boolean' },
        'keep-datasets': { type: 'string' }, 'cpu-prof': { type: 'boolean' }, quiet: { type: 'boolean' }, list: { type: 'boolean' }, help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (err) {
    process.stderr.write(`bench: ${(err as Error).message}\n\n${USAGE}\n`);
    return 2;
  }
  const v = parsed.values;
  if (v.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (v.list) {
    for (const s of SCENARIOS) process.stdout.write(`${s.name.padEnd(16)} ${s.inDefaultSuite ? '(default) ' : ''}${s.title}\n`);
    return 0;
  }
  const scale = v.scale === undefined ? 1 : Number(v.scale);
  const seed = v.seed === undefined ? DEFAULT_SEED : Number(v.seed);
  const backend = v.backend ?? 'local';
  if (!(scale > 0) || !Number.isInteger(seed) || (backend !== 'local' && backend !== 's3')) {
    process.stderr.write('bench: --scale must be > 0, --seed an integer, --backend local or s3\n');
    return 2;
  }
  const s3 = {
    endpoint: v['s3.endpoint'], bucket: v['s3.bucket'], region: v['s3.region'], accessKeyId: v['s3.access-key-id'],
    secretAccessKey: v['s3.secret-access-key'], prefix: v['s3.prefix'], forcePathStyle: v['s3.force-path-style'],
  };
  const { report, files } = await runBench({ scenarios: parsed.positionals, scale, seed, backend: { kind: backend, s3 }, outDir: v.out, cpuProfile: v['cpu-prof'], quiet: v.quiet, keepDatasets: v['keep-datasets'] });
  process.stdout.write(`\n${summaryText(report)}\n\nReport: ${relative(process.cwd(), files.markdown) || files.markdown}\n`);
  return report.scenarios.some((s) => s.error) ? 1 : 0;
}

process.exitCode = await main(process.argv.slice(2));
