// Measures the OTLP decoding options on the same realistic payloads (the issue asked to measure
// "write the .proto definitions and use a library" against "a direct decoder" before choosing):
//   scan      @spanbase/otlp scanExportRequest: the ingest hot path, no model objects
//   decode    @spanbase/otlp decodeExportRequest: full decode to the span model
//   pbjs      protobufjs 7 with our .proto files (packages/otlp/proto): decode only, and
//             decode + toObject({ longs: String }) for a plain object comparable to ours
//   json      @spanbase/otlp decodeOtlpJson on the OTLP/JSON form of the same spans (parse included)
// Run: node bench/src/decode-compare.ts [--spans 512] [--requests 8] [--seconds 2]
// Design note: docs/design/2026-11 OTLP decoding.md.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { cpus } from 'node:os';
import protobuf from 'protobufjs';
import type { AnyValue, KeyValue, Resource, ResourceSpans, Scope, Span, TracesData } from '@spanbase/model';
import { decodeExportRequest, decodeOtlpJson, encodeTracesData, scanExportRequest, tracesDataToJson } from '@spanbase/otlp';

const { values: args } = parseArgs({
  options: {
    spans: { type: 'string', default: '512' },
    requests: { type: 'string', default: '8' },
    seconds: { type: 'string', default: '2' },
  },
});
const SPANS_PER_REQUEST = Number(args.spans);
const REQUESTS = Number(args.requests);
const SECONDS = Number(args.seconds);

// Deterministic PRNG (mulberry32), so every run measures the same bytes.
let seed = 0x5eed;
function rand(): number {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)];
const int = (lo: number, hi: number): number => lo + Math.floor(rand() * (hi - lo + 1));
function randomBytes(n: number): Uint8Array {
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i++) b[i] = int(0, 255);
  b[0] |= 1; // never all zero
  return b;
}
const hexOf = (b: Uint8Array): string => Buffer.from(b).toString('hex');

const str = (value: string): AnyValue => ({ type: 'string', value });
const i64 = (value: number): AnyValue => ({ type: 'int', value: BigInt(value) });
const dbl = (value: number): AnyValue => ({ type: 'double', value });
const bool = (value: boolean): AnyValue => ({ type: 'bool', value });
const kv = (key: string, value: AnyValue): KeyValue => ({ key, value });

const SERVICES = ['frontend', 'checkout', 'cart', 'payment', 'shipping', 'email', 'currency', 'recommendation', 'ad', 'product-catalog',
  'quote', 'fraud-detection', 'accounting', 'inventory', 'auth', 'search', 'notification', 'gateway', 'billing', 'analytics'];
const SCOPES = ['@opentelemetry/instrumentation-http', '@opentelemetry/instrumentation-pg', '@opentelemetry/instrumentation-express', 'io.opentelemetry.grpc-1.6'];
const ROUTES = ['/api/v1/users/:id', '/api/v1/cart', '/api/v1/checkout', '/api/v1/products/:sku', '/healthz', '/api/v2/orders/:orderId/items'];
const STATEMENTS = [
  'SELECT id, name, email, created_at FROM users WHERE id = $1 AND tenant_id = $2',
  'INSERT INTO orders (id, user_id, total_cents, currency, created_at) VALUES ($1, $2, $3, $4, now()) RETURNING id',
  'UPDATE inventory SET quantity = quantity - $1 WHERE sku = $2 AND warehouse_id = $3 AND quantity >= $1',
];
const STACK = Array.from({ length: 8 }, (_, i) => `    at handler${i} (/srv/app/src/routes/handler-${i}.js:${40 + i}:17)`).join('\n');

