// Duration literals. TraceQL (like Tempo) accepts two spellings and tries them in order:
// Prometheus style (`1d`, `2w`, `1y`, `1h30m`: integer parts, units y w d h m s ms, each at most
// once and in that order) and Go style (`1.5s`, `300us`, `2µs`, `1h0.5m`: decimal parts, units
// ns us µs ms s m h). Values are exact nanoseconds; both spellings reject overflow of int64.

const MAX_NS = (1n << 63n) - 1n;

const PROM_UNITS: readonly [string, bigint][] = [
  ['y', 365n * 24n * 3_600_000_000_000n],
  ['w', 7n * 24n * 3_600_000_000_000n],
  ['d', 24n * 3_600_000_000_000n],
  ['h', 3_600_000_000_000n],
  ['m', 60_000_000_000n],
  ['s', 1_000_000_000n],
  ['ms', 1_000_000n],
];

const GO_UNITS: ReadonlyMap<string, bigint> = new Map([
  ['ns', 1n],
  ['us', 1_000n],
  ['µs', 1_000n],
  ['μs', 1_000n],
  ['ms', 1_000_000n],
  ['s', 1_000_000_000n],
  ['m', 60_000_000_000n],
  ['h', 3_600_000_000_000n],
]);

/** Nanoseconds of a duration literal, or undefined when it is not one. */
export function parseDurationText(text: string): bigint | undefined {
  return parsePrometheus(text) ?? parseGo(text);
}

function parsePrometheus(text: string): bigint | undefined {
  const re = /^(?:(\d+)y)?(?:(\d+)w)?(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?(?:(\d+)ms)?$/;
  const m = re.exec(text);
  if (!m || text === '') return undefined;
  let total = 0n;
  for (let i = 0; i < PROM_UNITS.length; i++) {
    const part = m[i + 1];
    if (part !== undefined) total += BigInt(part) * PROM_UNITS[i][1];
  }
  return total > MAX_NS ? undefined : total;
}

function parseGo(text: string): bigint | undefined {
  if (text === '0') return 0n;
  const re = /(\d*)(?:\.(\d*))?([a-zµμ]+)/y;
  let pos = 0;
  let total = 0n;
  while (pos < text.length) {
    re.lastIndex = pos;
    const m = re.exec(text);
    if (!m) return undefined;
    const [whole, intPart, fracPart = '', unitText] = m;
    if (intPart === '' && fracPart === '') return undefined;
    const unit = GO_UNITS.get(unitText);
    if (unit === undefined) return undefined;
    let value = BigInt(intPart || '0') * unit;
    if (fracPart !== '') value += (BigInt(fracPart) * unit) / 10n ** BigInt(fracPart.length);
    total += value;
    if (total > MAX_NS) return undefined;
    pos += whole.length;
  }
  return pos === 0 ? undefined : total;
}
