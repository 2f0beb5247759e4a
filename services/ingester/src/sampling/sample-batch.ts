// Tail sampling on the block writer's side of a flush: the traces of a head block are decided a
// window at a time (decoded, evaluated by the TraceQL engine, decided by trace id) and only kept
// traces go on to the block writer, their spans' tracestate carrying the threshold they were kept
// at. Running here keeps rule evaluation off the event loop that acknowledges ingest, and the
// window bounds the decoded spans held at once.
import type { EncodedSpan } from '@spanbase/block';
import type { SpanRecord } from '@spanbase/model';
import { bytesToHex, formatThreshold, withThreshold } from '@spanbase/model';
import { MessageDecoder } from '@spanbase/otlp';
import { decideTraces, samplingPolicy } from '@spanbase/overrides';
import type { SamplingDecision, SamplingPolicy, SamplingSpec } from '@spanbase/overrides';
import type { TraceGroup } from '../flush-batch.ts';

/** Traces decided at once: bounds the decoded spans a flush holds. */
const WINDOW = 256;

/** What a flush batch carries for sampling. */
export interface BatchSampling {
  /** The tenant's policy when the batch was cut. */
  spec: SamplingSpec;
  /**
   * Per trace entry of the batch: a decision made earlier for the same trace (its spans arrived
   * late), which the entry follows; undefined entries are decided here.
   */
  earlier: (EarlierDecision | undefined)[];
}

/** A decision remembered from an earlier flush, in a form that crosses threads. */
export interface EarlierDecision {
  keep: boolean;
  rule: string;
  /** Threshold as `th` hex text. */
  th: string;
}

/** How one trace of a batch was decided (reported back to the ingester). */
export interface TraceOutcome {
  /** Trace id, hex. */
  id: string;
  keep: boolean;
  rule: string;
  /** Threshold as `th` hex text. */
  th: string;
  /** Spans of the trace in this batch. */
  spans: number;
  /** True when an earlier decision was followed. */
  late: boolean;
}

const policies = new Map<string, SamplingPolicy>();

function policyOf(spec: SamplingSpec): SamplingPolicy {
  const key = JSON.stringify(spec);
  let p = policies.get(key);
  if (!p) {
    if (policies.size > 64) policies.clear();
    policies.set(key, (p = samplingPolicy(spec)));
  }
  return p;
}

function decode(spans: readonly EncodedSpan[]): SpanRecord[] {
  let decoder: MessageDecoder | undefined;
  return spans.map((s) => {
    if (decoder === undefined || decoder.bytes !== s.bytes) decoder = new MessageDecoder(s.bytes);
    return { span: decoder.span(s.offset, s.length), resource: s.resource, resourceSchemaUrl: s.resourceSchemaUrl, scope: s.scope, scopeSchemaUrl: s.scopeSchemaUrl };
  });
}

/** The spans with their tracestate stamped with the trace's threshold (unchanged when nothing was sampled away). */
function stamped(spans: EncodedSpan[], records: readonly SpanRecord[], threshold: bigint): EncodedSpan[] {
  if (threshold === 0n && records.every((r) => !r.span.traceState.includes('th:'))) return spans;
  return spans.map((s, i) => {
    const state = withThreshold(records[i].span.traceState, threshold);
    return state === records[i].span.traceState ? s : { ...s, traceState: state };
  });
}

/**
 * The kept traces of `groups`, each decided by the earlier decision its entries carry or by the
 * policy; `outcomes` receives every trace's decision, kept or not.
 */
export async function* sampleTraces(groups: Iterable<TraceGroup>, sampling: BatchSampling, outcomes: TraceOutcome[]): AsyncIterable<EncodedSpan[]> {
  const policy = policyOf(sampling.spec);
  let window: { group: TraceGroup; records: SpanRecord[]; earlier: EarlierDecision | undefined }[] = [];
  async function* flush(): AsyncIterable<EncodedSpan[]> {
    const fresh = window.filter((w) => w.earlier === undefined);
    const decided = await decideTraces(policy, fresh.map((w) => w.records));
    let k = 0;
    for (const w of window) {
      const d: SamplingDecision = w.earlier ? { keep: w.earlier.keep, rule: w.earlier.rule, threshold: BigInt(`0x${w.earlier.th.padEnd(14, '0')}`) } : decided[k++];
      const th = formatThreshold(d.threshold);
      outcomes.push({ id: bytesToHex(w.records[0].span.traceId), keep: d.keep, rule: d.rule, th, spans: w.records.length, late: w.earlier !== undefined });
      if (d.keep) yield stamped(w.group.spans, w.records, d.threshold);
    }
    window = [];
  }
  for (const group of groups) {
    if (group.spans.length === 0) continue;
    const earlier = group.entries.map((e) => sampling.earlier[e]).find((d) => d !== undefined);
    window.push({ group, records: decode(group.spans), earlier });
    if (window.length >= WINDOW) yield* flush();
  }
  if (window.length > 0) yield* flush();
}