function resourceFor(service: string, n: number): Resource {
  return {
    droppedAttributesCount: 0,
    attributes: [
      kv('service.name', str(service)), kv('service.version', str(`1.${n % 7}.${n % 3}`)), kv('service.namespace', str('shop')),
      kv('service.instance.id', str(hexOf(randomBytes(16)))), kv('host.name', str(`ip-10-0-${n % 16}-${n}.ec2.internal`)), kv('host.arch', str('amd64')),
      kv('os.type', str('linux')), kv('process.pid', i64(int(1, 65535))), kv('process.runtime.name', str('nodejs')),
      kv('telemetry.sdk.name', str('opentelemetry')), kv('telemetry.sdk.language', str('nodejs')), kv('telemetry.sdk.version', str('2.12.1')),
      kv('k8s.pod.name', str(`${service}-7d9c8b6f5-${hexOf(randomBytes(3))}`)), kv('k8s.namespace.name', str('prod')), kv('deployment.environment', str('production')),
    ],
  };
}

function spanAttributes(kind: number): KeyValue[] {
  if (kind === 2) {
    const route = pick(ROUTES);
    return [
      kv('http.request.method', str(pick(['GET', 'GET', 'POST', 'PUT']))), kv('http.route', str(route)), kv('url.path', str(route.replace(/:\w+/g, String(int(1, 99999))))),
      kv('url.scheme', str('https')), kv('http.response.status_code', i64(pick([200, 200, 200, 201, 404, 500]))), kv('server.address', str('shop.example.com')),
      kv('server.port', i64(443)), kv('client.address', str(`10.${int(0, 255)}.${int(0, 255)}.${int(0, 255)}`)),
      kv('user_agent.original', str('Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36')),
      kv('network.protocol.version', str('1.1')), kv('http.request.body.size', i64(int(0, 20000))), kv('thread.id', i64(int(1, 64))),
    ];
  }
  if (kind === 3) {
    return [
      kv('db.system', str('postgresql')), kv('db.name', str('shop')), kv('db.operation', str(pick(['SELECT', 'INSERT', 'UPDATE']))), kv('db.statement', str(pick(STATEMENTS))),
      kv('server.address', str('db-primary.internal')), kv('server.port', i64(5432)), kv('db.rows_affected', i64(int(0, 500))), kv('db.pool.wait_ms', dbl(rand() * 5)),
      kv('net.transport', str('ip_tcp')), kv('db.user', str('app')),
    ];
  }
  return [
    kv('code.function', str(pick(['renderCart', 'computeTotals', 'applyDiscounts', 'loadProfile']))), kv('code.namespace', str('shop.core')), kv('code.lineno', i64(int(10, 900))),
    kv('cache.hit', bool(rand() < 0.7)), kv('score', dbl(rand())), kv('items', i64(int(0, 40))),
    kv('tags', { type: 'array', value: [str('a'), str('b'), str(pick(['beta', 'ga']))] }), kv('feature.flag', str(pick(['on', 'off']))),
    kv('tenant', str(`tenant-${int(1, 50)}`)), kv('retry.count', i64(int(0, 3))), kv('sampled', bool(true)),
  ];
}

function makeSpan(traceId: Uint8Array, parent: Uint8Array, kind: number, start: bigint): Span {
  const error = rand() < 0.05;
  const durationNs = BigInt(int(50_000, 400_000_000));
  return {
    traceId, spanId: randomBytes(8), parentSpanId: parent, traceState: '', flags: 0x101, name: kind === 2 ? `${pick(['GET', 'POST'])} ${pick(ROUTES)}` : kind === 3 ? 'pg.query' : 'internal work',
    kind: kind as Span['kind'], startTimeUnixNano: start, endTimeUnixNano: start + durationNs,
    attributes: spanAttributes(kind), droppedAttributesCount: 0,
    events: error || rand() < 0.05
      ? [{ timeUnixNano: start + 1000n, name: 'exception', droppedAttributesCount: 0, attributes: [kv('exception.type', str('TypeError')), kv('exception.message', str('Cannot read properties of undefined')), kv('exception.stacktrace', str(STACK))] }]
      : [],
    droppedEventsCount: 0,
    links: rand() < 0.05 ? [{ traceId: randomBytes(16), spanId: randomBytes(8), traceState: '', flags: 0x301, droppedAttributesCount: 0, attributes: [kv('link.kind', str('follows_from'))] }] : [],
    droppedLinksCount: 0,
    status: error ? { code: 2, message: 'internal error' } : { code: 0, message: '' },
  };
}

