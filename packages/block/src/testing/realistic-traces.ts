// Realistic traces for benchmarks: a small shop of services with the resource attributes an
// OpenTelemetry SDK on Kubernetes sends, HTTP/RPC/DB/messaging spans with semantic-convention
// attributes, high-cardinality ids, occasional errors with exception events and a few links.
// Deterministic for a given seed, so byte counts are comparable run to run.
import type { KeyValue, Resource, Scope, Span, SpanEvent, SpanLink, SpanRecord } from '@spanbase/model';
import { av, compareIds } from '@spanbase/model';
import { Rng } from './random.ts';

/** Options for {@link generateRealisticTraces}. */
export interface RealisticOptions {
  /** Number of traces. */
  traces: number;
  /** PRNG seed; the same seed gives the same traces. */
  seed?: number;
  /** Start of the first trace, unix nanoseconds. */
  startUnixNano?: bigint;
  /** Mean spacing between trace starts, nanoseconds (default 5 ms). */
  spacingNano?: number;
}

interface Service {
  name: string;
  pods: { resource: Resource }[];
  scopes: Scope[];
  ops: string[];
  db?: { system: string; name: string; statements: string[] };
}

const SERVICES: [string, string, string[]][] = [
  ['frontend', 'nodejs', ['GET /', 'GET /product/{id}', 'POST /cart', 'GET /checkout', 'POST /checkout']],
  ['api-gateway', 'go', ['GET /api/products', 'GET /api/products/{id}', 'POST /api/orders', 'GET /api/users/{id}']],
  ['user-service', 'java', ['UserService/GetUser', 'UserService/Authenticate']],
  ['order-service', 'java', ['OrderService/PlaceOrder', 'OrderService/GetOrder']],
  ['payment-service', 'dotnet', ['PaymentService/Charge', 'PaymentService/Refund']],
  ['inventory-service', 'go', ['InventoryService/Reserve', 'InventoryService/Check']],
  ['catalog-service', 'python', ['CatalogService/ListProducts', 'CatalogService/GetProduct']],
  ['shipping-service', 'rust', ['ShippingService/Quote', 'ShippingService/Ship']],
  ['email-service', 'ruby', ['process order.placed', 'send confirmation']],
  ['recommendation-service', 'python', ['RecommendationService/List']],
];

const USER_AGENTS = [
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Safari/537.36',
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_4) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Safari/605.1.15',
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148',
  'okhttp/4.12.0',
];

function hex(rng: Rng, n: number): string {
  let s = '';
  for (let i = 0; i < n; i++) s += '0123456789abcdef'[rng.int(16)];
  return s;
}

function buildServices(rng: Rng): Service[] {
  return SERVICES.map(([name, lang, ops], si) => {
    const pods = Array.from({ length: 3 }, (_, p) => {
      const pod = `${name}-${hex(rng, 9)}-${hex(rng, 5)}`;
      const attributes: KeyValue[] = [
        { key: 'service.name', value: av.string(name) },
        { key: 'service.namespace', value: av.string('shop') },
        { key: 'service.version', value: av.string(`1.${si}.${p + 3}`) },
        { key: 'service.instance.id', value: av.string(`${hex(rng, 8)}-${hex(rng, 4)}-${hex(rng, 4)}-${hex(rng, 4)}-${hex(rng, 12)}`) },
        { key: 'deployment.environment', value: av.string('production') },
        { key: 'host.name', value: av.string(`ip-10-0-${si}-${10 + p}.eu-west-1.compute.internal`) },
        { key: 'k8s.cluster.name', value: av.string('prod-eu-1') },
        { key: 'k8s.namespace.name', value: av.string('shop') },
        { key: 'k8s.pod.name', value: av.string(pod) },
        { key: 'k8s.container.name', value: av.string(name) },
        { key: 'k8s.deployment.name', value: av.string(name) },
        { key: 'cloud.provider', value: av.string('aws') },
        { key: 'cloud.region', value: av.string('eu-west-1') },
        { key: 'telemetry.sdk.name', value: av.string('opentelemetry') },
        { key: 'telemetry.sdk.language', value: av.string(lang) },
        { key: 'telemetry.sdk.version', value: av.string('1.28.0') },
        { key: 'process.pid', value: av.int(1 + rng.int(60000)) },
      ];
      return { resource: { attributes, droppedAttributesCount: 0 } };
    });
    const scope = (n: string, v: string): Scope => ({ name: n, version: v, attributes: [], droppedAttributesCount: 0 });
    const scopes = [scope(`@opentelemetry/instrumentation-${lang === 'nodejs' ? 'http' : 'grpc'}`, '0.52.1'), scope(`io.opentelemetry.${name}`, '2.4.0'), scope('opentelemetry-db', '0.40.0')];
    const db =
      si % 3 === 0
        ? { system: 'redis', name: '0', statements: ['GET', 'SET', 'HGETALL', 'EXPIRE'] }
        : { system: 'postgresql', name: name.replace('-service', ''), statements: [`SELECT * FROM ${name.split('-')[0]}s WHERE id = $1`, `UPDATE ${name.split('-')[0]}s SET updated_at = now() WHERE id = $1`, `INSERT INTO audit_log (actor, action, at) VALUES ($1, $2, $3)`] };
    return { name, pods, scopes, ops, db };
  });
}

