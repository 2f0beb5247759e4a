// A scanned request moved into shared memory: one SharedArrayBuffer holds the request's bytes
// and its index arrays (cut to their length; the scanner's arrays have spare capacity). Handing
// it to a worker thread (live queries, block writing) then shares it instead of copying it, so
// the ingester holds each accepted request once however many threads read it. A request whose
// bytes were received into shared memory keeps them where they are (see the OTLP/HTTP receiver):
// only the index arrays are moved, and the body is allocated and copied once instead of twice.
import type { ScannedRequest } from './scan.ts';

type ArrayKey = {
  [K in keyof ScannedRequest]: ScannedRequest[K] extends Uint32Array | Int32Array | Float64Array ? K : never;
}[keyof ScannedRequest];

const ARRAYS: readonly ArrayKey[] = [
  'spanOffset', 'spanLength', 'traceIdOffset', 'spanIdOffset', 'startTimeUnixNano', 'endTimeUnixNano', 'spanScope',
  'scopeResource', 'scopeMsgOffset', 'scopeMsgLength', 'scopeSchemaUrlOffset', 'scopeSchemaUrlLength',
  'resourceMsgOffset', 'resourceMsgLength', 'resourceSchemaUrlOffset', 'resourceSchemaUrlLength',
];

const align8 = (n: number) => (n + 7) & ~7;

/** True when the request already lives in shared memory. */
export function isSharedScan(scan: ScannedRequest): boolean {
  return scan.bytes.buffer instanceof SharedArrayBuffer && scan.spanOffset.buffer instanceof SharedArrayBuffer;
}

/**
 * The same request with its bytes and arrays in shared memory (returned as is when already
 * shared): one SharedArrayBuffer for all, or, when the bytes already are in one, a second for
 * the arrays.
 */
export function shareScan(scan: ScannedRequest): ScannedRequest {
  if (isSharedScan(scan)) return scan;
  const keepBytes = scan.bytes.buffer instanceof SharedArrayBuffer;
  let size = keepBytes ? 0 : align8(scan.bytes.byteLength);
  for (const k of ARRAYS) size += align8(scan[k].byteLength);
  const sab = new SharedArrayBuffer(size);
  let bytes = scan.bytes;
  if (!keepBytes) {
    bytes = new Uint8Array(sab, 0, scan.bytes.byteLength);
    bytes.set(scan.bytes);
  }
  const out: ScannedRequest = { ...scan, bytes };
  let at = keepBytes ? 0 : align8(scan.bytes.byteLength);
  for (const k of ARRAYS) {
    const src = scan[k];
    const view = new (src.constructor as new (b: SharedArrayBuffer, offset: number, length: number) => typeof src)(sab, at, src.length);
    view.set(src as never);
    (out as unknown as Record<string, unknown>)[k] = view;
    at += align8(src.byteLength);
  }
  return out;
}
