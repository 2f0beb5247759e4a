// The column path trusts its conditions to say exactly what the filter says. Random filters over
// random spans: the column path (conditions evaluated by storage, nothing re-checked) must count
// exactly what the evaluator counts.
import type { KeyValue, SpanRecord } from '@spanbase/model';
import { av } from '@spanbase/model';
import { describe, expect, it } from 'vitest';
import { MemoryFetcher } from '../memory-fetcher.ts';
import { parse } from '../parse.ts';
import { executeMetrics } from './engine.ts';
import { MemoryColumnFetcher } from './memory-columns.ts';
import { exactConditions } from './pushdown.ts';
import { rng } from './test-fixture.ts';

const pick = <T>(r: () => number, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)];
const T0 = 1_700_000_040_000_000_000n;

function randomValue(r: () => number): KeyValue['value'] {
  switch (Math.floor(r() * 5)) {
    case 0:
      return av.int(Math.floor(r() * 4));
    case 1:
      return av.double(Math.floor(r() * 6) / 2);
    case 2:
      return av.string(pick(r, ['x', 'y', 'xy']));
    case 3:
      return av.bool(r() < 0.5);
    default:
      return av.array([av.string(pick(r, ['x', 'y'])), av.int(Math.floor(r() * 3))]);
  }
}

function randomTraces(r: () => number): SpanRecord[][] {
  const traces: SpanRecord[][] = [];
  for (let t = 0; t < 40; t++) {
    const traceId = new Uint8Array(16);
    traceId[15] = t + 1;
    const n = 1 + Math.floor(r() * 6);
    const resource = { attributes: [{ key: 'service.name', value: av.string(pick(r, ['a', 'b'])) }, ...(r() < 0.5 ? [{ key: 'c', value: randomValue(r) }] : [])], droppedAttributesCount: 0 };
    traces.push(
      Array.from({ length: n }, (_, i): SpanRecord => {
        const spanId = new Uint8Array(8);
        spanId[6] = t + 1;
        spanId[7] = i + 1;
        const parent = i === 0 ? new Uint8Array(0) : Uint8Array.from([0, 0, 0, 0, 0, 0, t + 1, Math.floor(r() * i) + 1]);
        const start = T0 + BigInt(Math.floor(r() * 600_000)) * 1_000_000n;
        const attributes = ['a', 'b', 'c'].filter(() => r() < 0.6).map((key) => ({ key, value: randomValue(r) }));
        return {
          span: {
            traceId, spanId, parentSpanId: parent, traceState: '', flags: 0, name: pick(r, ['GET', 'POST', 'db']), kind: pick(r, [1, 2, 3] as const),
            startTimeUnixNano: start, endTimeUnixNano: start + BigInt(Math.floor(r() * 3000)) * 1_000_000n, attributes, droppedAttributesCount: 0,
            events: [], droppedEventsCount: 0, links: [], droppedLinksCount: 0, status: { code: pick(r, [0, 1, 2] as const), message: '' },
          },
          resource, resourceSchemaUrl: '', scope: { name: '', version: '', attributes: [], droppedAttributesCount: 0 }, scopeSchemaUrl: '',
        };
      }),
    );
  }
  return traces;
}

const FIELDS = ['.a', 'span.b', 'resource.c', '.c', 'name', 'status', 'kind', 'duration', 'rootName', 'span:childCount', 'nestedSetParent', 'resource.service.name'];
const OPS = ['=', '!=', '<', '<=', '>', '>=', '=~', '!~'];
const LITERALS = ['0', '1', '2', '-1', '1.5', '0.5', '"x"', '"y"', '"x.*"', 'true', 'false', 'nil', 'error', 'ok', 'unset', 'server', 'client', '1s', '500ms', '"GET"', '"a"'];

function randomAtom(r: () => number): string {
  const f = pick(r, FIELDS);
  const lit = pick(r, LITERALS);
  return r() < 0.8 ? `${f} ${pick(r, OPS)} ${lit}` : `${lit} ${pick(r, OPS.slice(0, 6))} ${f}`;
}

describe('column-path conditions', () => {
  it('accepts conjunctions of field-literal comparisons only', () => {
    const exact = (q: string) => {
      const { ast } = parse(q);
      return ast && ast.body.kind === 'metricsPipeline' ? exactConditions(ast.body.pipeline) : 'not metrics';
    };
    expect(exact('{} | rate()')).toEqual({ conditions: [], never: false });
    expect(exact('{ .a = 1 && status = error } | rate()')).toMatchObject({ conditions: [{ op: '=' }, { op: '=' }], never: false });
    expect(exact('{ .a = 1 } | { 2 < span.b } | rate()')).toMatchObject({ conditions: [{ op: '=' }, { op: '>' }] });
    expect(exact('{ .a != nil && .b = nil } | rate()')).toMatchObject({ conditions: [{ op: 'exists' }, { op: 'notExists' }] });
    expect(exact('{ false } | rate()')).toMatchObject({ never: true });
    for (const q of ['{ .a = 1 || .b = 2 } | rate()', '{ !(.a = 1) } | rate()', '{ .a } | rate()', '{ .a + 1 = 2 } | rate()', '{ } >> { } | rate()', '{ } | by(.a) | rate()', '{ } | count() > 1 | rate()', '{ "x" =~ .a } | rate()']) {
      expect(exact(q), q).toBeUndefined();
    }
  });

  it('random filters count the same through columns as through the evaluator', async () => {
    const r = rng(42);
    const traces = randomTraces(r);
    const columns = new MemoryColumnFetcher(traces);
    const spansets = new MemoryFetcher(traces);
    const req = { start: T0, end: T0 + 600_000_000_000n, step: 60_000_000_000n, exemplars: 0 };
    let pushed = 0;
    for (let i = 0; i < 1500; i++) {
      const atoms = Array.from({ length: 1 + Math.floor(r() * 3) }, () => randomAtom(r));
      const q = `{ ${atoms.join(' && ')} } | count_over_time() by (${pick(r, ['name', 'status', '.a', 'resource.service.name'])})`;
      const { ast, errors } = parse(q);
      if (!ast || errors.length > 0) continue;
      if (ast.body.kind === 'metricsPipeline' && exactConditions(ast.body.pipeline)) pushed++;
      const viaColumns = await executeMetrics(ast, columns, req);
      const viaSpans = await executeMetrics(ast, spansets, req);
      const plain = (x: typeof viaColumns) => x.series.map((s) => [JSON.stringify(s.labels, (_k, v) => (typeof v === 'bigint' ? `${v}n` : v)), [...s.values]]);
      expect(plain(viaColumns), q).toEqual(plain(viaSpans));
    }
    expect(pushed).toBeGreaterThan(200);
  });
});
