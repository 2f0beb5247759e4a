// The dependency messages against the reference schema (proto/spanbase/internal/v1/internal.proto):
// what the codecs write decodes with protobufjs into the documented fields, and round-trips.
import { join } from 'node:path';
import protobuf from 'protobufjs';
import type { DependencyEdge } from '@spanbase/block';
import { LATENCY_BOUNDS_MS } from '@spanbase/block';
import { SpanbaseError } from '@spanbase/model';
import { describe, expect, it } from 'vitest';
import { JobsService } from './jobs-api.ts';
import { LiveService } from './live-api.ts';

const root = protobuf.loadSync(join(import.meta.dirname, '..', 'proto', 'spanbase', 'internal', 'v1', 'internal.proto'));
const asObject = (name: string, bytes: Uint8Array) => {
  const t = root.lookupType(`spanbase.internal.v1.${name}`);
  return t.toObject(t.decode(bytes), { longs: String, defaults: false });
};

const latency = LATENCY_BOUNDS_MS.map((_, i) => i).concat([7]);
const edges: DependencyEdge[] = [
  { parent: 'frontend', child: 'checkout', parentKind: 3, childKind: 2, remote: false, calls: 2 ** 40, errors: 3, latency },
  { parent: 'checkout', child: 'postgres', parentKind: 3, childKind: 0, remote: true, calls: 1, errors: 0, latency: latency.map(() => 0) },
];

describe('dependency messages', () => {
  it('jobs: requests and results round-trip and decode with the schema', () => {
    const m = JobsService.methods.Dependencies;
    const job = { blocks: [], live: true, range: { start: 1_700_000_000, end: 1_700_003_600 } };
    const req = m.encodeRequest(job);
    expect(m.decodeRequest(req)).toEqual(job);
    expect(asObject('DependenciesJob', req)).toEqual({ live: true, start: '1700000000', end: '1700003600' });
    const res = { edges, failures: [{ source: 'block a', error: new SpanbaseError('BLK_ERR_CHECKSUM', 'bad', 500) }], recentBlocks: [] };
    const bytes = m.encodeResponse(res);
    const back = m.decodeResponse(bytes);
    expect(back.edges).toEqual(edges);
    expect(back.failures[0].error).toMatchObject({ code: 'BLK_ERR_CHECKSUM', message: 'bad' });
    const o = asObject('DependenciesJobResult', bytes) as { edges: Record<string, unknown>[] };
    expect(o.edges[0]).toEqual({ parent: 'frontend', child: 'checkout', parentKind: 3, childKind: 2, calls: String(2 ** 40), errors: '3', latency });
    expect(o.edges[1]).toMatchObject({ child: 'postgres', remote: true, calls: '1' });
  });

  it('live: the range and the edges round-trip; a latency of the wrong length is refused', () => {
    const m = LiveService.methods.Dependencies;
    expect(m.decodeRequest(m.encodeRequest({ start: 0, end: 60 }))).toEqual({ start: 0, end: 60 });
    expect(m.decodeResponse(m.encodeResponse({ edges, recentBlocks: [] })).edges).toEqual(edges);
    const wrong = m.encodeResponse({ edges: [{ ...edges[0], latency: [1, 2] }], recentBlocks: [] });
    expect(() => m.decodeResponse(wrong)).toThrow(/latency buckets/);
  });
});
