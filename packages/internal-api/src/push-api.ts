// Distributor → ingester: spans the distributor accepted (validated, truncated, in its rate limit),
// as the OTLP ExportTraceServiceRequest bytes of one ingester's share of a request.
//
//   service spanbase.internal.v1.Push { rpc Push(PushRequest) returns (PushResponse); }
//   message PushRequest  { bytes otlp = 1; }
//   message PushResponse { uint64 accepted = 1; }
import { RpcMalformed } from './errors.ts';
import { method } from './rpc/service.ts';
import type { Service } from './rpc/service.ts';
import { WireType, decodeMessage, encodeMessage, readCount, writeCount } from './wire/proto.ts';
import { ProtoReader, ProtoWriter } from './wire/proto.ts';

/** Spans for one ingester. */
export interface PushRequest {
  /** An OTLP ExportTraceServiceRequest (protobuf). */
  otlp: Uint8Array;
}

/** What the ingester made durable. */
export interface PushResponse {
  /** Spans accepted. */
  accepted: number;
}

/** The request's bytes: the tag and length, then the OTLP bytes, copied once. */
function encodePush(req: PushRequest): Uint8Array {
  const head = new ProtoWriter(16);
  head.tag(1, WireType.LEN);
  head.uint32(req.otlp.byteLength);
  const prefix = head.result();
  const out = new Uint8Array(prefix.byteLength + req.otlp.byteLength);
  out.set(prefix, 0);
  out.set(req.otlp, prefix.byteLength);
  return out;
}

/** The OTLP bytes of a request, as a view (not a copy). */
function decodePush(bytes: Uint8Array): PushRequest {
  const r = new ProtoReader(bytes);
  let otlp: Uint8Array | undefined;
  while (r.pos < r.end) {
    const tag = r.tag();
    if (tag >>> 3 !== 1) {
      r.skip(tag);
      continue;
    }
    const len = r.length();
    otlp = bytes.subarray(r.pos, r.pos + len);
    r.pos += len;
  }
  if (!otlp) throw RpcMalformed('a push without spans');
  return { otlp };
}

/** The push service. */
export const PushService = {
  name: 'spanbase.internal.v1.Push',
  methods: {
    Push: method<PushRequest, PushResponse>('Push', {
      encodeRequest: encodePush,
      decodeRequest: decodePush,
      encodeResponse: (res) => encodeMessage((w) => writeCount(w, 1, res.accepted), 16),
      decodeResponse: (b) => decodeMessage(b, { accepted: 0 }, (r, no, _t, o) => (no === 1 ? ((o.accepted = readCount(r)), true) : false)),
    }),
  },
} as const satisfies Service;
