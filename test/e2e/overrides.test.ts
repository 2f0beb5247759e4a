// Per-tenant limits from --overrides.file: one tenant's ingestion rate and trace size limit
// differ from the flags, the others keep the defaults, and a changed file is picked up.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { bytesToHex } from '@spanbase/model';
import { encodeTracesData } from '@spanbase/otlp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestSpanbase, tempDir } from '../src/harness.ts';
import type { TestSpanbase } from '../src/harness.ts';
import { request, span } from '../src/spans.ts';

let sb: TestSpanbase;
const file = join(tempDir(), 'overrides.yaml');

function post(tenant: string, n: number) {
  const spans = Array.from({ length: n }, () => span());
  return fetch(sb.otlpHttp, { method: 'POST', body: encodeTracesData(request(spans)), headers: { 'content-type': 'application/x-protobuf', 'x-scope-orgid': tenant } }).then((r) => ({ status: r.status, spans }));
}

beforeAll(async () => {
  writeFileSync(file, 'overrides:\n  slow:\n    ingestion:\n      rate_limit_bytes: 10\n      burst_size_bytes: 3000\n  small:\n    global:\n      max_bytes_per_trace: 200\n');
  sb = await startTestSpanbase({ 'multitenancy.enabled': true, 'overrides.file': file, 'overrides.reload-period': 100 });
});
afterAll(() => sb?.stop());

describe('--overrides.file', () => {
  it('applies a tenant’s own ingestion limits and leaves other tenants on the flags', async () => {
    expect((await post('slow', 10)).status).toBe(200);
    const statuses = [];
    for (let i = 0; i < 4; i++) statuses.push((await post('slow', 10)).status);
    expect(statuses).toContain(429);
    for (let i = 0; i < 5; i++) expect((await post('fast', 10)).status).toBe(200);
  });

  it('applies a tenant’s own trace size limit, and reloads the file when it changes', async () => {
    const { spans } = await post('small', 5);
    const sameTrace = spans.map((s) => s.traceId);
    const id = bytesToHex(sameTrace[0]);
    const small = await fetch(`${sb.api}/api/v2/traces/${id}`, { headers: { 'x-scope-orgid': 'small' } });
    expect(((await small.json()) as { status?: string }).status ?? 'COMPLETE').toBe('COMPLETE'); // one span fits
    // Lower the limit below one span's size: the same lookup is now cut (v1: 422).
    writeFileSync(file, 'overrides:\n  small:\n    global:\n      max_bytes_per_trace: 10\n');
    let status = 0;
    for (let i = 0; i < 100 && status !== 422; i++) {
      await new Promise((r) => setTimeout(r, 50));
      status = (await fetch(`${sb.api}/api/traces/${id}`, { headers: { 'x-scope-orgid': 'small' } })).status;
    }
    expect(status).toBe(422);
    expect((await fetch(`${sb.api}/api/traces/${id}`, { headers: { 'x-scope-orgid': 'other' } })).status).toBe(404);
  });
});
