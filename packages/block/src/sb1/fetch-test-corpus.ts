// Test data for the fetchers' differential tests: traces that put values in every place an sb1
// block keeps them (dedicated columns, and the same keys with other types in the generic lists;
// every attribute type, arrays included; resources with and without service.name; events;
// links; missing parents; traces without a root), and queries over them that cover every
// operator family, scope, intrinsic, aggregate and structural operator. Keys are unique within
// each attribute list (OTLP requires it), trace starts are distinct, span ids random.
import type { AnyValue, KeyValue, Resource, Scope, Span, SpanRecord } from '@spanbase/model';
import { av, compareIds } from '@spanbase/model';
import { Rng } from '../testing/random.ts';

const BASE = 1_767_225_600_000_000_000n;
/** Start of the generated data, unix ns. */
export const CORPUS_START = BASE;
/** The data spans ten minutes. */
export const CORPUS_END = BASE + 600_000_000_000n;

function scalar(rng: Rng): AnyValue {
  switch (rng.int(6)) {
    case 0:
      return av.int(rng.int(6) - 1);
    case 1:
      return av.double(rng.int(9) / 2);
    case 2:
      return av.string(rng.pick(['x', 'y', 'z', '']));
    case 3:
      return av.bool(rng.chance(0.5));
    case 4:
      return av.array(Array.from({ length: rng.int(3) }, () => (rng.chance(0.5) ? av.string(rng.pick(['x', 'y'])) : av.int(rng.int(4)))));
    default:
      return rng.pick([av.bytes(new Uint8Array([1, 2])), av.kvlist([{ key: 'k', value: av.string('x') }]), av.empty(), av.double(Number.NaN)]);
  }
}

function attrs(rng: Rng, keys: readonly string[], p: number): KeyValue[] {
  return keys.filter(() => rng.chance(p)).map((key) => ({ key, value: scalar(rng) }));
}

function resources(rng: Rng): Resource[] {
  const out: Resource[] = [];
  for (const [i, name] of ['frontend', 'cart', 'checkout', 'payment', 'db'].entries()) {
    for (let pod = 0; pod < 2; pod++) {
      const a: KeyValue[] = [{ key: 'service.name', value: av.string(name) }];
      if (i % 2 === 0) a.push({ key: 'deployment.environment', value: av.string(pod === 0 ? 'prod' : 'staging') });
      a.push({ key: 'service.version', value: i === 3 ? av.int(3) : av.string(`1.${i}`) }); // an int where the dedicated column holds strings
      a.push({ key: 'host.name', value: av.string(`host-${i}-${pod}`) }, { key: 'process.pid', value: av.int(100 + i * 10 + pod) });
      a.push(...attrs(rng, ['a', 'b', 'c'], 0.4));
      out.push({ attributes: a, droppedAttributesCount: 0 });
    }
  }
  out.push({ attributes: [{ key: 'service.name', value: av.int(7) }, { key: 'a', value: av.string('x') }], droppedAttributesCount: 0 });
  out.push({ attributes: [{ key: 'telemetry.sdk.language', value: av.string('go') }], droppedAttributesCount: 0 });
  out.push({ attributes: [{ key: 'service.name', value: av.array([av.string('arr'), av.string('x')]) }], droppedAttributesCount: 0 });
  out.push({ attributes: [{ key: 'service.name', value: av.string('') }], droppedAttributesCount: 0 });
  return out;
}

const SCOPES: Scope[] = [
  { name: 'io.opentelemetry.http', version: '1.2.0', attributes: [{ key: 'a', value: av.string('x') }, { key: 'lib.tier', value: av.int(2) }], droppedAttributesCount: 0 },
  { name: '', version: '', attributes: [], droppedAttributesCount: 0 },
  { name: 'db-driver', version: '', attributes: [{ key: 'b', value: av.bool(true) }], droppedAttributesCount: 0 },
];

const NAMES = ['GET /', 'GET /cart', 'POST /checkout', 'SELECT', 'charge', ''];
const ROUTES = ['/', '/cart', '/checkout', '/y'];

function spanAttrs(rng: Rng): KeyValue[] {
  const a: KeyValue[] = [];
  if (rng.chance(0.6)) a.push({ key: 'http.method', value: av.string(rng.pick(['GET', 'POST'])) });
  if (rng.chance(0.5)) a.push({ key: 'http.route', value: rng.chance(0.85) ? av.string(rng.pick(ROUTES)) : rng.chance(0.5) ? av.int(5) : av.array([av.string('/y'), av.string('/z')]) });
  if (rng.chance(0.5)) a.push({ key: 'http.status_code', value: rng.chance(0.8) ? av.int(rng.pick([200, 404, 500])) : av.string('500') });
  if (rng.chance(0.2)) a.push({ key: 'db.system', value: rng.chance(0.8) ? av.string('postgresql') : av.bool(true) });
  a.push(...attrs(rng, ['a', 'b', 'c', 'd'], 0.45));
  if (rng.chance(0.3)) a.push({ key: 'num', value: rng.chance(0.5) ? av.int(rng.int(1000)) : av.double(rng.next() * 1000) });
  return a;
}

