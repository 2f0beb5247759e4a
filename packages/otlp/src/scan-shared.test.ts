import { describe, expect, it } from 'vitest';
import { MessageChannel, receiveMessageOnPort } from 'node:worker_threads';
import { encodeTracesData } from './proto-encode.ts';
import { scanExportRequest } from './scan.ts';
import { isSharedScan, shareScan } from './scan-shared.ts';
import { makeTracesData } from './test-data.ts';

describe('shareScan', () => {
  it('keeps every field and lives in one shared buffer that a port shares instead of copying', () => {
    const scan = scanExportRequest(encodeTracesData(makeTracesData()));
    const shared = shareScan(scan);
    expect(isSharedScan(scan)).toBe(false);
    expect(isSharedScan(shared)).toBe(true);
    for (const [k, v] of Object.entries(scan)) {
      const w = (shared as unknown as Record<string, unknown>)[k];
      if (ArrayBuffer.isView(v)) {
        expect(Array.from(w as ArrayLike<number>), k).toEqual(Array.from(v as unknown as ArrayLike<number>));
        expect((w as Uint8Array).buffer, k).toBe(shared.bytes.buffer);
      } else {
        expect(w, k).toEqual(v);
      }
    }
    expect(shareScan(shared)).toBe(shared);
    const { port1, port2 } = new MessageChannel();
    port1.postMessage(shared);
    const got = receiveMessageOnPort(port2)!.message as typeof shared;
    got.bytes[0] ^= 0xff;
    expect(shared.bytes[0]).toBe(got.bytes[0]);
    port1.close();
  });

  it('keeps bytes received into shared memory where they are and moves only the index arrays', () => {
    const encoded = encodeTracesData(makeTracesData());
    const received = new Uint8Array(new SharedArrayBuffer(encoded.byteLength + 16), 8, encoded.byteLength);
    received.set(encoded);
    const scan = scanExportRequest(received);
    expect(isSharedScan(scan)).toBe(false);
    const shared = shareScan(scan);
    expect(isSharedScan(shared)).toBe(true);
    expect(shared.bytes).toBe(received);
    expect(shared.spanOffset.buffer).toBeInstanceOf(SharedArrayBuffer);
    expect(shared.spanOffset.buffer).not.toBe(received.buffer);
    expect(Array.from(shared.traceIdOffset)).toEqual(Array.from(scan.traceIdOffset));
    expect(Array.from(shared.startTimeUnixNano)).toEqual(Array.from(scan.startTimeUnixNano));
    expect(shared.spanCount).toBe(scan.spanCount);
  });
});
