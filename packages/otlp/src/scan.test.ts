import { describe, expect, it } from 'vitest';
import { av, bytesToHex, isSpanbaseError } from '@spanbase/model';
import type { ResourceSpans, Span, TracesData } from '@spanbase/model';
import { assembleExportRequest } from './assemble.ts';
import { OTLP_ERR_BAD_SPAN_ID, OTLP_ERR_BAD_TRACE_ID, OTLP_ERR_MALFORMED } from './errors.ts';
import { decodeExportRequest } from './proto-decode.ts';
import { encodeTracesData } from './proto-encode.ts';
import { ProtoWriter } from './proto-writer.ts';
import { scanExportRequest } from './scan.ts';
import { groupsForSpans } from './scan-subset.ts';
import type { ScannedRequest } from './scan.ts';
import { hex, makeSpan, makeTracesData } from './test-data.ts';

function withSpan(patch: Partial<Span>, at = 0): TracesData {
  const data = makeTracesData();
  const rs = data.resourceSpans[1];
  const spans = rs.scopeSpans[0].spans.map((s, i) => (i === at ? { ...s, ...patch } : s));
  const patched: ResourceSpans = { ...rs, scopeSpans: [{ ...rs.scopeSpans[0], spans }] };
  return { resourceSpans: [data.resourceSpans[0], patched] };
}

