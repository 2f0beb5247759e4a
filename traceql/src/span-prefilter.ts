// What a span must have to matter to a request, in terms storage can check before decoding it:
// exact strings its fields hold, and bounds on its duration. The ingester's live data keeps spans
// as encoded requests with each span's start and end beside them, so it can rule a trace out with
// a byte search and a look at those times instead of decoding it.
//
// Strings: string equality is what needle searches ask, a string equals only strings (and string
// array elements), and every field below holds its string as written: attributes, names, status
// messages, trace state, event names, the instrumentation scope and the root span's name and
// service. Ids are left out: queries spell them in hex, storage holds their bytes.
import type { Intrinsic } from './ast.ts';
import type { Condition, FetchSpansRequest } from './storage.ts';

/** One thing a span that matters has. */
export type SpanTest =
  /** A field (of the span, its resource, scope or trace root) whose value is exactly this string. */
  | { readonly kind: 'string'; readonly value: string }
  /** A duration (end minus start, ns) that compares so with `nanos`. */
  | { readonly kind: 'duration'; readonly op: '=' | '<' | '<=' | '>' | '>='; readonly nanos: bigint };

/** What `spanTests` found. */
export interface SpanTests {
  /** True: each span that matters (or its trace, for root fields) passes every test; false: at least one. */
  readonly every: boolean;
  /** The tests. */
  readonly tests: readonly SpanTest[];
}

/** Intrinsics whose string value is a field of the span, its resource, scope, or its trace's root as written. */
const VERBATIM: ReadonlySet<Intrinsic> = new Set<Intrinsic>(['name', 'statusMessage', 'span:traceState', 'event:name', 'instrumentation:name', 'instrumentation:version', 'rootName', 'rootServiceName']);

const DURATION_OPS = new Set(['=', '<', '<=', '>', '>=']);

/** The test a condition amounts to; undefined when it is none of the above. */
function testOf(c: Condition): SpanTest | undefined {
  const operand = c.operands[0];
  if (c.operands.length !== 1 || !operand) return undefined;
  if (c.op === '=' && operand.type === 'string') {
    if (c.field.kind === 'attribute' || (c.field.kind === 'intrinsic' && VERBATIM.has(c.field.name))) return { kind: 'string', value: operand.value };
  }
  if (c.field.kind === 'intrinsic' && c.field.name === 'duration' && DURATION_OPS.has(c.op) && (operand.type === 'duration' || operand.type === 'int')) {
    return { kind: 'duration', op: c.op as Extract<SpanTest, { kind: 'duration' }>['op'], nanos: operand.value };
  }
  return undefined;
}

/**
 * The tests a span must pass for the request to keep it; undefined when its conditions give none
 * (a disjunction needs every branch to give one).
 */
export function spanTests(request: Pick<FetchSpansRequest, 'conditions' | 'allConditions'>): SpanTests | undefined {
  const tests = request.conditions.map(testOf);
  if (request.allConditions) {
    const some = tests.filter((t): t is SpanTest => t !== undefined);
    return some.length > 0 ? { every: true, tests: some } : undefined;
  }
  if (tests.length === 0 || tests.some((t) => t === undefined)) return undefined;
  return { every: false, tests: tests as SpanTest[] };
}
