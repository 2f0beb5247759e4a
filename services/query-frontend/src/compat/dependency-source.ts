// Where the Jaeger and Zipkin dependency routes get service links from: a contract, so the
// dependency graph can be built elsewhere (from per-block summaries and live data) and plugged in.

/** One edge of the service graph over a time range. */
export interface DependencyLink {
  /** Calling service. */
  parent: string;
  /** Called service. */
  child: string;
  /** Calls from parent to child. */
  callCount: number;
  /** Of those, calls that failed. */
  errorCount: number;
}

/** Answers the service graph of a tenant. */
export interface DependencySource {
  /** The tenant's links between `startMs` and `endMs` (epoch ms). */
  links(tenant: string, startMs: number, endMs: number): Promise<DependencyLink[]>;
}