/** One export request: spans from 4 of the 20 services, 1-2 scopes each, traces of ~8 spans. */
function makeRequest(r: number): TracesData {
  const services = Array.from({ length: 4 }, (_, i) => SERVICES[(r * 4 + i) % SERVICES.length]);
  const perService = SPANS_PER_REQUEST / services.length;
  const resourceSpans: ResourceSpans[] = services.map((service, si) => {
    const spans: Span[] = [];
    let start = 1_760_000_000_000_000_000n + BigInt(r) * 1_000_000_000n;
    while (spans.length < perService) {
      const traceId = randomBytes(16);
      const root = makeSpan(traceId, new Uint8Array(0), 2, start);
      spans.push(root);
      for (let k = 1; k < 8 && spans.length < perService; k++) spans.push(makeSpan(traceId, root.spanId, k % 3 === 0 ? 3 : 1, start + BigInt(k * 1000)));
      start += 3_000_000n;
    }
    const scopes: Scope[] = [
      { name: SCOPES[si % SCOPES.length], version: '0.52.0', attributes: [], droppedAttributesCount: 0 },
      { name: SCOPES[(si + 1) % SCOPES.length], version: '0.41.2', attributes: [], droppedAttributesCount: 0 },
    ];
    const half = Math.ceil(spans.length * 0.7);
    return {
      resource: resourceFor(service, r * 4 + si),
      schemaUrl: 'https://opentelemetry.io/schemas/1.26.0',
      scopeSpans: [
        { scope: scopes[0], schemaUrl: '', spans: spans.slice(0, half) },
        { scope: scopes[1], schemaUrl: '', spans: spans.slice(half) },
      ],
    };
  });
  return { resourceSpans };
}

function spanCountOf(data: TracesData): number {
  let n = 0;
  for (const rs of data.resourceSpans) for (const ss of rs.scopeSpans) n += ss.spans.length;
  return n;
}

const models = Array.from({ length: REQUESTS }, (_, r) => makeRequest(r));
const protoBodies = models.map(encodeTracesData);
const jsonBodies = models.map((m) => JSON.stringify(tracesDataToJson(m, { ids: 'hex' })));
const totalSpans = models.reduce((a, m) => a + spanCountOf(m), 0);
const protoBytes = protoBodies.reduce((a, b) => a + b.length, 0);
const jsonBytes = jsonBodies.reduce((a, b) => a + b.length, 0);

// protobufjs with our own .proto files.
const protoDir = join(dirname(fileURLToPath(import.meta.resolve('@spanbase/otlp'))), '..', 'proto');
const root = new protobuf.Root();
root.resolvePath = (_origin, target) => join(protoDir, target);
root.loadSync('opentelemetry/proto/collector/trace/v1/trace_service.proto');
const Request = root.lookupType('opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest');

// Cross-check: every decoder sees the same spans.
for (let r = 0; r < REQUESTS; r++) {
  const n = spanCountOf(models[r]);
  const pb = Request.toObject(Request.decode(protoBodies[r]), { longs: String }) as { resourceSpans: { scopeSpans: { spans: { startTimeUnixNano: string }[] }[] }[] };
  const pbSpans = pb.resourceSpans.flatMap((rs) => rs.scopeSpans.flatMap((ss) => ss.spans));
  const ours = decodeExportRequest(protoBodies[r]);
  if (pbSpans.length !== n || spanCountOf(ours) !== n || scanExportRequest(protoBodies[r]).spanCount !== n || spanCountOf(decodeOtlpJson(jsonBodies[r])) !== n) throw new Error('decoders disagree on span count');
  if (pbSpans[0].startTimeUnixNano !== String(ours.resourceSpans[0].scopeSpans[0].spans[0].startTimeUnixNano)) throw new Error('decoders disagree on a start time');
}

