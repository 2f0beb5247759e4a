// Attributes as real instrumentation sets them: resource attributes per pod, span attributes per
// kind of span (OpenTelemetry semantic conventions), instrumentation scopes per runtime. Values
// have realistic cardinalities: a handful of regions and user agents, thousands of products,
// a Zipf-distributed population of users (a few very active, a long tail), and per-request ids
// that never repeat. Every OTLP value type appears somewhere (string, bool, int, double, bytes,
// array, kvlist).
import { av, bytesToHex } from '@spanbase/model';
import type { KeyValue, Resource, Scope } from '@spanbase/model';
import type { Rng } from './rng.ts';
import type { Lang, ServiceDef } from './service-graph.ts';

/** Size of the user population (user ids follow a Zipf distribution over it). */
export const USER_POPULATION = 200_000;
/** Number of distinct products. */
export const PRODUCT_COUNT = 5_000;

const REGIONS = ['eu-west-1', 'eu-central-1', 'us-east-1', 'us-west-2'];
const USER_AGENTS = [
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36',
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_6) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15',
  'Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1',
  'Mozilla/5.0 (X11; Linux x86_64; rv:132.0) Gecko/20100101 Firefox/132.0',
  'shop-android/5.12.0 (Linux; Android 15; Pixel 8)',
  'shop-ios/5.11.2 (iPhone15,2; iOS 18.1)',
];
const FEATURE_FLAGS = ['new-checkout', 'recs-v2', 'dark-mode', 'fast-shipping', 'price-test-b'];
const CURRENCIES = ['EUR', 'USD', 'GBP', 'JPY', 'CHF'];

const SDK_VERSION: Record<Lang, string> = { nodejs: '1.30.1', go: '1.34.0', java: '1.46.0', python: '1.29.0', dotnet: '1.10.0', rust: '0.27.1', php: '1.1.2', ruby: '1.6.0', cpp: '1.18.0' };
const RUNTIME: Record<Lang, [string, string]> = {
  nodejs: ['nodejs', '22.12.0'], go: ['go', 'go1.23.4'], java: ['OpenJDK Runtime Environment', '21.0.5+11-LTS'], python: ['cpython', '3.12.8'], dotnet: ['.NET', '9.0.0'],
  rust: ['rustc', '1.83.0'], php: ['php', '8.3.14'], ruby: ['ruby', '3.3.6'], cpp: ['cpp', 'gcc-14.2'],
};

/** Kinds of span, for scope names and attribute sets. */
export type SpanCategory = 'http-server' | 'http-client' | 'grpc-server' | 'grpc-client' | 'db' | 'redis' | 'produce' | 'consume' | 'internal' | 'job';

const SCOPE_NAMES: Record<Lang, Partial<Record<SpanCategory, string>>> = {
  nodejs: { 'http-server': '@opentelemetry/instrumentation-http', 'http-client': '@opentelemetry/instrumentation-undici', 'grpc-server': '@opentelemetry/instrumentation-grpc', 'grpc-client': '@opentelemetry/instrumentation-grpc', db: '@opentelemetry/instrumentation-pg', redis: '@opentelemetry/instrumentation-ioredis', produce: '@opentelemetry/instrumentation-kafkajs', consume: '@opentelemetry/instrumentation-kafkajs' },
  go: { 'http-server': 'go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp', 'http-client': 'go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp', 'grpc-server': 'go.opentelemetry.io/contrib/instrumentation/google.golang.org/grpc/otelgrpc', 'grpc-client': 'go.opentelemetry.io/contrib/instrumentation/google.golang.org/grpc/otelgrpc', db: 'github.com/XSAM/otelsql', redis: 'github.com/redis/go-redis/extra/redisotel', produce: 'github.com/IBM/sarama/otelsarama' },
  java: { 'http-server': 'io.opentelemetry.tomcat-10.0', 'http-client': 'io.opentelemetry.java-http-client', 'grpc-server': 'io.opentelemetry.grpc-1.6', 'grpc-client': 'io.opentelemetry.grpc-1.6', db: 'io.opentelemetry.jdbc', redis: 'io.opentelemetry.lettuce-5.1' },
  python: { 'grpc-server': 'opentelemetry.instrumentation.grpc', 'grpc-client': 'opentelemetry.instrumentation.grpc', 'http-client': 'opentelemetry.instrumentation.requests' },
  dotnet: { 'grpc-server': 'Microsoft.AspNetCore', redis: 'OpenTelemetry.Instrumentation.StackExchangeRedis', db: 'Npgsql', consume: 'Confluent.Kafka.Extensions.Diagnostics' },
  rust: { 'grpc-server': 'opentelemetry-tonic', 'http-client': 'reqwest-tracing', 'grpc-client': 'opentelemetry-tonic' },
  php: { 'http-server': 'io.opentelemetry.contrib.php.slim' },
  ruby: { 'http-server': 'OpenTelemetry::Instrumentation::Sinatra' },
  cpp: { 'grpc-server': 'grpc.cpp' },
};

