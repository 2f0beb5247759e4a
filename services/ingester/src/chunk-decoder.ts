// The spans of one accepted request, read where they are: each resource and scope decoded once
// and shared by all the request's spans (and, through SharedDecodes, by every request with the
// same bytes), spans handed out as byte ranges (EncodedSpan, for the block writer) or decoded
// (SpanRecord, for queries over live data).
import type { EncodedSpan } from '@spanbase/block';
import type { Resource, Scope, SpanRecord } from '@spanbase/model';
import { LazySpanDecoder, MessageDecoder } from '@spanbase/otlp';
import type { ScannedRequest } from '@spanbase/otlp';

const EMPTY_RESOURCE: Resource = Object.freeze({ attributes: Object.freeze([]), droppedAttributesCount: 0 });
const EMPTY_SCOPE: Scope = Object.freeze({ name: '', version: '', attributes: Object.freeze([]), droppedAttributesCount: 0 });
const utf8 = new TextDecoder();

/**
 * Resources and scopes by their bytes, across the requests of a batch: an SDK sends the same
 * resource in every request, and one object per distinct resource lets the writer convert each
 * once per block.
 */
/** Resources and scopes decoded once per distinct bytes, across the requests of a batch. */
export class SharedDecodes {
  private readonly resources = new Map<string, Resource>();
  private readonly scopes = new Map<string, Scope>();

  resource(bytes: Uint8Array, offset: number, length: number, decode: () => Resource): Resource {
    return shared(this.resources, bytes, offset, length, decode);
  }

  scope(bytes: Uint8Array, offset: number, length: number, decode: () => Scope): Scope {
    return shared(this.scopes, bytes, offset, length, decode);
  }
}

function shared<T>(map: Map<string, T>, bytes: Uint8Array, offset: number, length: number, decode: () => T): T {
  const key = Buffer.from(bytes.buffer, bytes.byteOffset + offset, length).toString('latin1');
  let v = map.get(key);
  if (v === undefined) map.set(key, (v = decode()));
  return v;
}

/** The spans of one scanned request as encoded spans, each resource and scope decoded once. */
export class ChunkDecoder {
  private readonly scan: ScannedRequest;
  private readonly shared: SharedDecodes;
  private readonly decoder: MessageDecoder;
  private lazyDecoder: LazySpanDecoder | undefined;
  private readonly resources: (Resource | undefined)[];
  private readonly resourceUrls: (string | undefined)[];
  private readonly scopes: (Scope | undefined)[];
  private readonly scopeUrls: (string | undefined)[];

  constructor(scan: ScannedRequest, shared: SharedDecodes = new SharedDecodes()) {
    this.scan = scan;
    this.shared = shared;
    this.decoder = new MessageDecoder(scan.bytes);
    this.resources = new Array(scan.resourceCount);
    this.resourceUrls = new Array(scan.resourceCount);
    this.scopes = new Array(scan.scopeCount);
    this.scopeUrls = new Array(scan.scopeCount);
  }

  private text(offset: number, length: number): string {
    return offset < 0 ? '' : utf8.decode(this.scan.bytes.subarray(offset, offset + length));
  }

  /** Span `i` of the request with its resource and scope. */
  span(i: number): EncodedSpan {
    const s = this.scan;
    const sc = s.spanScope[i];
    const r = s.scopeResource[sc];
    let resource = this.resources[r];
    if (!resource) {
      const [at, len] = [s.resourceMsgOffset[r], s.resourceMsgLength[r]];
      resource = this.resources[r] = at < 0 ? EMPTY_RESOURCE : this.shared.resource(s.bytes, at, len, () => this.decoder.resource(at, len));
      this.resourceUrls[r] = this.text(s.resourceSchemaUrlOffset[r], s.resourceSchemaUrlLength[r]);
    }
    let scope = this.scopes[sc];
    if (!scope) {
      const [at, len] = [s.scopeMsgOffset[sc], s.scopeMsgLength[sc]];
      scope = this.scopes[sc] = at < 0 ? EMPTY_SCOPE : this.shared.scope(s.bytes, at, len, () => this.decoder.scope(at, len));
      this.scopeUrls[sc] = this.text(s.scopeSchemaUrlOffset[sc], s.scopeSchemaUrlLength[sc]);
    }
    return { bytes: s.bytes, offset: s.spanOffset[i], length: s.spanLength[i], resource, resourceSchemaUrl: this.resourceUrls[r]!, scope, scopeSchemaUrl: this.scopeUrls[sc]! };
  }

  /**
   * Span `i` of the request decoded, with its resource and scope. `lazy`: its attributes, events
   * and links are decoded when first read (see LazySpanDecoder), for records read on this thread only.
   */
  record(i: number, lazy = false): SpanRecord {
    const e = this.span(i);
    const span = lazy ? (this.lazyDecoder ??= new LazySpanDecoder(this.scan.bytes)).span(e.offset, e.length) : this.decoder.span(e.offset, e.length);
    return { span, resource: e.resource, resourceSchemaUrl: e.resourceSchemaUrl, scope: e.scope, scopeSchemaUrl: e.scopeSchemaUrl };
  }
}

