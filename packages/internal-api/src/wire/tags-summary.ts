// Tags summaries on the wire (message TagsSummary): per scope the keys with their type counts
// and most frequent values, and the intrinsics' values, as a block's `tags` object or an
// ingester's live data summarise them for autocomplete.
import { TAG_SCOPES } from '@spanbase/block';
import type { TagKey, TagScope, TagValue, TagsSummary } from '@spanbase/block';
import { RpcMalformed } from '../errors.ts';
import type { ProtoReader, ProtoWriter } from './proto.ts';
import { readNested, writeBool, writeDouble, writeNested, writeString } from './proto.ts';

const VALUE_TYPES = ['string', 'int', 'double', 'bool'] as const;

function writeTagValue(w: ProtoWriter, no: number, v: TagValue): void {
  writeNested(w, no, (x) => {
    writeString(x, 1, v.type);
    writeString(x, 2, v.value);
    writeDouble(x, 3, v.count);
  });
}

function readTagValue(r: ProtoReader): TagValue {
  const v = readNested(r, { type: '', value: '', count: 0 }, (r, no, _t, v) => {
    if (no === 1) v.type = r.string();
    else if (no === 2) v.value = r.string();
    else if (no === 3) v.count = r.double();
    else return false;
    return true;
  });
  if (!(VALUE_TYPES as readonly string[]).includes(v.type)) throw RpcMalformed(`tag value type ${JSON.stringify(v.type)}`);
  return v as TagValue;
}

function writeKey(w: ProtoWriter, k: TagKey): void {
  writeString(w, 1, k.name);
  writeDouble(w, 2, k.count);
  for (const [type, n] of Object.entries(k.types)) {
    writeNested(w, 3, (x) => {
      writeString(x, 1, type);
      writeDouble(x, 2, n);
    });
  }
  for (const v of k.values) writeTagValue(w, 4, v);
  writeBool(w, 5, k.approximate);
}

function readKey(r: ProtoReader): TagKey {
  return readNested(r, { name: '', count: 0, types: {}, values: [], approximate: false } as TagKey, (r, no, _t, k) => {
    if (no === 1) k.name = r.string();
    else if (no === 2) k.count = r.double();
    else if (no === 3) {
      const t = readNested(r, { type: '', n: 0 }, (r, no, _t, t) => (no === 1 ? ((t.type = r.string()), true) : no === 2 ? ((t.n = r.double()), true) : false));
      k.types[t.type] = t.n;
    } else if (no === 4) k.values.push(readTagValue(r));
    else if (no === 5) k.approximate = r.bool();
    else return false;
    return true;
  });
}

/** Writes the body of a TagsSummary message. */
export function writeTagsSummary(w: ProtoWriter, s: TagsSummary): void {
  for (const scope of TAG_SCOPES) {
    const keys = s.scopes[scope] ?? [];
    const dropped = s.droppedKeys?.[scope] ?? 0;
    if (keys.length === 0 && dropped === 0) continue;
    writeNested(w, 1, (x) => {
      writeString(x, 1, scope);
      for (const k of keys) writeNested(x, 2, (y) => writeKey(y, k));
      writeDouble(x, 3, dropped);
    });
  }
  for (const [name, values] of Object.entries(s.intrinsics)) {
    writeNested(w, 2, (x) => {
      writeString(x, 1, name);
      for (const v of values) writeTagValue(x, 2, v);
    });
  }
}

/** A summary with nothing in it. */
export function emptyTagsSummary(): TagsSummary {
  const scopes = {} as Record<TagScope, TagKey[]>;
  const droppedKeys = {} as Record<TagScope, number>;
  for (const s of TAG_SCOPES) {
    scopes[s] = [];
    droppedKeys[s] = 0;
  }
  return { version: 1, scopes, intrinsics: {}, droppedKeys };
}

/** Reads a nested TagsSummary message (its tag just read). */
export function readTagsSummary(r: ProtoReader): TagsSummary {
  return readNested(r, emptyTagsSummary(), (r, no, _t, s) => {
    if (no === 1) {
      const sc = readNested(r, { scope: '', keys: [] as TagKey[], dropped: 0 }, (r, no, _t, o) => {
        if (no === 1) o.scope = r.string();
        else if (no === 2) o.keys.push(readKey(r));
        else if (no === 3) o.dropped = r.double();
        else return false;
        return true;
      });
      if (!(TAG_SCOPES as readonly string[]).includes(sc.scope)) return true; // a scope this version does not know
      s.scopes[sc.scope as TagScope] = sc.keys;
      s.droppedKeys[sc.scope as TagScope] = sc.dropped;
    } else if (no === 2) {
      const i = readNested(r, { name: '', values: [] as TagValue[] }, (r, no, _t, o) => {
        if (no === 1) o.name = r.string();
        else if (no === 2) o.values.push(readTagValue(r));
        else return false;
        return true;
      });
      s.intrinsics[i.name] = i.values;
    } else return false;
    return true;
  });
}