interface Candidate {
  name: string;
  bytesPerRound: number;
  fn: (i: number) => unknown;
}

const candidates: Candidate[] = [
  { name: 'scan (ours, ingest path)', bytesPerRound: protoBytes, fn: (i) => scanExportRequest(protoBodies[i], { maxAttributeBytes: 2048 }) },
  { name: 'decode (ours, full model)', bytesPerRound: protoBytes, fn: (i) => decodeExportRequest(protoBodies[i]) },
  { name: 'protobufjs decode (Long objects)', bytesPerRound: protoBytes, fn: (i) => Request.decode(protoBodies[i]) },
  { name: 'protobufjs decode + toObject(longs: String)', bytesPerRound: protoBytes, fn: (i) => Request.toObject(Request.decode(protoBodies[i]), { longs: String }) },
  { name: 'decodeOtlpJson (ours, JSON.parse incl.)', bytesPerRound: jsonBytes, fn: (i) => decodeOtlpJson(jsonBodies[i]) },
  { name: 'JSON.parse alone (reference)', bytesPerRound: jsonBytes, fn: (i) => JSON.parse(jsonBodies[i]) },
  { name: 'JSON ingest: decodeOtlpJson+encode+scan', bytesPerRound: jsonBytes, fn: (i) => scanExportRequest(encodeTracesData(decodeOtlpJson(jsonBodies[i])), { maxAttributeBytes: 2048 }) },
];

let sink = 0;
/**
 * Runs `fn` over every request, round after round, for `seconds` of wall time; returns rounds
 * per CPU second (user + system of this process): on a shared machine, time spent descheduled
 * would otherwise count against whichever candidate happened to be running.
 */
function runFor(fn: (i: number) => unknown, seconds: number): number {
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  let rounds = 0;
  while (performance.now() - t0 < seconds * 1000) {
    for (let i = 0; i < REQUESTS; i++) sink += fn(i) === undefined ? 0 : 1;
    rounds++;
  }
  const cpu = process.cpuUsage(cpu0);
  return (rounds * 1e6) / (cpu.user + cpu.system);
}

// Warm every candidate up, then measure them in turn, three passes, keeping each one's best:
// interleaving spreads any background load over all candidates alike.
for (const c of candidates) runFor(c.fn, Math.min(1, SECONDS / 2));
const best = new Array<number>(candidates.length).fill(0);
for (let pass = 0; pass < 3; pass++) candidates.forEach((c, k) => (best[k] = Math.max(best[k], runFor(c.fn, SECONDS))));
if (sink < 0) console.log(sink);
const rows = candidates.map((c, k) => ({ name: c.name, spansPerSec: best[k] * totalSpans, mbPerSec: (best[k] * c.bytesPerRound) / 1e6, usPerRequest: 1e6 / (best[k] * REQUESTS) }));

const pbjs = rows[3].spansPerSec;
console.log(`OTLP decode comparison: ${REQUESTS} requests × ${SPANS_PER_REQUEST} spans, ${(protoBytes / totalSpans).toFixed(0)} B/span protobuf, ${(jsonBytes / totalSpans).toFixed(0)} B/span JSON`);
console.log(`node ${process.version}, ${cpus()[0]?.model ?? 'unknown cpu'} × ${cpus().length}, rates per CPU-second of one thread, best of 3 interleaved passes × ${SECONDS}s\n`);
console.log('| decoder | spans/s | MB/s | µs/request (CPU) | × protobufjs+toObject |');
console.log('|---|---:|---:|---:|---:|');
for (const r of rows) {
  console.log(`| ${r.name} | ${Math.round(r.spansPerSec).toLocaleString('en-US')} | ${r.mbPerSec.toFixed(1)} | ${r.usPerRequest.toFixed(0)} | ${(r.spansPerSec / pbjs).toFixed(2)} |`);
}
