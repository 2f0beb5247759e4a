// Which attribute values fit sb1's typed columns. An int attribute goes to the INT64 columns
// (dedicated or `span_int_values`) only when it fits; OTLP ints always do, a bigint built by
// other means need not, and then it is kept as OTLP/JSON in the `other` lists.

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/** True when an int attribute fits the INT64 columns (OTLP ints always do; bigint need not). */
export function fitsInt64(v: bigint): boolean {
  return v >= INT64_MIN && v <= INT64_MAX;
}
