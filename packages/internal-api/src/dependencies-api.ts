// The service dependency graph across processes: the frontend asks a querier for the edges of a
// group of blocks (and, for the live job, of every ingester's memory) over a time range; the
// querier asks each ingester for the edges of its live traces. Both answer with edges already
// restricted to the range and added up, which merge by adding again.
//
//   rpc Jobs.Dependencies(DependenciesJob) returns (DependenciesJobResult);
//   rpc Live.Dependencies(LiveDependenciesRequest) returns (LiveDependenciesResponse);
//   message DependenciesJob          { repeated bytes blocks = 1; bool live = 2; int64 start = 3; int64 end = 4; }
//   message DependenciesJobResult    { repeated DependencyEdge edges = 1; repeated Failure failures = 2;
//                                      repeated bytes recent_blocks = 3; }
//   message LiveDependenciesRequest  { int64 start = 1; int64 end = 2; }
//   message LiveDependenciesResponse { repeated DependencyEdge edges = 1; repeated bytes recent_blocks = 2; }
//   message DependencyEdge { string parent = 1; string child = 2; uint32 parent_kind = 3;
//                            uint32 child_kind = 4; bool remote = 5; uint64 calls = 6; uint64 errors = 7;
//                            repeated double latency = 8; }   // counts per histogram bucket
// start and end are unix seconds (0: open); blocks and recent_blocks hold meta.json bytes.
import type { BlockMeta, DependencyEdge, DependencyRange } from '@spanbase/block';
import { LATENCY_BOUNDS_MS } from '@spanbase/block';
import { RpcMalformed } from './errors.ts';
import type { JobFailure, JobScope } from './jobs-api.ts';
import { method } from './rpc/service.ts';
import { readBlockMeta, writeBlockMetas } from './wire/block-meta.ts';
import type { ProtoReader, ProtoWriter } from './wire/proto.ts';
import { decodeMessage, encodeMessage, readCount, readDoubles, readNested, writeBool, writeCount, writeDoubles, writeInt64, writeNested, writeString, writeUint } from './wire/proto.ts';

/** A dependencies job: its blocks (and live data) over a range. */
export interface DependenciesJob extends JobScope {
  range: DependencyRange;
}

/** The edges a dependencies job found. */
export interface DependenciesJobResult {
  edges: DependencyEdge[];
  failures: JobFailure[];
  recentBlocks: BlockMeta[];
}

/** A live dependencies answer. */
export interface LiveDependenciesResponse {
  edges: DependencyEdge[];
  recentBlocks: BlockMeta[];
}

function writeEdges(w: ProtoWriter, no: number, edges: readonly DependencyEdge[]): void {
  for (const e of edges) {
    writeNested(w, no, (x) => {
      writeString(x, 1, e.parent);
      writeString(x, 2, e.child);
      writeUint(x, 3, e.parentKind);
      writeUint(x, 4, e.childKind);
      writeBool(x, 5, e.remote);
      writeCount(x, 6, e.calls);
      writeCount(x, 7, e.errors);
      writeDoubles(x, 8, Float64Array.from(e.latency));
    });
  }
}

function readEdge(r: ProtoReader): DependencyEdge {
  const e = readNested(r, { parent: '', child: '', parentKind: 0, childKind: 0, remote: false, calls: 0, errors: 0, latency: [] } as DependencyEdge, (r, no, _t, e) => {
    if (no === 1) e.parent = r.string();
    else if (no === 2) e.child = r.string();
    else if (no === 3) e.parentKind = r.uint32();
    else if (no === 4) e.childKind = r.uint32();
    else if (no === 5) e.remote = r.bool();
    else if (no === 6) e.calls = readCount(r);
    else if (no === 7) e.errors = readCount(r);
    else if (no === 8) e.latency = [...readDoubles(r)];
    else return false;
    return true;
  });
  if (e.latency.length === 0) e.latency = new Array<number>(LATENCY_BOUNDS_MS.length + 1).fill(0);
  if (e.latency.length !== LATENCY_BOUNDS_MS.length + 1) throw RpcMalformed(`dependency edge with ${e.latency.length} latency buckets, expected ${LATENCY_BOUNDS_MS.length + 1}`);
  return e;
}

function writeRange(w: ProtoWriter, startNo: number, r: DependencyRange): void {
  writeInt64(w, startNo, BigInt(r.start));
  writeInt64(w, startNo + 1, BigInt(r.end));
}

/** Jobs.Dependencies; the failures field reuses the jobs service's codec (passed in to avoid a cycle). */
export function dependenciesJobMethod(failures: { write(w: ProtoWriter, no: number, list: readonly JobFailure[]): void; read(r: ProtoReader): JobFailure }) {
  return method<DependenciesJob, DependenciesJobResult>('Dependencies', {
    encodeRequest: (j) => encodeMessage((w) => {
      writeBlockMetas(w, 1, j.blocks);
      writeBool(w, 2, j.live);
      writeRange(w, 3, j.range);
    }, 4096),
    decodeRequest: (b) => decodeMessage(b, { blocks: [], live: false, range: { start: 0, end: 0 } } as DependenciesJob, (r, no, _t, j) => {
      if (no === 1) j.blocks.push(readBlockMeta(r));
      else if (no === 2) j.live = r.bool();
      else if (no === 3) j.range.start = Number(r.int64());
      else if (no === 4) j.range.end = Number(r.int64());
      else return false;
      return true;
    }),
    encodeResponse: (res) => encodeMessage((w) => {
      writeEdges(w, 1, res.edges);
      failures.write(w, 2, res.failures);
      writeBlockMetas(w, 3, res.recentBlocks);
    }, 4096),
    decodeResponse: (b) => decodeMessage(b, { edges: [], failures: [], recentBlocks: [] } as DependenciesJobResult, (r, no, _t, o) => {
      if (no === 1) o.edges.push(readEdge(r));
      else if (no === 2) o.failures.push(failures.read(r));
      else if (no === 3) o.recentBlocks.push(readBlockMeta(r));
      else return false;
      return true;
    }),
  });
}

/** Live.Dependencies. */
export const liveDependenciesMethod = method<DependencyRange, LiveDependenciesResponse>('Dependencies', {
  encodeRequest: (q) => encodeMessage((w) => writeRange(w, 1, q)),
  decodeRequest: (b) => decodeMessage(b, { start: 0, end: 0 } as DependencyRange, (r, no, _t, q) => {
    if (no === 1) q.start = Number(r.int64());
    else if (no === 2) q.end = Number(r.int64());
    else return false;
    return true;
  }),
  encodeResponse: (res) => encodeMessage((w) => {
    writeEdges(w, 1, res.edges);
    writeBlockMetas(w, 2, res.recentBlocks);
  }, 4096),
  decodeResponse: (b) => decodeMessage(b, { edges: [], recentBlocks: [] } as LiveDependenciesResponse, (r, no, _t, o) => {
    if (no === 1) o.edges.push(readEdge(r));
    else if (no === 2) o.recentBlocks.push(readBlockMeta(r));
    else return false;
    return true;
  }),
});
