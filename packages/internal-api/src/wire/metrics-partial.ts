// A metrics partial on the wire (message MetricsPartial): the numbers a source accumulated for
// each pipeline of the plan (series as packed doubles, histogram buckets, exemplars, compare()
// counts). The receiver rebuilds the states from its own plan of the same query and request
// (partialFromData), which also checks the data fits.
import { partialData, partialFromData } from '@spanbase/traceql';
import type { ExemplarCandidate, MetricsLabel, MetricsPartial, MetricsPartialData, MetricsPlan, PipelineData, SeriesData, Static } from '@spanbase/traceql';
import { RpcMalformed } from '../errors.ts';
import type { ProtoReader, ProtoWriter } from './proto.ts';
import { WireType, readDoubles, readNested, writeBool, writeDouble, writeDoubles, writeNested, writeString, writeUint } from './proto.ts';
import { readKeyValue, readValue, writeKeyValue, writeValueField } from './values.ts';

function writeSeries(w: ProtoWriter, s: SeriesData): void {
  writeString(w, 1, s.key);
  // Each group value in its own message, so an absent one (undefined) keeps its place.
  for (const v of s.group) writeNested(w, 2, (x) => v !== undefined && writeValueField(x, 1, v));
  writeDoubles(w, 3, s.a);
  if (s.b) writeNested(w, 4, (x) => writeDoubles(x, 1, s.b!));
  for (const [bucket, counts] of s.hist ?? []) {
    writeNested(w, 5, (x) => {
      x.tag(1, WireType.VARINT);
      x.int32(bucket);
      writeDoubles(x, 2, counts);
    });
  }
}

function readSeries(r: ProtoReader): SeriesData {
  return readNested(r, { key: '', group: [], a: new Float64Array(0) } as SeriesData, (r, no, _t, s) => {
    if (no === 1) s.key = r.string();
    else if (no === 2) s.group.push(readNested(r, { v: undefined as Static | undefined }, (r, no, _t, o) => (no === 1 ? ((o.v = readValue(r)), true) : false)).v);
    else if (no === 3) s.a = readDoubles(r);
    else if (no === 4) s.b = readNested(r, { b: new Float64Array(0) as Float64Array }, (r, no, _t, o) => (no === 1 ? ((o.b = readDoubles(r)), true) : false)).b;
    else if (no === 5) {
      const h = readNested(r, { bucket: 0, counts: new Float64Array(0) as Float64Array }, (r, no, _t, o) => {
        if (no === 1) o.bucket = r.int32();
        else if (no === 2) o.counts = readDoubles(r);
        else return false;
        return true;
      });
      (s.hist ??= []).push([h.bucket, h.counts]);
    } else return false;
    return true;
  });
}

function writeExemplar(w: ProtoWriter, e: ExemplarCandidate): void {
  writeString(w, 1, e.seriesKey);
  if (e.bucket !== undefined) {
    w.tag(2, WireType.VARINT);
    w.int32(e.bucket);
  }
  writeUint(w, 3, e.interval);
  writeDouble(w, 4, e.timestampMs);
  writeDouble(w, 5, e.value);
  for (const l of e.labels) writeKeyValue(w, 6, l.key, l.value);
}

function readExemplar(r: ProtoReader): ExemplarCandidate {
  const e = readNested(r, { seriesKey: '', bucket: undefined as number | undefined, interval: 0, timestampMs: 0, value: 0, labels: [] as MetricsLabel[] }, (r, no, _t, e) => {
    if (no === 1) e.seriesKey = r.string();
    else if (no === 2) e.bucket = r.int32();
    else if (no === 3) e.interval = r.uint32();
    else if (no === 4) e.timestampMs = r.double();
    else if (no === 5) e.value = r.double();
    else if (no === 6) e.labels.push(readKeyValue(r));
    else return false;
    return true;
  });
  return e;
}

function writePipeline(w: ProtoWriter, p: PipelineData): void {
  if (p.kind === 'leaf') {
    writeNested(w, 1, (x) => {
      writeDouble(x, 1, p.spans);
      writeBool(x, 2, p.truncated);
      for (const s of p.series) writeNested(x, 3, (y) => writeSeries(y, s));
      for (const e of p.exemplars) writeNested(x, 4, (y) => writeExemplar(y, e));
    });
    return;
  }
  writeNested(w, 2, (x) => {
    writeDouble(x, 1, p.spans);
    for (const v of p.values) {
      writeNested(x, 2, (y) => {
        writeUint(y, 1, v.side);
        writeString(y, 2, v.attribute);
        writeValueField(y, 3, v.value);
        writeDoubles(y, 4, v.counts);
      });
    }
  });
}

function readPipeline(r: ProtoReader): PipelineData {
  const out = readNested(r, { p: undefined as PipelineData | undefined }, (r, no, _t, o) => {
    if (no === 1) {
      o.p = readNested(r, { kind: 'leaf', spans: 0, truncated: false, series: [], exemplars: [] } as Extract<PipelineData, { kind: 'leaf' }>, (r, no, _t, p) => {
        if (no === 1) p.spans = r.double();
        else if (no === 2) p.truncated = r.bool();
        else if (no === 3) p.series.push(readSeries(r));
        else if (no === 4) p.exemplars.push(readExemplar(r));
        else return false;
        return true;
      });
    } else if (no === 2) {
      o.p = readNested(r, { kind: 'compare', spans: 0, values: [] } as Extract<PipelineData, { kind: 'compare' }>, (r, no, _t, p) => {
        if (no === 1) p.spans = r.double();
        else if (no === 2) {
          const v = readNested(r, { side: 0, attribute: '', value: undefined as Static | undefined, counts: new Float64Array(0) as Float64Array }, (r, no, _t, v) => {
            if (no === 1) v.side = r.uint32();
            else if (no === 2) v.attribute = r.string();
            else if (no === 3) v.value = readValue(r);
            else if (no === 4) v.counts = readDoubles(r);
            else return false;
            return true;
          });
          if (v.side !== 0 && v.side !== 1) throw RpcMalformed(`compare() side ${v.side}`);
          p.values.push({ side: v.side, attribute: v.attribute, value: v.value ?? { type: 'nil' }, counts: v.counts });
        } else return false;
        return true;
      });
    } else return false;
    return true;
  });
  if (!out.p) throw RpcMalformed('a metrics pipeline state of no known kind');
  return out.p;
}

/** Writes the body of a MetricsPartial message from a partial's data (see partialData). */
export function writeMetricsPartialData(w: ProtoWriter, d: MetricsPartialData): void {
  for (const s of d.states) writeNested(w, 1, (x) => writePipeline(x, s));
}

/** The wire data of a partial. */
export function metricsPartialData(p: MetricsPartial): MetricsPartialData {
  return partialData(p);
}

/**
 * The partial's data from a nested MetricsPartial message (its tag just read); turn it into a
 * partial with {@link metricsPartialOf} once the plan is at hand.
 */
export function readMetricsPartial(r: ProtoReader): MetricsPartialData {
  return readNested(r, { states: [] as PipelineData[] }, (r, no, _t, d) => (no === 1 ? (d.states.push(readPipeline(r)), true) : false));
}

/** A partial of `plan` from wire data; a mismatch with the plan is a malformed message. */
export function metricsPartialOf(plan: MetricsPlan, data: MetricsPartialData): MetricsPartial {
  try {
    return partialFromData(plan, data);
  } catch (err) {
    throw RpcMalformed(`metrics partial from a peer: ${(err as Error).message}`, { cause: err });
  }
}
