// Attribute truncation on the model: the scanner's slow path. Keys and string values longer than
// the limit (in UTF-8 bytes) are cut at a character boundary, at every level (resource, scope,
// span, event and link attributes, and inside arrays and kvlists), and counted.
import type { AnyValue, KeyValue, ResourceSpans, ScopeSpans, Span, TracesData } from '@spanbase/model';
import { truncateUtf8 } from './utf8.ts';

/** The result of truncating a batch. */
export interface TruncateResult {
  /** The batch with long keys and values cut; unchanged objects are shared with the input. */
  data: TracesData;
  /** How many keys and string values were cut. */
  truncated: number;
}

/** Cuts attribute keys and string values to at most `maxBytes` UTF-8 bytes. */
export function truncateAttributes(data: TracesData, maxBytes: number): TruncateResult {
  const t = new Truncator(maxBytes);
  const resourceSpans = data.resourceSpans.map((rs) => t.resourceSpans(rs));
  return { data: { resourceSpans }, truncated: t.count };
}

class Truncator {
  count = 0;
  private readonly max: number;

  constructor(max: number) {
    this.max = max;
  }

  resourceSpans(rs: ResourceSpans): ResourceSpans {
    const resource = rs.resource && { ...rs.resource, attributes: this.list(rs.resource.attributes) };
    return { ...rs, resource, scopeSpans: rs.scopeSpans.map((ss) => this.scopeSpans(ss)) };
  }

  private scopeSpans(ss: ScopeSpans): ScopeSpans {
    const scope = ss.scope && { ...ss.scope, attributes: this.list(ss.scope.attributes) };
    return { ...ss, scope, spans: ss.spans.map((s) => this.span(s)) };
  }

  private span(s: Span): Span {
    return {
      ...s,
      attributes: this.list(s.attributes),
      events: s.events.map((e) => ({ ...e, attributes: this.list(e.attributes) })),
      links: s.links.map((l) => ({ ...l, attributes: this.list(l.attributes) })),
    };
  }

  private list(kvs: readonly KeyValue[]): KeyValue[] {
    return kvs.map((kv) => ({ key: this.text(kv.key), value: this.value(kv.value) }));
  }

  private value(v: AnyValue): AnyValue {
    switch (v.type) {
      case 'string': {
        const s = this.text(v.value);
        return s === v.value ? v : { type: 'string', value: s };
      }
      case 'array':
        return { type: 'array', value: v.value.map((x) => this.value(x)) };
      case 'kvlist':
        return { type: 'kvlist', value: this.list(v.value) };
      default:
        return v;
    }
  }

  private text(s: string): string {
    const cut = truncateUtf8(s, this.max);
    if (cut !== s) this.count++;
    return cut;
  }
}
