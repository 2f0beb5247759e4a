// The data the contract suite replays Grafana's requests against: traces recorded with the
// OpenTelemetry SDK and sent with its real OTLP exporter, a Spanbase configured like a
// datasource would see it, and the values Grafana would put in its URLs.
import { context, trace as otelTrace } from '@opentelemetry/api';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import type { ReadableSpan } from '@opentelemetry/sdk-trace';
import type { Config } from '@spanbase/config';
import { FAST_FLUSH, waitForFlush } from '../src/flush.ts';
import { startTestCluster } from '../src/cluster.ts';
import { startTestSpanbase } from '../src/harness.ts';
import type { TestSpanbase } from '../src/harness.ts';
import { exportSpans, makeExporter, otelJson, randomHex, recordRichTrace } from '../src/otel.ts';
import type { SentSpan } from './oracle.ts';
import { sentSpans } from './oracle.ts';
import { recordShopTraces } from './shop.ts';

/** How the datasource is set up. */
export interface DatasourceSetup {
  /** Name in test titles. */
  name: string;
  /** Whether Spanbase runs with --multitenancy.enabled. */
  multitenancy: boolean;
  /** The datasource's custom HTTP headers (Grafana adds them to every request). */
  customHeaders: Record<string, string>;
}

/** The setups every replayed request runs under. */
export const SETUPS: DatasourceSetup[] = [
  { name: 'single tenant, no custom headers', multitenancy: false, customHeaders: {} },
  { name: 'X-Scope-OrgID as a custom header', multitenancy: true, customHeaders: { 'X-Scope-OrgID': 'team-grafana' } },
];

/** Where the data is when Grafana asks: still in the ingester's memory, or flushed into blocks. */
export type DataState = 'live' | 'blocks';

/** Every data state, since Grafana users query both fresh and older data. */
export const DATA_STATES: readonly DataState[] = ['live', 'blocks'];

/** Live: nothing is cut or flushed while the suite runs (an hour of idle time and block age). */
const KEEP_LIVE: Partial<Config> = { 'ingester.trace-idle-period': 3_600_000, 'ingester.max-block-duration': 3_600_000 };

/** Minutes before now the shop's first trace starts (its traces then follow a minute apart). */
const SHOP_MINUTES_AGO = 10;

/** --query.max-bytes-per-trace of the suite's Spanbase: above the rich trace, below the big one. */
export const MAX_BYTES_PER_TRACE = 40_000;

/** Spans in the trace that is cut to the size limit. */
export const BIG_TRACE_SPANS = 300;

/** What the suite ingested and how Grafana would refer to it. */
export interface Fixture {
  sb: TestSpanbase;
  setup: DatasourceSetup;
  /** Where the data was when the requests were replayed. */
  state: DataState;
  /** The rich trace (every OTLP field the SDK produces), id with leading zero bytes. */
  rich: ReadableSpan[];
  /** The trace over the size limit. */
  big: ReadableSpan[];
  /** The shop's traces (shop.ts): services `${service}-frontend` and `${service}-checkout`. */
  shop: ReadableSpan[];
  /** Every span the tenant holds. */
  all: ReadableSpan[];
  /** The same spans as facts (oracle.ts), for expected answers. */
  sent: SentSpan[];
  /** Values for the `{name}` placeholders of request templates. */
  vars: Record<string, string>;
}

function recordBigTrace(service: string): ReadableSpan[] {
  const memory = new InMemorySpanExporter();
  const provider = new TracerProvider({ resource: resourceFromAttributes({ 'service.name': service }), spanProcessors: [new SimpleSpanProcessor({ exporter: memory })] });
  const tracer = provider.getTracer('grafana-contract');
  const root = tracer.startSpan('GET /big');
  const ctx = otelTrace.setSpan(context.active(), root);
  for (let i = 1; i < BIG_TRACE_SPANS; i++) {
    tracer.startSpan(`step-${i}`, { attributes: { 'step.payload': `${i}:`.padEnd(100, 'x') } }, ctx).end();
  }
  root.end();
  return memory.getFinishedSpans();
}