/** Generates `traces` realistic traces, each as its span records, sorted by trace id. */
export function generateRealisticTraces(options: RealisticOptions): SpanRecord[][] {
  const rng = new Rng(options.seed ?? 1);
  const services = buildServices(rng);
  const start0 = options.startUnixNano ?? 1_767_225_600_000_000_000n; // 2026-01-01T00:00:00Z
  const spacing = options.spacingNano ?? 5_000_000;
  const out: SpanRecord[][] = [];
  let t = start0;
  for (let i = 0; i < options.traces; i++) {
    t += BigInt(Math.round(spacing * (0.5 + rng.next())));
    out.push(generateTrace(rng, services, t));
  }
  out.sort((a, b) => compareIds(a[0].span.traceId, b[0].span.traceId));
  return out;
}

function generateTrace(rng: Rng, services: Service[], start: bigint): SpanRecord[] {
  const traceId = rng.bytes(16);
  const records: SpanRecord[] = [];
  const budget = Math.min(400, Math.max(2, Math.round(rng.logNormal(14, 0.9))));
  const userId = `u-${rng.int(50000)}`;
  const rootDuration = Math.round(rng.logNormal(40e6, 1));
  const visit = (svcIndex: number, parent: Span | undefined, s: bigint, dur: number, depth: number, kind: Span['kind']) => {
    const svc = services[svcIndex];
    const pod = rng.pick(svc.pods);
    const span = makeSpan(rng, traceId, parent, svc, s, dur, kind, userId);
    records.push({ span, resource: pod.resource, resourceSchemaUrl: 'https://opentelemetry.io/schemas/1.24.0', scope: svc.scopes[kind === 3 && svc.db ? 2 : depth % 2], scopeSchemaUrl: '' });
    let cursor = s + BigInt(Math.round(dur * 0.05));
    const children = depth > 5 ? 0 : depth < 2 ? 2 + rng.int(4) : rng.int(4);
    for (let c = 0; c < children && records.length < budget; c++) {
      const cd = Math.max(1000, Math.round(dur * (0.1 + 0.4 * rng.next())));
      if (svc.db && rng.chance(0.5)) {
        const db = makeDbSpan(rng, traceId, span, svc, cursor, Math.round(cd / 3));
        records.push({ span: db, resource: pod.resource, resourceSchemaUrl: 'https://opentelemetry.io/schemas/1.24.0', scope: svc.scopes[2], scopeSchemaUrl: '' });
      } else {
        visit(1 + rng.int(services.length - 1), span, cursor, cd, depth + 1, rng.chance(0.8) ? 2 : rng.pick([1, 4, 5] as const));
      }
      cursor += BigInt(Math.round(cd * 0.6));
    }
  };
  visit(0, undefined, start, rootDuration, 0, 2);
  return records;
}

