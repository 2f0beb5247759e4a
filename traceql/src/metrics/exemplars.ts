// Exemplars: a few spans per query that link a graph to traces. As in Tempo they are spread over
// the time range (at most two per slot of range / (limit / 2)), at most one per trace, `limit`
// in all. The first candidates that fit are kept, so picking is cheap on the hot path: a slot
// test before anything about the span is read.
import type { Static } from '../static.ts';

/** A label of a series or exemplar. */
export interface MetricsLabel {
  /** Name, e.g. `resource.service.name`, `__name__`, `p`, `trace:id`. */
  readonly key: string;
  /** Value; nil shows as the string "nil". */
  readonly value: Static;
}

/** A span picked as an exemplar, before it is attached to an output series. */
export interface ExemplarCandidate {
  /** Group key of the series the span counted in. */
  readonly seriesKey: string;
  /** histogram_over_time(): the span's bucket; undefined otherwise. */
  readonly bucket: number | undefined;
  /** The interval the span counted in. */
  readonly interval: number;
  /** Span start, unix ms. */
  readonly timestampMs: number;
  /** The span's measured value in output units; NaN means "the value of the sample it belongs to". */
  readonly value: number;
  /** trace:id, span:id and the span's fetched fields. */
  readonly labels: readonly MetricsLabel[];
}

const PER_SLOT = 2;

/** Picks exemplars for one metrics pipeline. */
export class ExemplarPicker {
  /** Picked so far. */
  readonly picked: ExemplarCandidate[] = [];
  private readonly limit: number;
  private readonly startMs: number;
  private readonly widthMs: number;
  private readonly perSlot: Int32Array;
  private readonly traces = new Set<string>();

  /** `limit` exemplars over [startMs, endMs]. */
  constructor(limit: number, startMs: number, endMs: number) {
    this.limit = limit;
    const slots = Math.max(1, Math.floor(limit / PER_SLOT));
    this.startMs = startMs;
    this.widthMs = Math.max(1, (endMs - startMs) / slots);
    this.perSlot = new Int32Array(limit > 0 ? slots : 0);
  }

  private slot(ms: number): number {
    const i = Math.floor((ms - this.startMs) / this.widthMs);
    return i < 0 ? 0 : i >= this.perSlot.length ? this.perSlot.length - 1 : i;
  }

  /** Whether a span starting at `ms` could still be picked (cheap; call before building one). */
  wants(ms: number): boolean {
    return this.picked.length < this.limit && this.perSlot[this.slot(ms)] < PER_SLOT;
  }

  /** Whether a candidate at some time in [fromMs, toMs] could still be kept. */
  wantsRange(fromMs: number, toMs: number): boolean {
    if (this.picked.length >= this.limit) return false;
    for (let i = this.slot(fromMs), last = this.slot(toMs); i <= last; i++) if (this.perSlot[i] < PER_SLOT) return true;
    return false;
  }

  /** Keeps the candidate unless its trace already has one or there is no room. */
  offer(traceKey: string, candidate: ExemplarCandidate): boolean {
    if (!this.wants(candidate.timestampMs) || this.traces.has(traceKey)) return false;
    this.traces.add(traceKey);
    this.perSlot[this.slot(candidate.timestampMs)]++;
    this.picked.push(candidate);
    return true;
  }

  /** Offers another picker's exemplars to this one. */
  merge(other: ExemplarPicker): void {
    for (const e of other.picked) {
      const trace = e.labels.find((l) => l.key === 'trace:id');
      this.offer(trace && trace.value.type === 'string' ? trace.value.value : `#${this.picked.length}`, e);
    }
  }
}
