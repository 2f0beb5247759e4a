import { MemoryStore } from '@spanbase/backend';
import type { KeyValue, SpanRecord } from '@spanbase/model';
import { bytesToHex, compareIds, flattenTracesData } from '@spanbase/model';
import { decodeExportRequest } from '@spanbase/otlp';
import { describe, expect, it } from 'vitest';
import type { EncodedSpan } from '../format.ts';
import { writeBlock, writeEncodedBlock } from '../registry.ts';
import { conformanceTraces } from '../testing/conformance-traces.ts';
import { encodedTraces, encodeRequests } from '../testing/encoded-traces.ts';
import { generateRealisticTraces } from '../testing/realistic-traces.ts';

/** The same requests as the writer's two inputs: decoded records, and encoded spans. */
function inputs(bodies: Uint8Array[]): { decoded: SpanRecord[][]; encoded: EncodedSpan[][] } {
  const decoded = new Map<string, SpanRecord[]>();
  for (const body of bodies) {
    for (const r of flattenTracesData(decodeExportRequest(body))) {
      const k = bytesToHex(r.span.traceId);
      if (!decoded.has(k)) decoded.set(k, []);
      decoded.get(k)!.push(r);
    }
  }
  return { decoded: [...decoded.keys()].sort().map((k) => decoded.get(k)!), encoded: encodedTraces(bodies) };
}

/** Every object of both blocks, which must be byte-identical. */
async function writeBoth(bodies: Uint8Array[]): Promise<{ a: Map<string, Buffer>; b: Map<string, Buffer> }> {
  const { decoded, encoded } = inputs(bodies);
  const opts = { tenant: 't', blockId: '00000000-0000-4000-8000-000000000001', rowGroupSpans: 150, pageSizeBytes: 2048, now: () => new Date(0) };
  const objects = async (write: (s: MemoryStore) => Promise<unknown>) => {
    const store = new MemoryStore();
    await write(store);
    const out = new Map<string, Buffer>();
    for (const o of (await store.list('t/')).objects) out.set(o.key, Buffer.from((await store.get(o.key))!));
    return out;
  };
  return { a: await objects((s) => writeBlock(s, opts, decoded)), b: await objects((s) => writeEncodedBlock(s, opts, encoded)) };
}

describe('encoded spans (the ingest path)', () => {
  it('make exactly the block their decoded spans make', async () => {
    const traces = [...conformanceTraces({ traces: 50, bigTraceSpans: 200 }), ...generateRealisticTraces({ traces: 200, seed: 4 })].sort((x, y) => compareIds(x[0].span.traceId, y[0].span.traceId));
    const { a, b } = await writeBoth(encodeRequests(traces, 7));
    expect([...b.keys()]).toEqual([...a.keys()]);
    for (const [key, bytes] of a) expect(b.get(key)!.equals(bytes), key).toBe(true);
  });

  it('store ill-formed UTF-8 as the decoder reads it (U+FFFD), in names, keys and values', async () => {
    const traces = conformanceTraces({ traces: 5 });
    (traces[2][0].span.attributes as KeyValue[]).push({ key: 'ZZKEY', value: { type: 'string', value: 'ZZVALUE' } });
    (traces[3][0].span as { name: string }).name = 'ZZNAME';
    const [body] = encodeRequests(traces, 5);
    const text = Buffer.from(body).toString('latin1');
    for (const marker of ['ZZKEY', 'ZZVALUE', 'ZZNAME']) body[text.indexOf(marker) + 1] = 0xff;
    const { a, b } = await writeBoth([body]);
    for (const [key, bytes] of a) expect(b.get(key)!.equals(bytes), key).toBe(true);
    expect(inputs([body]).decoded.flat().some((r) => r.span.name === 'Z\ufffdNAME')).toBe(true);
  });

  it('are checked like decoded spans before anything is written', async () => {
    const { encoded } = inputs(encodeRequests(conformanceTraces({ traces: 3 }), 3));
    const store = new MemoryStore();
    const w = (await import('../registry.ts')).createBlockWriter(store, { tenant: 't' });
    await w.addEncodedTrace(encoded[1]);
    await expect(w.addEncodedTrace(encoded[0])).rejects.toMatchObject({ code: 'BLK_ERR_BAD_INPUT' });
    await expect(w.addEncodedTrace([...encoded[2], ...encoded[1]])).rejects.toMatchObject({ code: 'BLK_ERR_BAD_INPUT' });
    await expect(w.addEncodedTrace([])).rejects.toMatchObject({ code: 'BLK_ERR_BAD_INPUT' });
    await w.addEncodedTrace(encoded[2]);
    expect((await w.finish()).totalObjects).toBe(2);
  });
});