function makeSpan(rng: Rng, traceId: Uint8Array, parent: Span | undefined, svc: Service, start: bigint, dur: number, kind: Span['kind'], userId: string): Span {
  const op = rng.pick(svc.ops);
  const isHttp = op.includes(' /');
  const error = rng.chance(0.02);
  const attributes: KeyValue[] = [];
  if (isHttp) {
    const [method, route] = op.split(' ');
    const status = error ? 500 : rng.chance(0.05) ? 404 : 200;
    attributes.push(
      { key: 'http.method', value: av.string(method) },
      { key: 'http.route', value: av.string(route) },
      { key: 'http.status_code', value: av.int(status) },
      { key: 'http.url', value: av.string(`https://shop.example.com${route.replace('{id}', String(rng.int(10000)))}?ref=${hex(rng, 6)}`) },
      { key: 'http.scheme', value: av.string('https') },
      { key: 'http.user_agent', value: av.string(rng.pick(USER_AGENTS)) },
      { key: 'net.host.port', value: av.int(8080) },
      { key: 'http.request_content_length', value: av.int(rng.int(4000)) },
    );
  } else {
    const [rpcService, method] = op.includes('/') ? op.split('/') : ['', op];
    if (rpcService) {
      attributes.push(
        { key: 'rpc.system', value: av.string('grpc') },
        { key: 'rpc.service', value: av.string(`shop.${rpcService}`) },
        { key: 'rpc.method', value: av.string(method) },
        { key: 'rpc.grpc.status_code', value: av.int(error ? 13 : 0) },
        { key: 'net.peer.name', value: av.string(`${svc.name}.shop.svc.cluster.local`) },
      );
    } else {
      attributes.push({ key: 'messaging.system', value: av.string('kafka') }, { key: 'messaging.destination.name', value: av.string('order.placed') }, { key: 'messaging.kafka.partition', value: av.int(rng.int(12)) });
    }
  }
  attributes.push({ key: 'app.user.id', value: av.string(userId) }, { key: 'app.request.id', value: av.string(hex(rng, 16)) });
  if (rng.chance(0.1)) attributes.push({ key: 'app.cache.hit', value: av.bool(rng.chance(0.5)) });
  if (rng.chance(0.05)) attributes.push({ key: 'app.cart.total', value: av.double(Math.round(rng.next() * 50000) / 100) });
  const events: SpanEvent[] = [];
  if (error) {
    events.push({
      timeUnixNano: start + BigInt(Math.round(dur * 0.9)),
      name: 'exception',
      attributes: [
        { key: 'exception.type', value: av.string('TimeoutError') },
        { key: 'exception.message', value: av.string(`upstream timed out after ${rng.int(5000)}ms`) },
        { key: 'exception.stacktrace', value: av.string(`TimeoutError: upstream timed out\n    at ${svc.name}/src/client.ts:${rng.int(400)}:13\n    at processTicksAndRejections (node:internal/process/task_queues:95:5)`) },
      ],
      droppedAttributesCount: 0,
    });
  }
  const links: SpanLink[] = [];
  if (kind === 5 && rng.chance(0.5)) links.push({ traceId: rng.bytes(16), spanId: rng.bytes(8), traceState: '', attributes: [], droppedAttributesCount: 0, flags: 1 });
  return {
    traceId, spanId: rng.bytes(8), parentSpanId: parent ? parent.spanId : new Uint8Array(0), traceState: '', flags: 1,
    name: op, kind, startTimeUnixNano: start, endTimeUnixNano: start + BigInt(dur),
    attributes, droppedAttributesCount: 0, events, droppedEventsCount: 0, links, droppedLinksCount: 0,
    status: error ? { code: 2, message: 'upstream timed out' } : { code: 0, message: '' },
  };
}

function makeDbSpan(rng: Rng, traceId: Uint8Array, parent: Span, svc: Service, start: bigint, dur: number): Span {
  const db = svc.db!;
  const stmt = rng.pick(db.statements);
  return {
    traceId, spanId: rng.bytes(8), parentSpanId: parent.spanId, traceState: '', flags: 1,
    name: `${stmt.split(' ')[0]} ${db.name}`, kind: 3, startTimeUnixNano: start, endTimeUnixNano: start + BigInt(Math.max(1000, dur)),
    attributes: [
      { key: 'db.system', value: av.string(db.system) },
      { key: 'db.name', value: av.string(db.name) },
      { key: 'db.statement', value: av.string(stmt) },
      { key: 'net.peer.name', value: av.string(`${db.system}.shop.svc.cluster.local`) },
      { key: 'net.peer.port', value: av.int(db.system === 'redis' ? 6379 : 5432) },
    ],
    droppedAttributesCount: 0, events: [], droppedEventsCount: 0, links: [], droppedLinksCount: 0, status: { code: 0, message: '' },
  };
}
