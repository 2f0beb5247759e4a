import { flattenTracesData } from '@spanbase/model';
import { describe, expect, it } from 'vitest';
import { decodeExportRequest, MessageDecoder } from './proto-decode.ts';
import { encodeTracesData } from './proto-encode.ts';
import { scanExportRequest } from './scan.ts';
import { makeTracesData } from './test-data.ts';

describe('MessageDecoder', () => {
  it('decodes spans, resources and scopes by the byte ranges a scan records, as the full decoder does', () => {
    const data = makeTracesData();
    const scan = scanExportRequest(encodeTracesData(data));
    const want = flattenTracesData(decodeExportRequest(scan.bytes));
    const d = new MessageDecoder(scan.bytes);
    expect(scan.spanCount).toBe(want.length);
    for (let i = 0; i < scan.spanCount; i++) {
      expect(d.span(scan.spanOffset[i], scan.spanLength[i])).toEqual(want[i].span);
      const sc = scan.spanScope[i];
      const r = scan.scopeResource[sc];
      if (scan.resourceMsgOffset[r] >= 0) expect(d.resource(scan.resourceMsgOffset[r], scan.resourceMsgLength[r])).toEqual(want[i].resource);
      if (scan.scopeMsgOffset[sc] >= 0) expect(d.scope(scan.scopeMsgOffset[sc], scan.scopeMsgLength[sc])).toEqual(want[i].scope);
    }
  });
});