function span(rng: Rng, traceId: Uint8Array, parent: Uint8Array, start: bigint, dur: bigint): Span {
  const events = Array.from({ length: rng.chance(0.3) ? 1 + rng.int(2) : 0 }, (_, i) => ({
    timeUnixNano: start + BigInt(rng.int(1000)) * BigInt(i + 1),
    name: rng.pick(['exception', 'retry', '']),
    attributes: attrs(rng, ['a', 'e'], 0.5),
    droppedAttributesCount: 0,
  }));
  const links = Array.from({ length: rng.chance(0.15) ? 1 + rng.int(2) : 0 }, () => {
    const tid = rng.bytes(16);
    if (rng.chance(0.3)) tid.fill(0, 0, 4); // leading zeros, trimmed in search ids
    return { traceId: tid, spanId: rng.bytes(8), traceState: '', attributes: attrs(rng, ['a', 'l'], 0.5), droppedAttributesCount: 0, flags: 0 };
  });
  const code = rng.pick([0, 0, 0, 1, 2] as const);
  return {
    traceId, spanId: rng.bytes(8), parentSpanId: parent, traceState: '', flags: 1,
    name: rng.pick(NAMES), kind: rng.pick([0, 1, 2, 3, 4, 5] as const),
    startTimeUnixNano: start, endTimeUnixNano: start + dur,
    attributes: spanAttrs(rng), droppedAttributesCount: 0, events, droppedEventsCount: 0, links, droppedLinksCount: 0,
    status: { code, message: code === 2 ? rng.pick(['boom', 'timeout', '']) : '' },
  };
}

/** `traces` generated traces in ascending trace-id order. */
export function corpusTraces(seed: number, traces: number): SpanRecord[][] {
  const rng = new Rng(seed);
  const rs = resources(rng);
  const out: SpanRecord[][] = [];
  for (let t = 0; t < traces; t++) {
    const traceId = rng.bytes(16);
    if (t % 7 === 0) traceId.fill(0, 0, 3);
    // Distinct starts: the engine orders results by start, and ties would depend on fetch order.
    const start = BASE + BigInt(t) * 600_000_000_000n / BigInt(traces) + BigInt(rng.int(1000));
    const n = t % 13 === 0 ? 40 + rng.int(40) : 1 + rng.int(12);
    const records: SpanRecord[] = [];
    const noRoot = t % 11 === 5;
    for (let i = 0; i < n; i++) {
      let parent: Uint8Array = new Uint8Array(0);
      if (i > 0 || noRoot) parent = i > 0 && !rng.chance(0.1) ? records[rng.int(i)].span.spanId : rng.bytes(8);
      if (i === 0 && !noRoot && t % 5 === 2) parent = new Uint8Array(8); // all-zero parent: a root too
      const s = start + BigInt(i === 0 ? 0 : rng.int(50_000_000));
      // Some durations sit exactly on the queries' bounds, so `>` and `>=` differ.
      const dur = rng.chance(0.1) ? rng.pick([0n, 5_000_000n, 40_000_000n, 100_000_000n, 1_000_000_000n]) : BigInt(Math.round(rng.logNormal(i === 0 ? 200e6 : 20e6, 1.5)));
      records.push({
        span: span(rng, traceId, parent, s, dur),
        resource: rng.pick(rs),
        resourceSchemaUrl: '',
        scope: rng.pick(SCOPES),
        scopeSchemaUrl: '',
      });
    }
    out.push(records);
  }
  return out.sort((a, b) => compareIds(a[0].span.traceId, b[0].span.traceId));
}