/** A pod of a service: its resource and the scopes it reports. */
export interface Instance {
  /** The service. */
  service: ServiceDef;
  /** Index of the pod within its service. */
  index: number;
  /** Its OTLP resource. */
  resource: Resource;
  /** Scopes by name, created on first use. */
  scopes: Map<string, Scope>;
}

const kv = (key: string, value: ReturnType<typeof av.string>): KeyValue => ({ key, value });

/** Builds the resource of pod `index` of `svc`. */
export function makeInstance(rng: Rng, svc: ServiceDef, index: number): Instance {
  const podSuffix = `${bytesToHex(rng.bytes(5)).slice(0, 10)}-${bytesToHex(rng.bytes(3)).slice(0, 5)}`;
  const [runtimeName, runtimeVersion] = RUNTIME[svc.lang];
  const region = REGIONS[index % 2 === 0 ? 0 : 2];
  const attributes: KeyValue[] = [
    kv('service.name', av.string(svc.name)),
    kv('service.namespace', av.string('shop')),
    kv('service.version', av.string(svc.version)),
    kv('service.instance.id', av.string(uuid(rng))),
    kv('deployment.environment.name', av.string('production')),
    kv('telemetry.sdk.name', av.string('opentelemetry')),
    kv('telemetry.sdk.language', av.string(svc.lang)),
    kv('telemetry.sdk.version', av.string(SDK_VERSION[svc.lang])),
    kv('process.runtime.name', av.string(runtimeName)),
    kv('process.runtime.version', av.string(runtimeVersion)),
    kv('process.pid', av.int(rng.int(1, 32768))),
    kv('process.command_args', av.array([av.string(`/app/${svc.name}`), av.string('--port=8080'), av.string(`--log-level=${index === 0 ? 'debug' : 'info'}`)])),
    kv('host.name', av.string(`ip-10-${rng.int(0, 3)}-${rng.int(0, 255)}-${rng.int(1, 254)}.${region}.compute.internal`)),
    kv('host.arch', av.string(rng.chance(0.7) ? 'amd64' : 'arm64')),
    kv('os.type', av.string('linux')),
    kv('cloud.provider', av.string('aws')),
    kv('cloud.region', av.string(region)),
    kv('k8s.cluster.name', av.string(`prod-${region}`)),
    kv('k8s.namespace.name', av.string('shop')),
    kv('k8s.deployment.name', av.string(svc.name)),
    kv('k8s.pod.name', av.string(`${svc.name}-${podSuffix}`)),
    kv('k8s.node.name', av.string(`node-${rng.int(1, 24)}`)),
    kv('container.cpu.limit', av.double([0.5, 1, 2][index % 3])),
    kv('service.canary', av.bool(index === svc.instances - 1 && svc.instances > 2)),
  ];
  return { service: svc, index, resource: { attributes, droppedAttributesCount: 0 }, scopes: new Map() };
}

