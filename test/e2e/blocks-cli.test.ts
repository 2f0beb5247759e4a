// Acceptance (#3): the operator CLI lists blocks, shows a meta, fetches a trace and verifies
// checksums; and a corrupted block (one flipped byte) is detected, skipped by lookups (which
// still answer from the other blocks) and reported in logs and metrics.
import { spawnSync } from 'node:child_process';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { bytesToHex } from '@spanbase/model';
import type { Span } from '@spanbase/model';
import { encodeTracesData } from '@spanbase/otlp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FAST_FLUSH, waitForFlush } from '../src/flush.ts';
import { REPO_ROOT, startTestSpanbase } from '../src/harness.ts';
import type { TestSpanbase } from '../src/harness.ts';
import { request, span } from '../src/spans.ts';

let sb: TestSpanbase;
const batches: Span[][] = [];

function cli(...args: string[]) {
  const r = spawnSync(process.execPath, [join(REPO_ROOT, 'services/spanbase/bin/spanbase.js'), 'blocks', ...args, `--storage.local.path=${join(sb.dataDir, 'blocks')}`], { encoding: 'utf8' });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

async function sendAndFlush(spans: Span[]): Promise<void> {
  const r = await fetch(sb.otlpHttp, { method: 'POST', body: encodeTracesData(request(spans)), headers: { 'content-type': 'application/x-protobuf' } });
  expect(r.status).toBe(200);
  await waitForFlush(sb);
}

beforeAll(async () => {
  sb = await startTestSpanbase({ ...FAST_FLUSH });
  // Two blocks; the trace `shared` has spans in both.
  const shared = span();
  batches.push([shared, ...Array.from({ length: 5 }, () => span())]);
  await sendAndFlush(batches[0]);
  batches.push([span({ traceId: shared.traceId }), ...Array.from({ length: 5 }, () => span())]);
  await sendAndFlush(batches[1]);
});
afterAll(() => sb?.stop());

describe('spanbase blocks', () => {
  it('lists, shows, fetches and verifies blocks', () => {
    const list = cli('list');
    expect(list.code).toBe(0);
    const rows = list.out.trim().split('\n').slice(1);
    expect(rows).toHaveLength(2);
    expect(rows[0]).toMatch(/^single-tenant\t[0-9a-f-]{36}\tlive\t0\t/);
    const json = JSON.parse(cli('list', '--json').out) as { blockID: string; spanCount: number }[];
    expect(json.map((b) => b.spanCount).sort()).toEqual([6, 6]);
    const meta = JSON.parse(cli('meta', json[0].blockID).out) as { format: string; blockID: string };
    expect(meta).toMatchObject({ format: 'sb1', blockID: json[0].blockID });
    const trace = JSON.parse(cli('trace', bytesToHex(batches[0][0].traceId)).out) as { batches: { scopeSpans: { spans: unknown[] }[] }[] };
    expect(trace.batches.flatMap((b) => b.scopeSpans.flatMap((s) => s.spans))).toHaveLength(2);
    const verify = cli('verify');
    expect(verify.code).toBe(0);
    expect(verify.out.match(/^ok /gm)).toHaveLength(2);
    expect(cli('meta', '00000000-0000-4000-8000-000000000000').code).toBe(1);
    expect(cli('bogus').code).toBe(2);
  });

  it('detects a flipped byte, skips the block in lookups and still answers from the others', async () => {
    const blocksDir = join(sb.dataDir, 'blocks', 'single-tenant');
    const ids = readdirSync(blocksDir);
    // Corrupt the block holding batch 1 (the second one written).
    const metas = ids.map((id) => ({ id, meta: JSON.parse(readFileSync(join(blocksDir, id, 'meta.json'), 'utf8')) as { createdAt: string } }));
    metas.sort((a, b) => (a.meta.createdAt < b.meta.createdAt ? -1 : 1));
    const second = metas[metas.length - 1].id;
    const dataPath = join(blocksDir, second, 'data.parquet');
    const data = readFileSync(dataPath);
    data[Math.floor(data.length / 3)] ^= 0xff;
    writeFileSync(dataPath, data);

    const verify = cli('verify');
    expect(verify.code).toBe(1);
    expect(verify.out).toMatch(new RegExp(`CORRUPT  single-tenant/${second} data.parquet: checksum`));

    // The shared trace: the first block still answers (partial on v2), the corrupt one is skipped.
    const shared = bytesToHex(batches[0][0].traceId);
    const v2 = (await (await fetch(`${sb.api}/api/v2/traces/${shared}`)).json()) as { status?: string; message?: string; trace: { resourceSpans: { scopeSpans: { spans: unknown[] }[] }[] } };
    expect(v2.trace.resourceSpans.flatMap((r) => r.scopeSpans.flatMap((s) => s.spans))).toHaveLength(1);
    expect(v2.status).toBe('PARTIAL');
    expect(v2.message).toMatch(second);
    // Traces only in the healthy block are whole.
    expect((await fetch(`${sb.api}/api/traces/${bytesToHex(batches[0][3].traceId)}`)).status).toBe(200);
    const metrics = await (await fetch(`${sb.api}/metrics`)).text();
    expect(metrics).toMatch(/spanbase_querier_blocks_skipped_total\{reason="BLK_ERR_CHECKSUM"\} [1-9]/);
  });
});