function scanError(bytes: Uint8Array): Error {
  try {
    scanExportRequest(bytes);
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected the scan to fail');
}

/** Rebuilds a request from scanned slices of the spans `keep` selects. */
function reassemble(s: ScannedRequest, keep: (span: number) => boolean = () => true): Uint8Array {
  const indexes = Array.from({ length: s.spanCount }, (_, i) => i).filter(keep);
  return assembleExportRequest(groupsForSpans(s, indexes));
}

describe('scanExportRequest columns', () => {
  const data = makeTracesData();
  const bytes = encodeTracesData(data);
  const s = scanExportRequest(bytes);

  it('finds every span, scope and resource', () => {
    expect(s.bytes).toBe(bytes);
    expect(s.spanCount).toBe(4);
    expect(s.scopeCount).toBe(3);
    expect(s.resourceCount).toBe(2);
    expect(Array.from(s.spanScope)).toEqual([0, 0, 1, 2]);
    expect(Array.from(s.scopeResource)).toEqual([0, 0, 1]);
    expect(s.truncatedAttributes).toBe(0);
  });

  it('points at the ids and carries the times as doubles', () => {
    const spans = data.resourceSpans.flatMap((rs) => rs.scopeSpans.flatMap((ss) => ss.spans));
    spans.forEach((span, i) => {
      expect(bytes.subarray(s.traceIdOffset[i], s.traceIdOffset[i] + 16)).toEqual(span.traceId);
      expect(bytes.subarray(s.spanIdOffset[i], s.spanIdOffset[i] + 8)).toEqual(span.spanId);
      expect(s.startTimeUnixNano[i]).toBe(Number(span.startTimeUnixNano));
      expect(s.endTimeUnixNano[i]).toBe(Number(span.endTimeUnixNano));
    });
  });

  it('marks absent resources, scopes and schema URLs with -1', () => {
    expect(s.resourceMsgOffset[1]).toBe(-1);
    expect(s.resourceMsgLength[1]).toBe(-1);
    expect(s.resourceSchemaUrlOffset[1]).toBe(-1);
    expect(s.scopeMsgOffset[1]).toBe(-1);
    expect(s.scopeSchemaUrlOffset[2]).toBe(-1);
    const url = new TextDecoder().decode(bytes.subarray(s.resourceSchemaUrlOffset[0], s.resourceSchemaUrlOffset[0] + s.resourceSchemaUrlLength[0]));
    expect(url).toBe('https://opentelemetry.io/schemas/1.24.0');
  });

  it('scan → groupsForSpans → assemble → decode gives back exactly the input', () => {
    expect(decodeExportRequest(reassemble(s))).toEqual(data);
  });

  it('builds one payload per trace from slices', () => {
    const t1 = hex('11111111111111111111111111111111');
    const t2 = hex('22222222222222222222222222222222');
    const mixed: TracesData = {
      resourceSpans: data.resourceSpans.map((rs) => ({
        ...rs,
        scopeSpans: rs.scopeSpans.map((ss) => ({ ...ss, spans: ss.spans.flatMap((sp, i) => [{ ...sp, traceId: t1 }, { ...sp, traceId: i % 2 ? t1 : t2, spanId: hex('aaaaaaaaaaaaaa0' + i) }]) })),
      })),
    };
    const scanned = scanExportRequest(encodeTracesData(mixed));
    for (const trace of [t1, t2]) {
      const want = bytesToHex(trace);
      const got = decodeExportRequest(reassemble(scanned, (i) => bytesToHex(scanned.bytes.subarray(scanned.traceIdOffset[i], scanned.traceIdOffset[i] + 16)) === want));
      const expected: TracesData = {
        resourceSpans: mixed.resourceSpans
          .map((rs) => ({ ...rs, scopeSpans: rs.scopeSpans.map((ss) => ({ ...ss, spans: ss.spans.filter((sp) => bytesToHex(sp.traceId) === want) })).filter((ss) => ss.spans.length > 0) }))
          .filter((rs) => rs.scopeSpans.length > 0),
      };
      expect(got).toEqual(expected);
    }
  });

  it('grows its columns past the first guess', () => {
    const spans = Array.from({ length: 3000 }, (_, i) => ({ ...makeSpan(i, true), startTimeUnixNano: BigInt(i) }));
    const many: TracesData = { resourceSpans: Array.from({ length: 40 }, (_, r) => ({ resource: undefined, schemaUrl: '', scopeSpans: Array.from({ length: 3 }, (_, c) => ({ scope: undefined, schemaUrl: '', spans: spans.slice((r * 3 + c) * 25, (r * 3 + c + 1) * 25) })) })) };
    const scanned = scanExportRequest(encodeTracesData(many));
    expect(scanned.spanCount).toBe(3000);
    expect(scanned.scopeCount).toBe(120);
    expect(scanned.resourceCount).toBe(40);
    expect(scanned.startTimeUnixNano[2999]).toBe(2999);
    expect(scanned.spanScope[2999]).toBe(119);
    expect(scanned.scopeResource[119]).toBe(39);
  });

  it('scans a view that starts inside a larger buffer, offsets relative to the view', () => {
    const outer = new Uint8Array(bytes.length + 9);
    outer.set(bytes, 5);
    const view = outer.subarray(5, 5 + bytes.length);
    const v = scanExportRequest(view);
    expect(v.bytes).toBe(view);
    expect(Array.from(v.spanOffset)).toEqual(Array.from(s.spanOffset));
    expect(decodeExportRequest(reassemble(v))).toEqual(data);
  });

  it('accepts a span with zero start and end times', () => {
    expect(scanExportRequest(encodeTracesData(withSpan({ startTimeUnixNano: 0n, endTimeUnixNano: 0n }))).spanCount).toBe(4);
  });

  it('accepts a parent span id of eight zero bytes: a root span, as the OpenTelemetry Collector reads it', () => {
    expect(scanExportRequest(encodeTracesData(withSpan({ parentSpanId: new Uint8Array(8) }))).spanCount).toBe(4);
  });
});

describe('scanExportRequest validation', () => {
  const cases: [string, Partial<Span>, typeof OTLP_ERR_MALFORMED, string][] = [
    ['a short trace id', { traceId: hex('0af7651916cd43dd8448eb211c8031') }, OTLP_ERR_BAD_TRACE_ID, 'trace_id: must be 16 bytes, got 15'],
    ['a missing trace id', { traceId: new Uint8Array(0) }, OTLP_ERR_BAD_TRACE_ID, 'trace_id: must be 16 bytes, got 0'],
    ['an all-zero trace id', { traceId: new Uint8Array(16) }, OTLP_ERR_BAD_TRACE_ID, 'trace_id: is all zero'],
    ['a long span id', { spanId: hex('b7ad6b7169203331ff') }, OTLP_ERR_BAD_SPAN_ID, 'span_id: must be 8 bytes, got 9'],
    ['an all-zero span id', { spanId: new Uint8Array(8) }, OTLP_ERR_BAD_SPAN_ID, 'span_id: is all zero'],
    ['a 5-byte parent span id', { parentSpanId: hex('0102030405') }, OTLP_ERR_BAD_SPAN_ID, 'parent_span_id: must be empty or 8 bytes, got 5'],
  ];
  for (const [name, patch, factory, message] of cases) {
    it(`rejects ${name} with its field path`, () => {
      const err = scanError(encodeTracesData(withSpan(patch)));
      expect(isSpanbaseError(err, factory)).toBe(true);
      expect(err.message).toBe(`resource_spans[1].scope_spans[0].spans[0].${message}`);
      expect((err as { statusCode?: number }).statusCode).toBe(400);
    });
  }

  it('names the attribute that is malformed', () => {
    const w = new ProtoWriter();
    w.tag(1, 2); const rs = w.begin();
    w.tag(2, 2); const ss = w.begin();
    w.tag(2, 2); const sp = w.begin();
    w.tag(1, 2); w.bytes(hex('0af7651916cd43dd8448eb211c80319c'));
    w.tag(2, 2); w.bytes(hex('b7ad6b7169203331'));
    w.tag(9, 2); const kv1 = w.begin(); w.tag(1, 2); w.string('ok'); w.finish(kv1);
    w.tag(9, 2); const kv2 = w.begin(); w.tag(1, 0); w.uint32(5); w.finish(kv2); // key as a varint
    w.finish(sp); w.finish(ss); w.finish(rs);
    const err = scanError(w.result());
    expect(isSpanbaseError(err, OTLP_ERR_MALFORMED)).toBe(true);
    expect(err.message).toBe('resource_spans[0].scope_spans[0].spans[0].attributes[1]: key: expected length-delimited, got varint');
    expect(() => decodeExportRequest(w.result())).toThrow('resource_spans[0].scope_spans[0].spans[0].attributes[1]: key: expected length-delimited, got varint');
  });

  it('names a malformed resource attribute', () => {
    const w = new ProtoWriter();
    w.tag(1, 2); const rs = w.begin();
    w.tag(1, 2); const res = w.begin();
    w.tag(1, 2); const kv = w.begin(); w.tag(1, 2); w.string('ok'); w.finish(kv);
    w.tag(1, 2); const bad = w.begin(); w.tag(2, 2); const v = w.begin(); w.tag(4, 1); w.uint32(1); w.finish(v); w.finish(bad); // a 1-byte double
    w.finish(res); w.finish(rs);
    expect(scanError(w.result()).message).toBe('resource_spans[0].resource.attributes[1]: truncated: needs 8 bytes, 1 left');
  });

  it('names a malformed event', () => {
    const bad = { ...makeSpan(1), events: [makeSpan(1).events[0], { timeUnixNano: 1n, name: 'e', attributes: [], droppedAttributesCount: 0 }] };
    const bytes = encodeTracesData(withSpan(bad)).slice();
    // Corrupt the second event's time tag (fixed64, 0x09) into wire type 7.
    const s = scanExportRequest(bytes);
    const body = bytes.subarray(s.spanOffset[3], s.spanOffset[3] + s.spanLength[3]);
    const at = body.lastIndexOf(0x5a); // events tag (11 << 3 | 2)
    body[at + 2] = 0x0f;
    expect(scanError(bytes).message).toMatch(/^resource_spans\[1\]\.scope_spans\[0\]\.spans\[0\]\.events\[1\]\.time_unix_nano: invalid wire type 7/);
  });
});

describe('scanExportRequest truncation', () => {
  const long = 'ab✓'.repeat(10); // 50 bytes; ✓ is 3 bytes
  const data: TracesData = {
    resourceSpans: [{
      resource: { attributes: [{ key: 'svc', value: av.string(long) }], droppedAttributesCount: 0 },
      schemaUrl: '',
      scopeSpans: [{
        scope: { name: 's', version: '', attributes: [{ key: long, value: av.int(1) }], droppedAttributesCount: 0 },
        schemaUrl: '',
        spans: [{
          ...makeSpan(1, true),
          attributes: [
            { key: 'short', value: av.string('fits') },
            { key: 'arr', value: av.array([av.string(long), av.kvlist([{ key: long, value: av.string(long) }])]) },
            { key: 'bytes', value: av.bytes(new Uint8Array(100)) },
          ],
          events: [{ timeUnixNano: 1n, name: long, attributes: [{ key: 'e', value: av.string(long) }], droppedAttributesCount: 0 }],
          links: [{ traceId: hex('0af7651916cd43dd8448eb211c80319c'), spanId: hex('b7ad6b7169203331'), traceState: '', attributes: [{ key: 'l', value: av.string(long) }], droppedAttributesCount: 0, flags: 0 }],
        }],
      }],
    }],
  };
  const bytes = encodeTracesData(data);

  it('leaves the buffer alone when everything fits', () => {
    const s = scanExportRequest(bytes, { maxAttributeBytes: 50 });
    expect(s.bytes).toBe(bytes);
    expect(s.truncatedAttributes).toBe(0);
    expect(scanExportRequest(bytes, { maxAttributeBytes: 0 }).bytes).toBe(bytes);
  });

  it('truncates keys and string values at every level, at character boundaries', () => {
    const s = scanExportRequest(bytes, { maxAttributeBytes: 7 });
    expect(s.truncatedAttributes).toBe(7);
    expect(s.bytes).not.toBe(bytes);
    const back = decodeExportRequest(s.bytes);
    const cut = 'ab✓ab'; // 7 bytes would split the second ✓: cut before it
    const rs = back.resourceSpans[0];
    expect(rs.resource!.attributes[0].value).toEqual(av.string(cut));
    expect(rs.scopeSpans[0].scope!.attributes[0].key).toBe(cut);
    const span = rs.scopeSpans[0].spans[0];
    expect(span.attributes[0].value).toEqual(av.string('fits'));
    expect(span.attributes[1].value).toEqual(av.array([av.string(cut), av.kvlist([{ key: cut, value: av.string(cut) }])]));
    expect(span.attributes[2].value).toEqual(av.bytes(new Uint8Array(100)));
    expect(span.events[0].name).toBe(long); // names are not attributes
    expect(span.events[0].attributes[0].value).toEqual(av.string(cut));
    expect(span.links[0].attributes[0].value).toEqual(av.string(cut));
    // Columns describe the rewritten buffer.
    expect(s.bytes.subarray(s.spanIdOffset[0], s.spanIdOffset[0] + 8)).toEqual(span.spanId);
  });

  it('cuts exactly at the limit when it falls on a boundary', () => {
    const s = scanExportRequest(bytes, { maxAttributeBytes: 5 });
    expect(decodeExportRequest(s.bytes).resourceSpans[0].resource!.attributes[0].value).toEqual(av.string('ab✓'));
  });
});

describe('scanner and decoder agree on malformed input', () => {
  it('never hangs or throws an unnamed error under random byte flips', () => {
    const base = encodeTracesData(makeTracesData());
    let seed = 12345;
    const rand = (n: number) => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % n;
    };
    let scanned = 0;
    for (let round = 0; round < 3000; round++) {
      const bytes = base.slice(0, round % 7 === 0 ? rand(base.length) : base.length);
      for (let k = 0, flips = 1 + rand(4); k < flips && bytes.length > 0; k++) bytes[rand(bytes.length)] = rand(256);
      let scanErr: unknown;
      let result: ScannedRequest | undefined;
      try {
        result = scanExportRequest(bytes, { maxAttributeBytes: round % 2 ? 8 : 0 });
      } catch (e) {
        scanErr = e;
      }
      if (scanErr !== undefined) {
        expect(isSpanbaseError(scanErr), String(scanErr)).toBe(true);
        expect((scanErr as Error).cause).toBeUndefined();
        continue;
      }
      scanned++;
      // What the scanner accepts, the decoder accepts, and the columns stay inside the buffer.
      expect(() => decodeExportRequest(result!.bytes)).not.toThrow();
      for (let i = 0; i < result!.spanCount; i++) expect(result!.spanOffset[i] + result!.spanLength[i]).toBeLessThanOrEqual(result!.bytes.length);
      try {
        decodeExportRequest(bytes);
      } catch (e) {
        expect(isSpanbaseError(e)).toBe(true);
      }
    }
    expect(scanned).toBeGreaterThan(100);
  });
});