/** The instrumentation scope of a span category on an instance. */
export function scopeFor(inst: Instance, category: SpanCategory): Scope {
  const name = SCOPE_NAMES[inst.service.lang][category] ?? inst.service.name;
  let scope = inst.scopes.get(name);
  if (!scope) {
    const version = name === inst.service.name ? inst.service.version : `0.${50 + (name.length % 9)}.${name.length % 4}`;
    scope = { name, version, attributes: [], droppedAttributesCount: 0 };
    inst.scopes.set(name, scope);
  }
  return scope;
}

/** What is fixed for a whole request: who sent it, from where. */
export interface RequestContext {
  /** High-cardinality user id (Zipf over USER_POPULATION). */
  userId: string;
  /** Per-session id. */
  sessionId: string;
  /** Client address. */
  clientIp: string;
  /** One of a few user agents. */
  userAgent: string;
  /** Feature flags on for this user. */
  flags: string[];
  /** Currency of the user. */
  currency: string;
}

/** Draws a request context. */
export function makeRequestContext(rng: Rng): RequestContext {
  const user = rng.zipf(USER_POPULATION);
  return {
    userId: `u-${(user * 2654435761) % 1e9}`,
    sessionId: bytesToHex(rng.bytes(12)),
    clientIp: `${rng.int(1, 223)}.${rng.int(0, 255)}.${rng.int(0, 255)}.${rng.int(1, 254)}`,
    userAgent: USER_AGENTS[rng.zipf(USER_AGENTS.length, 1.5)],
    flags: FEATURE_FLAGS.filter((_, i) => (user >> i) & 1),
    currency: CURRENCIES[user % CURRENCIES.length],
  };
}

/** A product id (Zipf: some products are much more popular). */
export function productId(rng: Rng): string {
  return `P${String(rng.zipf(PRODUCT_COUNT, 1.05) * 7919 % 100_000).padStart(5, '0')}`;
}

/** Attributes of an HTTP server span. */
export function httpServerAttributes(rng: Rng, ctx: RequestContext, method: string, route: string, status: number): KeyValue[] {
  const path = route.replace('{id}', productId(rng)).replace('{productId}', productId(rng)).replace('{userId}', ctx.userId);
  return [
    kv('http.request.method', av.string(method)),
    kv('http.route', av.string(route)),
    kv('url.path', av.string(path)),
    kv('url.scheme', av.string('https')),
    kv('http.response.status_code', av.int(status)),
    kv('server.address', av.string('shop.example.com')),
    kv('server.port', av.int(443)),
    kv('client.address', av.string(ctx.clientIp)),
    kv('user_agent.original', av.string(ctx.userAgent)),
    kv('network.protocol.version', av.string(rng.chance(0.8) ? '2' : '1.1')),
    kv('http.request.body.size', av.int(method === 'GET' ? 0 : rng.int(80, 6000))),
    kv('http.response.body.size', av.int(rng.int(200, 90_000))),
    kv('enduser.id', av.string(ctx.userId)),
    kv('session.id', av.string(ctx.sessionId)),
    kv('app.feature_flags', av.array(ctx.flags.map((f) => av.string(f)))),
  ];
}

/** Attributes of an HTTP client span. */
export function httpClientAttributes(rng: Rng, method: string, host: string, path: string, status: number): KeyValue[] {
  return [
    kv('http.request.method', av.string(method)),
    kv('url.full', av.string(`https://${host}${path}`)),
    kv('server.address', av.string(host)),
    kv('server.port', av.int(443)),
    kv('http.response.status_code', av.int(status)),
    kv('http.request.resend_count', av.int(rng.chance(0.02) ? 1 : 0)),
  ];
}

/** Attributes of a gRPC client or server span. */
export function grpcAttributes(rng: Rng, service: string, method: string, code: number, server: boolean, peer: string): KeyValue[] {
  const attrs = [
    kv('rpc.system', av.string('grpc')),
    kv('rpc.service', av.string(service)),
    kv('rpc.method', av.string(method)),
    kv('rpc.grpc.status_code', av.int(code)),
  ];
  if (server) attrs.push(kv('client.address', av.string(`10.${rng.int(0, 3)}.${rng.int(0, 255)}.${rng.int(1, 254)}`)));
  else attrs.push(kv('server.address', av.string(`${peer}.shop.svc.cluster.local`)), kv('server.port', av.int(8080)));
  return attrs;
}

