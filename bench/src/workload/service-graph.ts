// The simulated system: about 20 services of a web shop, the operations each serves, and what
// each operation calls. Numbers are medians in milliseconds of the operation's own work; the
// generator draws lognormal durations around them and adds the time of what it calls. Error rates
// are concentrated on a few operations (payment, an external API, quotes), so that about 1% of
// all spans end in error, as in a healthy production system.

/** Runtime of a service; it picks the instrumentation scope names. */
export type Lang = 'nodejs' | 'go' | 'java' | 'python' | 'dotnet' | 'rust' | 'php' | 'ruby' | 'cpp';

/** A database or cache a step talks to. */
export interface DbTarget {
  /** `db.system`, e.g. `postgresql`, `redis`. */
  system: string;
  /** `db.namespace`. */
  namespace: string;
  /** `db.operation.name`. */
  operation: string;
  /** `db.collection.name`; empty for key-value stores. */
  collection: string;
  /** `db.query.text` (a template: parameters are not inlined). */
  query: string;
  /** Median latency, ms. */
  ms: number;
}

/** One thing an operation does while it runs; `p` is how often, `n` how many times. */
export interface StepBase {
  /** Probability that the step happens at all (default 1). */
  p?: number;
  /** How many times, uniformly in [lo, hi] (default [1, 1]). */
  n?: readonly [number, number];
  /** Repeats run at once (fan-out) instead of one after another. */
  parallel?: boolean;
}

/** A step: a call to another service's operation, a database call, an external HTTP API, local work, or a Kafka publish. */
export type Step =
  | (StepBase & { kind: 'call'; service: string; op: string })
  | (StepBase & { kind: 'db'; db: DbTarget })
  | (StepBase & { kind: 'external'; host: string; method: string; path: string; ms: number; errorRate: number })
  | (StepBase & { kind: 'internal'; name: string; ms: number; steps?: readonly Step[] })
  | (StepBase & { kind: 'produce'; topic: string });

/** An operation a service serves. */
export interface OpDef {
  /** How it is reached: HTTP route, gRPC method, Kafka topic, or a scheduled job (a root). */
  protocol: 'http' | 'grpc' | 'kafka' | 'job';
  /** HTTP method (http only). */
  method?: string;
  /** HTTP route template, gRPC service, Kafka topic or job name. */
  target: string;
  /** Median of the operation's own work, ms. */
  selfMs: number;
  /** Probability the operation itself fails. */
  errorRate: number;
  /** What it does. */
  steps: readonly Step[];
}

/** A service. */
export interface ServiceDef {
  /** `service.name`. */
  name: string;
  /** Runtime. */
  lang: Lang;
  /** `service.version`. */
  version: string;
  /** Pods; each is its own resource and exporter. */
  instances: number;
  /** Operations by name (the gRPC method, or a short name). */
  ops: Readonly<Record<string, OpDef>>;
}

const pg = (namespace: string, operation: string, collection: string, query: string, ms = 1.5): DbTarget => ({ system: 'postgresql', namespace, operation, collection, query, ms });
const redis = (operation: string, query: string): DbTarget => ({ system: 'redis', namespace: '0', operation, collection: '', query, ms: 0.3 });
const call = (service: string, op: string, extra: StepBase = {}): Step => ({ kind: 'call', service, op, ...extra });
const db = (target: DbTarget, extra: StepBase = {}): Step => ({ kind: 'db', db: target, ...extra });
const work = (name: string, ms: number, extra: StepBase = {}, steps?: readonly Step[]): Step => ({ kind: 'internal', name, ms, steps, ...extra });
const http = (method: string, target: string, selfMs: number, steps: readonly Step[], errorRate = 0.001): OpDef => ({ protocol: 'http', method, target, selfMs, errorRate, steps });
const grpc = (target: string, selfMs: number, steps: readonly Step[], errorRate = 0.001): OpDef => ({ protocol: 'grpc', target, selfMs, errorRate, steps });

