// A small Prometheus registry: counters, gauges and histograms with labels, rendered in the text
// exposition format. Enough for /metrics without pulling a metrics library into every package;
// other packages accept narrow sinks and the server backs them with this.

type Labels = Record<string, string>;

function labelKey(names: readonly string[], labels: Labels): string {
  let key = '';
  for (const n of names) key += (labels[n] ?? '') + '\u0000';
  return key;
}

function escapeLabel(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

function renderLabels(names: readonly string[], values: readonly string[], extra = ''): string {
  const parts = names.map((n, i) => `${n}="${escapeLabel(values[i])}"`);
  if (extra) parts.push(extra);
  return parts.length > 0 ? `{${parts.join(',')}}` : '';
}

interface Series<T> {
  values: string[];
  state: T;
}

abstract class Metric<T> {
  protected readonly series = new Map<string, Series<T>>();
  readonly name: string;
  readonly help: string;
  readonly labelNames: readonly string[];

  constructor(name: string, help: string, labelNames: readonly string[]) {
    this.name = name;
    this.help = help;
    this.labelNames = labelNames;
  }

  protected get(labels: Labels, init: () => T): T {
    const key = labelKey(this.labelNames, labels);
    let s = this.series.get(key);
    if (!s) {
      s = { values: this.labelNames.map((n) => labels[n] ?? ''), state: init() };
      this.series.set(key, s);
    }
    return s.state;
  }

  abstract render(): string;
}

/** A monotonically increasing count. */
export class Counter extends Metric<{ v: number }> {
  /** Adds `n` (default 1) to the series with these labels. */
  inc(labels: Labels = {}, n = 1): void {
    this.get(labels, () => ({ v: 0 })).v += n;
  }
  /** Current value of a series (0 when never incremented). */
  value(labels: Labels = {}): number {
    return this.series.get(labelKey(this.labelNames, labels))?.state.v ?? 0;
  }
  render(): string {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} counter`];
    for (const s of this.series.values()) lines.push(`${this.name}${renderLabels(this.labelNames, s.values)} ${s.state.v}`);
    return lines.join('\n');
  }
}

/** A value that goes up and down; may be computed at scrape time. */
export class Gauge extends Metric<{ v: number }> {
  private collector?: () => Iterable<[Labels, number]>;
  /** Sets the series with these labels. */
  set(labels: Labels, v: number): void {
    this.get(labels, () => ({ v: 0 })).v = v;
  }
  /** Adds to the series with these labels. */
  add(labels: Labels, n: number): void {
    this.get(labels, () => ({ v: 0 })).v += n;
  }
  /** Computes every series at scrape time instead of storing them. */
  collect(fn: () => Iterable<[Labels, number]>): this {
    this.collector = fn;
    return this;
  }
  render(): string {
    if (this.collector) {
      this.series.clear();
      for (const [labels, v] of this.collector()) this.set(labels, v);
    }
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} gauge`];
    for (const s of this.series.values()) lines.push(`${this.name}${renderLabels(this.labelNames, s.values)} ${s.state.v}`);
    return lines.join('\n');
  }
}

/** Default buckets for request latencies, in seconds. */
export const LATENCY_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** Observations counted into cumulative buckets. */
export class Histogram extends Metric<{ counts: Float64Array; sum: number; count: number }> {
  readonly buckets: readonly number[];
  constructor(name: string, help: string, labelNames: readonly string[], buckets: readonly number[] = LATENCY_BUCKETS) {
    super(name, help, labelNames);
    this.buckets = buckets;
  }
  /** Records one observation. */
  observe(labels: Labels, v: number): void {
    const s = this.get(labels, () => ({ counts: new Float64Array(this.buckets.length), sum: 0, count: 0 }));
    for (let i = 0; i < this.buckets.length; i++) if (v <= this.buckets[i]) s.counts[i]++;
    s.sum += v;
    s.count++;
  }
  render(): string {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} histogram`];
    for (const s of this.series.values()) {
      for (let i = 0; i < this.buckets.length; i++) lines.push(`${this.name}_bucket${renderLabels(this.labelNames, s.values, `le="${this.buckets[i]}"`)} ${s.state.counts[i]}`);
      lines.push(`${this.name}_bucket${renderLabels(this.labelNames, s.values, 'le="+Inf"')} ${s.state.count}`);
      lines.push(`${this.name}_sum${renderLabels(this.labelNames, s.values)} ${s.state.sum}`);
      lines.push(`${this.name}_count${renderLabels(this.labelNames, s.values)} ${s.state.count}`);
    }
    return lines.join('\n');
  }
}

/** Holds every metric of the process; names are unique. */
export class MetricsRegistry {
  private readonly metrics = new Map<string, Metric<unknown>>();

  private add<M extends Metric<unknown>>(m: M): M {
    const existing = this.metrics.get(m.name);
    if (existing) {
      if (existing.constructor !== m.constructor) throw new Error(`metric ${m.name} registered twice with different types`);
      return existing as M;
    }
    this.metrics.set(m.name, m);
    return m;
  }
  /** Registers (or returns the existing) counter. */
  counter(name: string, help: string, labelNames: readonly string[] = []): Counter {
    return this.add(new Counter(name, help, labelNames));
  }
  /** Registers (or returns the existing) gauge. */
  gauge(name: string, help: string, labelNames: readonly string[] = []): Gauge {
    return this.add(new Gauge(name, help, labelNames));
  }
  /** Registers (or returns the existing) histogram. */
  histogram(name: string, help: string, labelNames: readonly string[] = [], buckets?: readonly number[]): Histogram {
    return this.add(new Histogram(name, help, labelNames, buckets));
  }
  /** The text exposition of every metric. */
  render(): string {
    return [...this.metrics.values()].map((m) => m.render()).join('\n') + '\n';
  }
}