/** Attributes of a database client span. */
export function dbAttributes(rng: Rng, system: string, namespace: string, operation: string, collection: string, query: string): KeyValue[] {
  const attrs = [
    kv('db.system', av.string(system)),
    kv('db.namespace', av.string(namespace)),
    kv('db.operation.name', av.string(operation)),
    kv('db.query.text', av.string(query)),
    kv('server.address', av.string(system === 'redis' ? 'redis-master.shop.svc.cluster.local' : `${namespace}-db.shop.svc.cluster.local`)),
    kv('server.port', av.int(system === 'redis' ? 6379 : 5432)),
  ];
  if (collection) attrs.push(kv('db.collection.name', av.string(collection)));
  if (operation === 'SELECT') attrs.push(kv('db.response.returned_rows', av.int(rng.zipf(200, 1.3))));
  return attrs;
}

/** Attributes of a Kafka producer or consumer span. */
export function messagingAttributes(rng: Rng, topic: string, operation: 'send' | 'process', key: string): KeyValue[] {
  return [
    kv('messaging.system', av.string('kafka')),
    kv('messaging.destination.name', av.string(topic)),
    kv('messaging.operation.type', av.string(operation)),
    kv('messaging.kafka.message.key', av.string(key)),
    kv('messaging.destination.partition.id', av.string(String(rng.int(0, 11)))),
    kv('messaging.kafka.offset', av.int(rng.int(1_000_000, 90_000_000))),
    kv('messaging.message.body.size', av.int(rng.int(300, 4000))),
  ];
}

/** Application attributes of internal spans: a mix of every value type. */
export function internalAttributes(rng: Rng, ctx: RequestContext, name: string): KeyValue[] {
  const attrs = [
    kv('code.function.name', av.string(name)),
    kv('app.cache.hit', av.bool(rng.chance(0.7))),
    kv('app.items.count', av.int(rng.zipf(40, 1.2) + 1)),
  ];
  if (name === 'prepareOrderItems') {
    const total = Math.round(rng.lognormal(60, 0.9) * 100) / 100;
    attrs.push(
      kv('app.order.id', av.string(uuid(rng))),
      kv('app.order.total', av.double(total)),
      kv('app.order', av.kvlist([kv('currency', av.string(ctx.currency)), kv('total', av.double(total)), kv('gift', av.bool(rng.chance(0.05)))])),
      kv('app.request.digest', av.bytes(rng.bytes(16))),
    );
  } else if (name === 'scoreModel') {
    attrs.push(kv('app.fraud.score', av.double(Math.round(rng.next() * 1000) / 1000)), kv('app.fraud.model', av.string('gbm-2024-11')));
  }
  return attrs;
}

/** An `exception` event, as SDKs record one on a failed span. */
export function exceptionAttributes(rng: Rng, lang: Lang, op: string): KeyValue[] {
  const [type, message] = rng.pick([
    ['TimeoutError', `deadline exceeded after ${rng.int(1, 30)}s calling ${op}`],
    ['ConnectionResetError', 'connection reset by peer'],
    ['PaymentDeclined', `card declined: ${rng.pick(['insufficient_funds', 'expired_card', 'do_not_honor'])}`],
    ['IllegalStateException', 'inventory reservation conflict'],
  ] as const);
  const frames = Array.from({ length: rng.int(4, 14) }, (_, i) => `    at ${op}.step${i} (/app/src/${lang}/handler_${i}.ts:${rng.int(10, 800)}:${rng.int(3, 40)})`);
  return [kv('exception.type', av.string(type)), kv('exception.message', av.string(message)), kv('exception.stacktrace', av.string(`${type}: ${message}\n${frames.join('\n')}`))];
}

function uuid(rng: Rng): string {
  const h = bytesToHex(rng.bytes(16));
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}
