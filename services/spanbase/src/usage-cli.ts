// `spanbase usage [--tenant=T] [--json] [--dry-run]`: what is stored, per tenant, service and day
// (traces, spans, bytes of data.parquet), read from the blocks in the object store. With
// `--dry-run`, what the tail-sampling policy of the flags and overrides file (--sampling.*,
// --overrides.file) would keep and drop of those traces, per rule: each stored trace is decided by
// the same function the ingester applies, so the numbers are what sampling would then do, to the
// trace. A trace split over blocks (spans that arrived after its block was written) is decided
// per block, as the ingester decides each head block.
import { createObjectStore } from '@spanbase/backend';
import type { ObjectStore } from '@spanbase/backend';
import { listBlocks, listTenants, openBlock } from '@spanbase/block';
import { storageSettings } from '@spanbase/config';
import type { Config } from '@spanbase/config';
import { serviceNameOf } from '@spanbase/model';
import type { SpanRecord } from '@spanbase/model';
import { Overrides, decideTraces } from '@spanbase/overrides';
import type { SamplingPolicy } from '@spanbase/overrides';

/** Switches the usage command accepts. */
export const USAGE_SWITCHES = ['tenant', 'json', 'dry-run'];

/** Stored data of one tenant, service and day. */
export interface UsageRow {
  tenant: string;
  service: string;
  /** UTC day of the traces' start, YYYY-MM-DD. */
  day: string;
  /** Traces, counted under their root span's service. */
  traces: number;
  /** Spans, under their own service. */
  spans: number;
  /** Bytes of data.parquet, each block's size shared out by spans. */
  bytes: number;
}

/** What a sampling policy would do with the stored traces of a tenant, per decision and rule. */
export interface DryRunRow {
  tenant: string;
  decision: 'kept' | 'dropped';
  /** The deciding rule as written, or `default`. */
  rule: string;
  traces: number;
  spans: number;
  bytes: number;
}

/** The report. */
export interface UsageReport {
  usage: UsageRow[];
  /** With a policy: its decisions. */
  dryRun?: DryRunRow[];
}

/** Traces decided at once, as the ingester decides a head block a window at a time. */
const WINDOW = 256;

function rootOf(trace: readonly SpanRecord[]): SpanRecord {
  return trace.find((r) => r.span.parentSpanId.length === 0 || r.span.parentSpanId.every((b) => b === 0)) ?? trace[0];
}

function bump<R extends { traces: number; spans: number; bytes: number }>(map: Map<string, R>, key: string, make: () => R, traces: number, spans: number, bytes: number): void {
  let r = map.get(key);
  if (!r) map.set(key, (r = make()));
  r.traces += traces;
  r.spans += spans;
  r.bytes += bytes;
}

/** Usage of the tenants' live blocks, and with `policyOf` what that policy would keep and drop. */
export async function usageReport(store: ObjectStore, tenants: readonly string[], policyOf?: (tenant: string) => SamplingPolicy): Promise<UsageReport> {
  const usage = new Map<string, UsageRow>();
  const dry = new Map<string, DryRunRow>();
  for (const tenant of tenants) {
    const policy = policyOf?.(tenant);
    for (const meta of (await listBlocks(store, tenant)).live) {
      const perSpan = meta.size / Math.max(1, meta.spanCount);
      let window: SpanRecord[][] = [];
      const decide = async () => {
        if (!policy || window.length === 0) return;
        const decisions = await decideTraces(policy, window);
        decisions.forEach((d, i) => {
          const decision = d.keep ? 'kept' : 'dropped';
          const n = window[i].length;
          bump(dry, `${tenant}\u0000${decision}\u0000${d.rule}`, () => ({ tenant, decision, rule: d.rule, traces: 0, spans: 0, bytes: 0 }), 1, n, n * perSpan);
        });
        window = [];
      };
      for await (const trace of openBlock(store, meta).iterateTraces()) {
        if (trace.length === 0) continue;
        let start = trace[0].span.startTimeUnixNano;
        for (const r of trace) if (r.span.startTimeUnixNano < start) start = r.span.startTimeUnixNano;
        const day = new Date(Number(start / 1_000_000n)).toISOString().slice(0, 10);
        const rootService = serviceNameOf(rootOf(trace).resource) ?? '';
        bump(usage, `${tenant}\u0000${rootService}\u0000${day}`, () => ({ tenant, service: rootService, day, traces: 0, spans: 0, bytes: 0 }), 1, 0, 0);
        for (const r of trace) {
          const service = serviceNameOf(r.resource) ?? '';
          bump(usage, `${tenant}\u0000${service}\u0000${day}`, () => ({ tenant, service, day, traces: 0, spans: 0, bytes: 0 }), 0, 1, perSpan);
        }
        if (policy) {
          window.push(trace);
          if (window.length >= WINDOW) await decide();
        }
      }
      await decide();
    }
  }
  const round = <R extends { bytes: number }>(rows: R[]) => rows.map((r) => ({ ...r, bytes: Math.round(r.bytes) }));
  const order = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
  return {
    usage: round([...usage.values()].sort((a, b) => order(a.tenant, b.tenant) || order(a.day, b.day) || order(a.service, b.service))),
    dryRun: policyOf ? round([...dry.values()].sort((a, b) => order(a.tenant, b.tenant) || order(a.decision, b.decision) || order(a.rule, b.rule))) : undefined,
  };
}

/** Runs `spanbase usage`; returns the exit code. */
export async function runUsageCommand(cfg: Config, switches: Map<string, string | true>, io: { out: (s: string) => void }): Promise<number> {
  const store = createObjectStore(storageSettings(cfg, { withCache: false }));
  const t = switches.get('tenant');
  const tenants = typeof t === 'string' ? [t] : await listTenants(store);
  const overrides = switches.has('dry-run') ? Overrides.fromConfig(cfg) : undefined;
  const report = await usageReport(store, tenants, overrides && ((tenant) => overrides.sampling(tenant)));
  if (switches.has('json')) {
    io.out(JSON.stringify(report, null, 2) + '\n');
    return 0;
  }
  io.out(['tenant', 'day', 'service', 'traces', 'spans', 'bytes'].join('\t') + '\n');
  for (const r of report.usage) io.out([r.tenant, r.day, r.service || '-', r.traces, r.spans, r.bytes].join('\t') + '\n');
  if (report.dryRun) {
    io.out('\n' + ['tenant', 'decision', 'rule', 'traces', 'spans', 'bytes'].join('\t') + '\n');
    for (const r of report.dryRun) io.out([r.tenant, r.decision, r.rule, r.traces, r.spans, r.bytes].join('\t') + '\n');
  }
  return 0;
}
