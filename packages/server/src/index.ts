export type { HttpAppOptions } from './app.ts';
export { createHttpApp, describeError } from './app.ts';
export { Counter, Gauge, Histogram, MetricsRegistry, LATENCY_BUCKETS } from './metrics.ts';
export { createLogger, silentLogger } from './logger.ts';
export { SINGLE_TENANT, validateTenantId, tenantFromHeader } from './tenant.ts';
export { TenantMissing, TenantInvalid, BadParameter, BodyTooLarge, UnsupportedMediaType, Internal } from './errors.ts';
