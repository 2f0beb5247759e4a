// The distributor: the front door for spans. It applies the tenant's rate limit before any
// decoding, validates and normalises the request (ids, sizes, attribute truncation; JSON becomes
// protobuf so everything downstream has one format), then hands it to the ingester.
import { decodeOtlpJson, encodeTracesData, scanExportRequest } from '@spanbase/otlp';
import type { ScannedRequest } from '@spanbase/otlp';
import { isSpanbaseError } from '@spanbase/model';
import type { Counter, Histogram, MetricsRegistry } from '@spanbase/server';
import { RateLimiter } from './rate-limiter.ts';
import type { TenantRate } from './rate-limiter.ts';

/** Where validated requests go: the in-process ingester, or remote ones routed by trace id. */
export interface IngesterClient {
  /** Makes the request durable and queryable; resolves when it may be acknowledged. */
  push(tenant: string, scan: ScannedRequest): Promise<{ accepted: number }>;
}

/** Wire format of an OTLP request. */
export type OtlpEncoding = 'protobuf' | 'json';

/** Distributor settings (from the `distributor.*` and `ingestion.*` flags). */
export interface DistributorOptions {
  maxAttributeBytes: number;
  /** A tenant's ingestion rate and burst (flags, or the overrides file). */
  limits: (tenant: string) => TenantRate;
  ingester: IngesterClient;
  metrics: MetricsRegistry;
  now?: () => number;
}

/** Result of one accepted request. */
export interface DistributorResult {
  /** Spans accepted. */
  accepted: number;
  /** Attribute keys or values that were cut to --distributor.max-attribute-bytes. */
  truncatedAttributes: number;
}

/** Validates, limits and forwards OTLP requests. */
export class Distributor {
  private readonly opts: DistributorOptions;
  private readonly limiter: RateLimiter;
  private readonly spansReceived: Counter;
  private readonly bytesReceived: Counter;
  private readonly discarded: Counter;
  private readonly truncated: Counter;
  private readonly refused: Counter;
  /** Time spent in push, by outcome; exported for the receivers' request metrics. */
  readonly pushSeconds: Histogram;

  constructor(opts: DistributorOptions) {
    this.opts = opts;
    this.limiter = new RateLimiter(opts.limits, opts.now);
    const m = opts.metrics;
    this.spansReceived = m.counter('spanbase_distributor_spans_received_total', 'Spans accepted, by tenant.', ['tenant']);
    this.bytesReceived = m.counter('spanbase_distributor_bytes_received_total', 'Request bytes accepted (decompressed), by tenant.', ['tenant']);
    this.discarded = m.counter('spanbase_discarded_spans_total', 'Spans refused, by tenant and reason.', ['tenant', 'reason']);
    this.truncated = m.counter('spanbase_distributor_attributes_truncated_total', 'Attribute keys and values truncated to --distributor.max-attribute-bytes, by tenant.', ['tenant']);
    this.refused = m.counter('spanbase_distributor_requests_refused_total', 'Requests refused before decoding (their spans are not counted), by tenant and reason.', ['tenant', 'reason']);
    this.pushSeconds = m.histogram('spanbase_distributor_push_duration_seconds', 'Time from request body to acknowledgement, by protocol and outcome.', ['protocol', 'outcome']);
  }

  /** Accepts one OTLP request body (decompressed) for `tenant`. */
  async push(tenant: string, body: Uint8Array, encoding: OtlpEncoding): Promise<DistributorResult> {
    try {
      this.limiter.take(tenant, body.byteLength);
    } catch (err) {
      this.refused.inc({ tenant, reason: 'rate_limited' });
      throw err;
    }
    let scan: ScannedRequest;
    try {
      const proto = encoding === 'json' ? encodeTracesData(decodeOtlpJson(body)) : body;
      scan = scanExportRequest(proto, { maxAttributeBytes: this.opts.maxAttributeBytes });
    } catch (err) {
      this.discarded.inc({ tenant, reason: 'invalid' }, 1);
      throw err;
    }
    try {
      const { accepted } = await this.opts.ingester.push(tenant, scan);
      this.spansReceived.inc({ tenant }, accepted);
      this.bytesReceived.inc({ tenant }, body.byteLength);
      if (scan.truncatedAttributes > 0) this.truncated.inc({ tenant }, scan.truncatedAttributes);
      return { accepted, truncatedAttributes: scan.truncatedAttributes };
    } catch (err) {
      const reason = isSpanbaseError(err) ? err.code.replace(/^[A-Z]+_ERR_/, '').toLowerCase() : 'internal';
      this.discarded.inc({ tenant, reason }, scan.spanCount);
      throw err;
    }
  }
}
