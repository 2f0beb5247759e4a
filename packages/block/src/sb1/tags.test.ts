import type { Resource, Scope, SpanRecord } from '@spanbase/model';
import { av } from '@spanbase/model';
import { describe, expect, it } from 'vitest';
import { openBlock } from '../registry.ts';
import { writeTestBlock } from '../testing/block-suite.ts';
import { conformanceTraces } from '../testing/conformance-traces.ts';
import { generateRealisticTraces } from '../testing/realistic-traces.ts';
import { TagsBuilder } from './tags.ts';

const resource: Resource = { attributes: [{ key: 'service.name', value: av.string('api') }, { key: 'k8s.pod.uid', value: av.bytes(new Uint8Array(2)) }], droppedAttributesCount: 0 };
const scope: Scope = { name: 'lib', version: '1.0', attributes: [{ key: 'scope.x', value: av.int(1) }], droppedAttributesCount: 0 };

function rec(i: number, parent = new Uint8Array(8).fill(1)): SpanRecord {
  return {
    resource, scope, resourceSchemaUrl: '', scopeSchemaUrl: '',
    span: {
      traceId: new Uint8Array(16), spanId: new Uint8Array(8), parentSpanId: parent, traceState: '', flags: 0, name: i % 2 ? 'GET' : 'POST', kind: 2,
      startTimeUnixNano: 0n, endTimeUnixNano: 1n, droppedAttributesCount: 0, droppedEventsCount: 0, droppedLinksCount: 0, status: { code: i % 10 === 0 ? 2 : 0, message: '' },
      attributes: [{ key: 'http.status_code', value: av.int(200 + (i % 3)) }, { key: 'request.id', value: av.string(`req-${i}`) }, { key: 'long', value: av.string('x'.repeat(500)) }, { key: `k${i % 40}`, value: av.bool(true) }],
      events: i % 5 === 0 ? [{ timeUnixNano: 0n, name: 'exception', attributes: [{ key: 'exception.type', value: av.string('E') }], droppedAttributesCount: 0 }] : [],
      links: [],
    },
  };
}

describe('tags summary', () => {
  it('counts keys, types and top values per scope within its bounds', () => {
    const b = new TagsBuilder({ topValues: 3, maxKeysPerScope: 10, maxValueLength: 100 });
    for (let t = 0; t < 100; t++) b.addTrace([rec(t * 10, new Uint8Array(0)), ...Array.from({ length: 9 }, (_, i) => rec(t * 10 + i + 1))]);
    const s = b.summary();
    const span = new Map(s.scopes.span.map((k) => [k.name, k]));
    expect(span.get('http.status_code')).toMatchObject({ count: 1000, types: { int: 1000 } });
    expect(span.get('http.status_code')!.values.map((v) => [v.type, v.value])).toEqual([['int', '200'], ['int', '201'], ['int', '202']]);
    expect(span.get('request.id')!.approximate).toBe(true);
    expect(span.get('request.id')!.values).toHaveLength(3);
    expect(span.get('long')).toMatchObject({ count: 1000, values: [] });
    expect(s.scopes.span).toHaveLength(10);
    expect(s.droppedKeys.span).toBeGreaterThan(0);
    expect(s.scopes.resource.find((k) => k.name === 'service.name')).toMatchObject({ count: 1000, values: [{ type: 'string', value: 'api', count: 1000 }] });
    expect(s.scopes.resource.find((k) => k.name === 'k8s.pod.uid')).toMatchObject({ types: { bytes: 1000 }, values: [] });
    expect(s.scopes.instrumentation[0]).toMatchObject({ name: 'scope.x', count: 1000 });
    expect(s.scopes.event[0]).toMatchObject({ name: 'exception.type', count: 200 });
    expect(s.intrinsics.status).toEqual([{ type: 'string', value: 'unset', count: 900 }, { type: 'string', value: 'error', count: 100 }]);
    expect(s.intrinsics.kind).toEqual([{ type: 'string', value: 'server', count: 1000 }]);
    expect(s.intrinsics['event:name']).toEqual([{ type: 'string', value: 'exception', count: 200 }]);
    expect(s.intrinsics.rootName).toEqual([{ type: 'string', value: 'POST', count: 100 }]);
    expect(s.intrinsics.rootServiceName).toEqual([{ type: 'string', value: 'api', count: 100 }]);
    expect(s.intrinsics['instrumentation:name']).toEqual([{ type: 'string', value: 'lib', count: 1000 }]);
    expect(JSON.stringify(s).length).toBeLessThan(20_000);
  });
});

describe('tags written with a block', () => {
  it('count what TagsBuilder counts span by span (the writer tallies per row group by dictionary code)', async () => {
    const bounds = { topValues: 100_000 };
    for (const traces of [conformanceTraces({ traces: 60 }), generateRealisticTraces({ traces: 300, seed: 8 })]) {
      const { store, meta } = await writeTestBlock('sb1', traces, { rowGroupSpans: 200, tags: bounds });
      const direct = new TagsBuilder(bounds);
      for (const t of traces) direct.addTrace(t);
      expect(await openBlock(store, meta).tags()).toEqual(direct.summary());
    }
  });
});
