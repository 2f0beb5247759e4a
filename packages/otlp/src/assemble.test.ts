import { describe, expect, it } from 'vitest';
import { av } from '@spanbase/model';
import type { TracesData } from '@spanbase/model';
import { assembleExportRequest } from './assemble.ts';
import { decodeExportRequest } from './proto-decode.ts';
import { encodeTracesData } from './proto-encode.ts';
import { scanExportRequest } from './scan.ts';
import { groupsForSpans } from './scan-subset.ts';
import { makeSpan } from './test-data.ts';

const enc = new TextEncoder();

/** The body of the one span in a request, by scanning it. */
function spanBody(n: number): Uint8Array {
  const bytes = encodeTracesData({ resourceSpans: [{ resource: undefined, schemaUrl: '', scopeSpans: [{ scope: undefined, schemaUrl: '', spans: [makeSpan(n)] }] }] });
  const s = scanExportRequest(bytes);
  return bytes.subarray(s.spanOffset[0], s.spanOffset[0] + s.spanLength[0]);
}

describe('assembleExportRequest', () => {
  it('keeps an empty scope present, leaves out absent parts and empty schema URLs', () => {
    const bytes = assembleExportRequest([
      { scopes: [{ scope: new Uint8Array(0), scopeSchemaUrl: new Uint8Array(0), spans: [spanBody(1)] }] },
      { resourceSchemaUrl: enc.encode('https://example.com/s'), scopes: [{ spans: [spanBody(2), spanBody(3)] }] },
    ]);
    const want: TracesData = {
      resourceSpans: [
        { resource: undefined, schemaUrl: '', scopeSpans: [{ scope: { name: '', version: '', attributes: [], droppedAttributesCount: 0 }, schemaUrl: '', spans: [makeSpan(1)] }] },
        { resource: undefined, schemaUrl: 'https://example.com/s', scopeSpans: [{ scope: undefined, schemaUrl: '', spans: [makeSpan(2), makeSpan(3)] }] },
      ],
    };
    expect(decodeExportRequest(bytes)).toEqual(want);
  });

  it('writes multi-byte length prefixes for large groups', () => {
    const spans = Array.from({ length: 300 }, (_, i) => spanBody(i));
    const resource = encodeTracesData({ resourceSpans: [{ resource: { attributes: [{ key: 'service.name', value: av.string('x'.repeat(300)) }], droppedAttributesCount: 0 }, schemaUrl: '', scopeSpans: [] }] });
    const r = scanExportRequest(resource);
    const bytes = assembleExportRequest([{ resource: resource.subarray(r.resourceMsgOffset[0], r.resourceMsgOffset[0] + r.resourceMsgLength[0]), scopes: [{ spans }] }]);
    const back = decodeExportRequest(bytes);
    expect(back.resourceSpans[0].resource!.attributes[0].value).toEqual(av.string('x'.repeat(300)));
    expect(back.resourceSpans[0].scopeSpans[0].spans).toEqual(spans.map((_, i) => makeSpan(i)));
  });

  it('assembles nothing into an empty request', () => {
    expect(assembleExportRequest([])).toEqual(new Uint8Array(0));
  });
});

describe('groupsForSpans', () => {
  it('groups picked spans under their own resource and scope, in first-seen order', () => {
    const data: TracesData = {
      resourceSpans: [
        { resource: { attributes: [{ key: 'service.name', value: av.string('a') }], droppedAttributesCount: 0 }, schemaUrl: 'ra', scopeSpans: [
          { scope: { name: 's1', version: '', attributes: [], droppedAttributesCount: 0 }, schemaUrl: 'sa', spans: [makeSpan(1), makeSpan(2)] },
          { scope: { name: 's2', version: '', attributes: [], droppedAttributesCount: 0 }, schemaUrl: '', spans: [makeSpan(3)] },
        ] },
        { resource: { attributes: [{ key: 'service.name', value: av.string('b') }], droppedAttributesCount: 0 }, schemaUrl: '', scopeSpans: [
          { scope: undefined, schemaUrl: '', spans: [makeSpan(4)] },
        ] },
      ],
    };
    const s = scanExportRequest(encodeTracesData(data));
    const back = decodeExportRequest(assembleExportRequest(groupsForSpans(s, [3, 2, 0])));
    expect(back).toEqual({
      resourceSpans: [
        { ...data.resourceSpans[1] },
        { ...data.resourceSpans[0], scopeSpans: [data.resourceSpans[0].scopeSpans[1], { ...data.resourceSpans[0].scopeSpans[0], spans: [makeSpan(1)] }] },
      ],
    });
  });
});
