// Builds an ExportTraceServiceRequest from message bodies sliced out of scanned requests: the
// ingester's way to make one payload per trace without re-encoding spans. Sizes are computed
// first, so the output is written once into a buffer of the exact size.

/** One ScopeSpans to assemble. */
export interface AssembleScope {
  /** InstrumentationScope message body; absent means no scope (an empty array means an empty one). */
  scope?: Uint8Array;
  /** ScopeSpans schema URL as UTF-8; absent or empty means none. */
  scopeSchemaUrl?: Uint8Array;
  /** Span message bodies. */
  spans: readonly Uint8Array[];
}

/** One ResourceSpans to assemble. */
export interface AssembleGroup {
  /** Resource message body; absent means no resource. */
  resource?: Uint8Array;
  /** ResourceSpans schema URL as UTF-8; absent or empty means none. */
  resourceSchemaUrl?: Uint8Array;
  /** Its ScopeSpans. */
  scopes: readonly AssembleScope[];
}

/** Assembles an ExportTraceServiceRequest (same wire form as TracesData) from message bodies. */
export function assembleExportRequest(groups: readonly AssembleGroup[]): Uint8Array {
  const groupSizes: number[] = [];
  const scopeSizes: number[] = [];
  let total = 0;
  for (const g of groups) {
    let size = optionalField(g.resource, true) + optionalField(g.resourceSchemaUrl, false);
    for (const s of g.scopes) {
      let scopeSize = optionalField(s.scope, true) + optionalField(s.scopeSchemaUrl, false);
      for (const span of s.spans) scopeSize += fieldSize(span.length);
      scopeSizes.push(scopeSize);
      size += fieldSize(scopeSize);
    }
    groupSizes.push(size);
    total += fieldSize(size);
  }
  const out = new Uint8Array(total);
  let pos = 0;
  const header = (field: number, len: number): void => {
    out[pos++] = (field << 3) | 2;
    for (; len >= 0x80; len >>>= 7) out[pos++] = (len & 0x7f) | 0x80;
    out[pos++] = len;
  };
  const body = (field: number, bytes: Uint8Array): void => {
    header(field, bytes.length);
    out.set(bytes, pos);
    pos += bytes.length;
  };
  let si = 0;
  for (let gi = 0; gi < groups.length; gi++) {
    const g = groups[gi];
    header(1, groupSizes[gi]);
    if (g.resource !== undefined) body(1, g.resource);
    for (const s of g.scopes) {
      header(2, scopeSizes[si++]);
      if (s.scope !== undefined) body(1, s.scope);
      for (const span of s.spans) body(2, span);
      if (s.scopeSchemaUrl !== undefined && s.scopeSchemaUrl.length > 0) body(3, s.scopeSchemaUrl);
    }
    if (g.resourceSchemaUrl !== undefined && g.resourceSchemaUrl.length > 0) body(3, g.resourceSchemaUrl);
  }
  return out;
}

/** Wire size of a length-delimited field (tag below 16: one byte) holding `len` bytes. */
function fieldSize(len: number): number {
  let n = 2;
  for (let v = len >>> 7; v > 0; v >>>= 7) n++;
  return n + len;
}

function optionalField(bytes: Uint8Array | undefined, keepEmpty: boolean): number {
  if (bytes === undefined || (!keepEmpty && bytes.length === 0)) return 0;
  return fieldSize(bytes.length);
}