function unixSeconds(spans: ReadableSpan[], which: 'min' | 'max'): number {
  const times = spans.map((s) => (which === 'min' ? s.startTime : s.endTime)).map(([sec, ns]) => sec + ns / 1e9);
  return which === 'min' ? Math.floor(Math.min(...times)) : Math.ceil(Math.max(...times));
}

/**
 * Starts Spanbase (one process, or a cluster of roles whose query-frontend answers) for a setup, sends the fixture traces with the OTLP/HTTP protobuf exporter and,
 * for `blocks`, waits until everything is flushed into blocks.
 */
export async function createFixture(setup: DatasourceSetup, state: DataState = 'live', topology: 'single' | 'cluster' = 'single'): Promise<Fixture> {
  const cfg: Partial<Config> = {
    'multitenancy.enabled': setup.multitenancy,
    'query.max-bytes-per-trace': MAX_BYTES_PER_TRACE,
    ...(state === 'live' ? KEEP_LIVE : FAST_FLUSH),
  };
  const sb = topology === 'single' ? await startTestSpanbase(cfg) : await startTestCluster({ ...cfg, 'storage.blocklist-poll': 250 });
  const service = `grafana-contract-${randomHex(3)}`;
  const rich = recordRichTrace(service);
  // Leading zero bytes: search results and exemplars show such ids with the zeros trimmed.
  const traceId = '00000000' + randomHex(12);
  for (const s of rich) Object.assign(s.spanContext(), { traceId });
  const big = recordBigTrace(`${service}-big`);
  const shop = recordShopTraces(service, Date.now() - SHOP_MINUTES_AGO * 60_000);
  const all = [...rich, ...big, ...shop];
  const headers = Object.fromEntries(Object.entries(setup.customHeaders).map(([k, v]) => [k.toLowerCase(), v]));
  const exporter = makeExporter('proto', sb, headers);
  for (const spans of [rich, big, shop]) {
    const r = await exportSpans(exporter, spans);
    if (r.code !== 0) throw new Error(`export failed: ${r.error?.message}`);
  }
  await exporter.shutdown();
  if (state === 'blocks') await waitForFlush(sb);
  // Grafana's time shift (traceQuery.timeShiftEnabled) widens the query range by 30m each side.
  const start = unixSeconds(all, 'min') - 1800;
  const end = unixSeconds(all, 'max') + 1800;
  return {
    sb,
    setup,
    state,
    rich,
    big,
    shop,
    all,
    sent: sentSpans(all),
    vars: {
      traceId,
      traceIdTrimmed: traceId.replace(/^0+/, ''),
      bigTraceId: big[0].spanContext().traceId,
      unknownTraceId: randomHex(16),
      service,
      start: String(start),
      end: String(end),
      ...drilldownVars(start, end, shop),
    },
  };
}

/**
 * Values Traces Drilldown computes from the time range: the step of its panels (the range over
 * 50 data points, whole seconds), the comparison tab's single step (the whole range), and a
 * heatmap selection's time range covering the shop's last two traces, in the unix nanoseconds
 * compare() takes (seconds × 1e9 as JavaScript numbers print them).
 */
function drilldownVars(start: number, end: number, shop: ReadableSpan[]): Record<string, string> {
  const rootStarts = shop.filter((s) => !s.parentSpanContext).map((s) => s.startTime[0]).sort((a, b) => a - b);
  const selFrom = rootStarts[rootStarts.length - 2] - 1;
  const selTo = rootStarts[rootStarts.length - 1] + 2;
  return {
    drilldownStep: `${Math.floor((end - start) / 50) || 1}s`,
    compareStep: `${end - start}s`,
    selectionFromNs: `${selFrom * 1000000000}`,
    selectionToNs: `${selTo * 1000000000}`,
  };
}

/** What the client sent for these spans, as OTLP JSON: the oracle for trace checks. */
export function sentResourceSpans(spans: ReadableSpan[]): unknown[] {
  return otelJson(spans).resourceSpans;
}
