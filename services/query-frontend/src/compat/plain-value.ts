// An attribute value as plain JSON, for the places Jaeger and Zipkin carry arrays and maps as
// JSON text (ints as numbers, bytes as base64), as the OpenTelemetry Collector writes them.
import type { AnyValue } from '@spanbase/model';

/** The value as plain JSON. */
export function plainValue(v: AnyValue): unknown {
  switch (v.type) {
    case 'string': case 'bool': case 'double': return v.value;
    case 'int': return Number(v.value);
    case 'bytes': return Buffer.from(v.value).toString('base64');
    case 'array': return v.value.map(plainValue);
    case 'kvlist': return Object.fromEntries(v.value.map((kv) => [kv.key, plainValue(kv.value)]));
    case 'empty': return null;
  }
}
