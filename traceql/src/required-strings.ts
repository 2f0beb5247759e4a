// Strings a span must hold to matter to a request: storage that keeps spans as encoded bytes
// (the ingester's live data) can rule a trace out with a byte search before decoding it. String
// equality is what needle searches ask, a string equals only strings (and string array elements),
// and every field below holds its string as written: attributes, names, status messages, trace
// state, event names, the instrumentation scope and the root span's name and service.
import type { Intrinsic } from './ast.ts';
import type { Condition, FetchSpansRequest } from './storage.ts';

/** What `requiredStrings` found: the exact values a span that matters has in some field. */
export interface RequiredStrings {
  /** True: every value is held by each span that matters (or its trace, for root fields); false: at least one. */
  readonly every: boolean;
  /** The values (no duplicates). */
  readonly values: readonly string[];
}

/** Intrinsics whose string value is a field of the span, its resource, scope, or its trace's root as written. */
const VERBATIM: ReadonlySet<Intrinsic> = new Set<Intrinsic>(['name', 'statusMessage', 'span:traceState', 'event:name', 'instrumentation:name', 'instrumentation:version', 'rootName', 'rootServiceName']);

/** The operand of a string equality on a verbatim field; undefined for any other condition. */
function verbatimValue(c: Condition): string | undefined {
  const operand = c.operands[0];
  if (c.op !== '=' || c.operands.length !== 1 || operand?.type !== 'string') return undefined;
  if (c.field.kind === 'attribute' || (c.field.kind === 'intrinsic' && VERBATIM.has(c.field.name))) return operand.value;
  return undefined;
}

/**
 * The strings a span (with its resource, scope and trace) must hold for the request to keep it;
 * undefined when the request's conditions do not pin any (a disjunction needs every branch to).
 * Ids are left out: queries spell them in hex, storage holds their bytes.
 */
export function requiredStrings(request: Pick<FetchSpansRequest, 'conditions' | 'allConditions'>): RequiredStrings | undefined {
  const values = request.conditions.map(verbatimValue);
  if (request.allConditions) {
    const pinned = [...new Set(values.filter((v): v is string => v !== undefined))];
    return pinned.length > 0 ? { every: true, values: pinned } : undefined;
  }
  if (values.length === 0 || values.some((v) => v === undefined)) return undefined;
  return { every: false, values: [...new Set(values as string[])] };
}