const ATOMS = [
  // attributes by scope, every operator family, nil tests, bare booleans
  '.a = "x"', '.a != "x"', '.a = 1', '.a > 0', '.a <= 1.5', '.a =~ "x|y"', '.a !~ "z"', '.a = nil', '.a != nil', '.a', '.a = true',
  'span.a = "x"', 'span.b != 2', 'span.c >= 1', 'span.d =~ ".*"', 'span.a = nil', 'span.b != nil', 'span.c = false',
  'resource.a = "x"', 'resource.b > 1', 'resource.c != nil', 'resource.a =~ "[xy]"', 'resource.host.name = "host-1-0"', 'resource.process.pid > 120',
  'resource.service.name = "cart"', 'resource.service.name != "cart"', 'resource.service.name =~ "c.*"', 'resource.service.name = nil', 'resource.service.name = 7', 'resource.service.name = "x"', '.service.name = "frontend"', 'resource.service.name = ""',
  'resource.deployment.environment = "prod"', 'resource.service.version = "1.2"', 'resource.service.version = 3', 'resource.service.version != nil',
  'span.http.route = "/y"', '.http.route = "/cart"', 'span.http.route = 5', 'span.http.route != "/"', 'span.http.route =~ "/c.*"', '.http.route = nil',
  'span.http.status_code = 500', 'span.http.status_code = "500"', 'span.http.status_code >= 400', '.http.status_code != 200', 'span.http.method = "GET"', 'span.db.system = true', 'span.db.system = "postgresql"',
  'span.num > 500', 'span.num < 100.5', '.num = nil', '.num * 2 > 600', '.num + 1 < 50', '-.num < -900',
  'event.a = "x"', 'event.e != nil', 'event.a = 1', 'link.a = "y"', 'link.l != nil', 'instrumentation.a = "x"', 'instrumentation.lib.tier = 2', 'instrumentation.b = true',
  'event.e = nil', 'link.a = nil',
  // intrinsics
  'name = "GET /"', 'name != "SELECT"', 'name =~ "GET.*"', 'name = ""', 'name > "G"', 'status = error', 'status != ok', 'status = unset', 'status = 0', 'statusMessage = "boom"', 'statusMessage != ""',
  'kind = server', 'kind != client', 'kind = unspecified', 'duration > 100ms', 'duration < 5ms', 'duration >= 1s', 'duration = 0', 'duration > 2 * 20ms',
  'span:childCount > 1', 'span:childCount = 0', 'span:parentID = nil', 'span:parentID != nil', 'nestedSetParent = -1', 'nestedSetLeft > 3', 'nestedSetRight < 5', 'nestedSetLeft = 0',
  'traceDuration > 250ms', 'traceDuration < 100ms', 'rootName = "GET /"', 'rootName != "charge"', 'rootName = nil', 'rootServiceName = "frontend"', 'rootServiceName = nil', 'rootServiceName = ""', 'rootServiceName =~ "c.*"',
  'event:name = "exception"', 'event:name != "retry"', 'event:timeSinceStart > 500ns', 'link:traceID != nil', 'link:spanID = nil',
  'instrumentation:name = "db-driver"', 'instrumentation:name = nil', 'instrumentation:version = "1.2.0"',
  // fields against fields
  '.a = .b', 'span.num > span.a', 'duration > traceDuration / 2', 'true', 'false',
];
const SPANSET_OPS = ['&&', '||', '>', '>>', '<', '<<', '~', '&>', '&>>', '&<', '&<<', '&~', '!>', '!>>', '!<', '!<<', '!~'];
const STAGES = [
  'count() > 1', 'count() = 1', 'avg(duration) > 20ms', 'max(duration) >= 100ms', 'min(span.num) < 100', 'sum(span.num) > 300',
  'by(resource.service.name)', 'by(span.http.route)', 'by(.a)', 'by(status)', 'select(span.a, resource.service.name, name)', 'select(event:name, link:spanID)',
  'coalesce()', '{ status != ok }', '{ .a }', '{ kind = server } | count() > 0',
];

function field(rng: Rng, depth: number): string {
  const roll = rng.next();
  if (depth > 1 || roll < 0.5) return rng.pick(ATOMS);
  if (roll < 0.62) return `!(${field(rng, depth + 1)})`;
  return `(${field(rng, depth + 1)} ${rng.pick(['&&', '||'])} ${field(rng, depth + 1)})`;
}

/** `n` random search queries (some may not parse or type-check; callers skip those). */
export function corpusQueries(seed: number, n: number): string[] {
  const rng = new Rng(seed);
  const out: string[] = [];
  // Every atom alone first, so each field and operator is covered whatever the seed.
  for (const a of ATOMS) out.push(`{ ${a} }`);
  while (out.length < n) {
    const filter = () => `{ ${field(rng, 0)} }`;
    let q = filter();
    if (rng.chance(0.4)) q = `${q} ${rng.pick(SPANSET_OPS)} ${filter()}`;
    if (rng.chance(0.1)) q = `(${q}) ${rng.pick(SPANSET_OPS)} ${filter()}`;
    while (rng.chance(0.35)) q += ` | ${rng.pick(STAGES)}`;
    out.push(q);
  }
  return out;
}