/** The services. Names and shapes follow the OpenTelemetry demo shop, extended to 20 services. */
export const SERVICES: readonly ServiceDef[] = [
  {
    name: 'web-frontend', lang: 'nodejs', version: '2.4.1', instances: 4,
    ops: {
      home: http('GET', '/', 2, [call('auth', 'ValidateToken'), call('product-catalog', 'ListProducts'), call('ad', 'GetAds', { p: 0.8 }), call('recommendation', 'ListRecommendations', { p: 0.7 }), call('currency', 'Convert', { n: [2, 8], parallel: true })]),
      product: http('GET', '/product/{id}', 2, [call('auth', 'ValidateToken'), call('product-catalog', 'GetProduct'), call('inventory', 'GetStock'), call('recommendation', 'ListRecommendations'), call('ad', 'GetAds', { p: 0.8 }), call('currency', 'Convert')]),
      cart: http('GET', '/cart', 1.5, [call('auth', 'ValidateToken'), call('cart', 'GetCart'), call('currency', 'Convert', { n: [1, 5], parallel: true }), call('shipping', 'GetQuote', { p: 0.5 })]),
      addToCart: http('POST', '/api/cart', 1.5, [call('auth', 'ValidateToken'), call('product-catalog', 'GetProduct'), call('cart', 'AddItem')]),
      checkout: http('POST', '/api/checkout', 3, [call('auth', 'ValidateToken'), call('checkout', 'PlaceOrder')]),
      search: http('GET', '/search', 1.5, [call('auth', 'ValidateToken', { p: 0.6 }), call('search', 'Query'), call('currency', 'Convert', { n: [1, 10], parallel: true })]),
    },
  },
  {
    name: 'api-gateway', lang: 'go', version: '1.18.0', instances: 3,
    ops: {
      product: http('GET', '/api/v1/products/{productId}', 0.4, [call('auth', 'ValidateToken'), call('product-catalog', 'GetProduct'), call('inventory', 'GetStock', { p: 0.5 })]),
      orders: http('GET', '/api/v1/users/{userId}/orders', 0.4, [call('auth', 'ValidateToken'), call('order-history', 'ListOrders')]),
      order: http('POST', '/api/v1/orders', 0.6, [call('auth', 'ValidateToken'), call('checkout', 'PlaceOrder')]),
      user: http('GET', '/api/v1/users/{userId}', 0.3, [call('auth', 'ValidateToken'), call('user-profile', 'GetUser')]),
      health: http('GET', '/healthz', 0.05, []),
    },
  },
  {
    name: 'auth', lang: 'go', version: '3.2.0', instances: 2,
    ops: { ValidateToken: grpc('auth.v1.AuthService', 0.2, [db(redis('GET', 'GET session:?')), db(pg('identity', 'SELECT', 'sessions', 'SELECT user_id, expires_at FROM sessions WHERE token_hash = $1'), { p: 0.05 })], 0.0005) },
  },
  {
    name: 'product-catalog', lang: 'go', version: '1.9.3', instances: 3,
    ops: {
      ListProducts: grpc('oteldemo.ProductCatalogService', 0.8, [db(redis('GET', 'GET catalog:list:?')), db(pg('catalog', 'SELECT', 'products', 'SELECT id, name, price_units, price_nanos, categories FROM products ORDER BY rank LIMIT $1', 4), { p: 0.3 })]),
      GetProduct: grpc('oteldemo.ProductCatalogService', 0.3, [db(redis('GET', 'GET product:?')), db(pg('catalog', 'SELECT', 'products', 'SELECT id, name, description, price_units, price_nanos, categories FROM products WHERE id = $1'), { p: 0.2 })]),
      SearchProducts: grpc('oteldemo.ProductCatalogService', 1, [db(pg('catalog', 'SELECT', 'products', 'SELECT id, name FROM products WHERE search_vector @@ plainto_tsquery($1) LIMIT 50', 8))]),
    },
  },
  {
    name: 'cart', lang: 'dotnet', version: '1.12.0', instances: 2,
    ops: {
      GetCart: grpc('oteldemo.CartService', 0.4, [db(redis('HGETALL', 'HGETALL cart:?'))]),
      AddItem: grpc('oteldemo.CartService', 0.5, [db(redis('HGETALL', 'HGETALL cart:?')), db(redis('HSET', 'HSET cart:? ? ?')), db(redis('EXPIRE', 'EXPIRE cart:? ?'))]),
      EmptyCart: grpc('oteldemo.CartService', 0.3, [db(redis('DEL', 'DEL cart:?'))]),
    },
  },
  {
    name: 'checkout', lang: 'go', version: '1.30.2', instances: 2,
    ops: {
      PlaceOrder: grpc('oteldemo.CheckoutService', 3, [
        call('cart', 'GetCart'),
        work('prepareOrderItems', 0.5, {}, [call('product-catalog', 'GetProduct', { n: [1, 6], parallel: true }), call('currency', 'Convert', { n: [1, 6], parallel: true })]),
        call('inventory', 'ReserveStock'),
        call('shipping', 'GetQuote'),
        call('payment', 'Charge'),
        call('shipping', 'ShipOrder'),
        call('cart', 'EmptyCart'),
        db(pg('orders', 'INSERT', 'orders', 'INSERT INTO orders (id, user_id, total_units, currency, created_at) VALUES ($1, $2, $3, $4, now())', 3)),
        db(pg('orders', 'INSERT', 'order_items', 'INSERT INTO order_items (order_id, product_id, quantity) VALUES ($1, $2, $3)'), { n: [1, 6] }),
        call('email', 'SendOrderConfirmation'),
        { kind: 'produce', topic: 'orders' },
      ], 0.002),
    },
  },
  {
    name: 'payment', lang: 'nodejs', version: '0.9.7', instances: 2,
    ops: {
      Charge: grpc('oteldemo.PaymentService', 1.5, [
        call('fraud-detection', 'CheckTransaction'),
        work('validateCard', 0.3),
        { kind: 'external', host: 'api.payments.example.net', method: 'POST', path: '/v1/charges', ms: 180, errorRate: 0.04 },
      ], 0.05),
    },
  },
  {
    name: 'fraud-detection', lang: 'java', version: '2.1.0', instances: 2,
    ops: { CheckTransaction: grpc('fraud.v1.FraudService', 4, [db(pg('risk', 'SELECT', 'transactions', 'SELECT count(*) FROM transactions WHERE card_fingerprint = $1 AND created_at > now() - interval \'1 day\'', 6)), work('scoreModel', 6)], 0.002) },
  },
  {
    name: 'shipping', lang: 'rust', version: '0.4.2', instances: 2,
    ops: {
      GetQuote: grpc('oteldemo.ShippingService', 0.3, [call('quote', 'Quote')]),
      ShipOrder: grpc('oteldemo.ShippingService', 0.5, [work('createTrackingId', 0.1)]),
    },
  },
  {
    name: 'quote', lang: 'php', version: '1.1.0', instances: 2,
    ops: { Quote: http('POST', '/getquote', 2.5, [work('calculate-quote', 0.8)], 0.04) },
  },
  {
    name: 'currency', lang: 'cpp', version: '1.3.0', instances: 2,
    ops: { Convert: grpc('oteldemo.CurrencyService', 0.08, [], 0.0002) },
  },
  {
    name: 'email', lang: 'ruby', version: '1.0.4', instances: 1,
    ops: { SendOrderConfirmation: http('POST', '/send_order_confirmation', 8, [work('render-template', 3)], 0.002) },
  },
  {
    name: 'recommendation', lang: 'python', version: '1.7.0', instances: 2,
    ops: { ListRecommendations: grpc('oteldemo.RecommendationService', 3, [call('product-catalog', 'ListProducts'), work('get_product_list', 1.5)], 0.025) },
  },
  {
    name: 'ad', lang: 'java', version: '1.5.2', instances: 2,
    ops: { GetAds: grpc('oteldemo.AdService', 1.2, [], 0.1) },
  },
  {
    name: 'inventory', lang: 'java', version: '4.0.1', instances: 2,
    ops: {
      GetStock: grpc('inventory.v1.InventoryService', 0.6, [db(pg('inventory', 'SELECT', 'stock', 'SELECT warehouse_id, quantity FROM stock WHERE sku = $1'))]),
      ReserveStock: grpc('inventory.v1.InventoryService', 1, [db(pg('inventory', 'UPDATE', 'stock', 'UPDATE stock SET quantity = quantity - $1 WHERE sku = $2 AND quantity >= $1', 2.5), { n: [1, 6] })], 0.004),
      sync: { protocol: 'job', target: 'inventory-sync', selfMs: 20, errorRate: 0.01, steps: [db(pg('inventory', 'SELECT', 'stock', 'SELECT sku, quantity FROM stock WHERE updated_at > $1', 12)), work('reconcile', 2, { n: [20, 120] }, [db(pg('inventory', 'UPDATE', 'stock', 'UPDATE stock SET quantity = $1 WHERE sku = $2'))])] },
    },
  },
  {
    name: 'search', lang: 'python', version: '2.2.0', instances: 2,
    ops: { Query: grpc('search.v1.SearchService', 2, [{ kind: 'external', host: 'search-es.internal', method: 'POST', path: '/products/_search', ms: 12, errorRate: 0.002 }, call('product-catalog', 'SearchProducts', { p: 0.3 })]) },
  },
  {
    name: 'user-profile', lang: 'java', version: '3.4.0', instances: 2,
    ops: { GetUser: grpc('users.v1.UserService', 0.8, [db(redis('GET', 'GET user:?')), db(pg('users', 'SELECT', 'users', 'SELECT id, email, display_name, locale FROM users WHERE id = $1'), { p: 0.4 })]) },
  },
  {
    name: 'order-history', lang: 'go', version: '1.2.5', instances: 2,
    ops: { ListOrders: grpc('orders.v1.OrderHistoryService', 0.7, [db(pg('orders', 'SELECT', 'orders', 'SELECT id, total_units, currency, created_at FROM orders WHERE user_id = $1 ORDER BY created_at DESC LIMIT 20', 3)), call('currency', 'Convert', { n: [1, 4], parallel: true })]) },
  },
  {
    name: 'accounting', lang: 'dotnet', version: '1.0.9', instances: 1,
    ops: { orders: { protocol: 'kafka', target: 'orders', selfMs: 1, errorRate: 0.001, steps: [db(pg('ledger', 'INSERT', 'entries', 'INSERT INTO entries (order_id, amount_units, currency, booked_at) VALUES ($1, $2, $3, now())', 2))] } },
  },
  {
    name: 'notification', lang: 'nodejs', version: '0.6.0', instances: 1,
    ops: {
      batch: { protocol: 'job', target: 'notification-batch', selfMs: 2, errorRate: 0.005, steps: [{ kind: 'external', host: 'push.example-notify.com', method: 'POST', path: '/v3/messages', ms: 60, errorRate: 0.01, n: [1, 5] }] },
    },
  },
];

/** Where traces begin, with relative weights. */
export const ENTRY_POINTS: readonly { service: string; op: string; weight: number }[] = [
  { service: 'web-frontend', op: 'home', weight: 18 },
  { service: 'web-frontend', op: 'product', weight: 22 },
  { service: 'web-frontend', op: 'cart', weight: 8 },
  { service: 'web-frontend', op: 'addToCart', weight: 8 },
  { service: 'web-frontend', op: 'checkout', weight: 3 },
  { service: 'web-frontend', op: 'search', weight: 8 },
  { service: 'api-gateway', op: 'product', weight: 12 },
  { service: 'api-gateway', op: 'orders', weight: 5 },
  { service: 'api-gateway', op: 'order', weight: 2 },
  { service: 'api-gateway', op: 'user', weight: 6 },
  { service: 'api-gateway', op: 'health', weight: 5 },
  { service: 'inventory', op: 'sync', weight: 0.3 },
  { service: 'notification', op: 'batch', weight: 1.5 },
];

/** Services by name. */
export const SERVICE_BY_NAME: ReadonlyMap<string, ServiceDef> = new Map(SERVICES.map((s) => [s.name, s]));
