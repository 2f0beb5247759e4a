// OpenTelemetry consistent probability sampling, as the W3C `tracestate` `ot` entry records it.
// Every participant draws the same 56-bit randomness R for a trace (the `rv` value when the
// tracestate carries one, else the trace id's last 7 bytes) and keeps the trace when R is at least
// its rejection threshold T (`th`, 14 hex digits with trailing zeros left out; `th:0` keeps all).
// A keep probability p is the threshold 2^56 * (1 - p), and a kept item stands for 2^56 / (2^56 - T)
// items (its adjusted count). Because the decision is R >= T on shared R, a trace kept at 1% is
// also kept at 5%, every ingester and every restart decides alike, and sampling stages compose:
// the effective threshold of two stages is the larger of the two.

/** 2^56: the randomness space. */
export const MAX_THRESHOLD = 1n << 56n;

/** The threshold keeping a share `p` (0..1] of traces: 0 for p = 1, 2^56 (keeps none) for p = 0. */
export function thresholdOf(p: number): bigint {
  if (!(p > 0)) return MAX_THRESHOLD;
  if (p >= 1) return 0n;
  // p * 2^56 is exact enough in a double for any share an operator writes (2^-52 relative).
  const kept = BigInt(Math.round(p * 2 ** 56));
  return kept <= 0n ? MAX_THRESHOLD - 1n : MAX_THRESHOLD - kept;
}

/** The keep probability of a threshold. */
export function probabilityOf(threshold: bigint): number {
  return Number(MAX_THRESHOLD - threshold) / 2 ** 56;
}

/** How many traces one kept under `threshold` stands for (1 when nothing was sampled away). */
export function adjustedCountOf(threshold: bigint): number {
  return threshold === 0n ? 1 : 2 ** 56 / Number(MAX_THRESHOLD - threshold);
}

/** The `ot` entry's sub-keys of a W3C tracestate (`ot=th:8;rv:...`), or an empty map. */
function otEntry(traceState: string): Map<string, string> {
  const out = new Map<string, string>();
  if (traceState === '') return out;
  for (const member of traceState.split(',')) {
    const eq = member.indexOf('=');
    if (eq < 0 || member.slice(0, eq).trim() !== 'ot') continue;
    for (const kv of member.slice(eq + 1).trim().split(';')) {
      const colon = kv.indexOf(':');
      if (colon > 0) out.set(kv.slice(0, colon), kv.slice(colon + 1));
    }
    break;
  }
  return out;
}

/** `th` text → threshold; undefined when absent or malformed (then it is ignored, as the spec says). */
function parseThreshold(th: string | undefined): bigint | undefined {
  if (th === undefined || !/^[0-9a-f]{1,14}$/.test(th)) return undefined;
  return BigInt(`0x${th.padEnd(14, '0')}`);
}

/** The threshold a tracestate says was already applied upstream, or undefined. */
export function thresholdInTraceState(traceState: string): bigint | undefined {
  return parseThreshold(otEntry(traceState).get('th'));
}

/** The `th` text of a threshold: 14 hex digits, trailing zeros left out (`0` for keep-all). */
export function formatThreshold(threshold: bigint): string {
  if (threshold === 0n) return '0';
  return threshold.toString(16).padStart(14, '0').replace(/0+$/, '');
}

/** The trace's 56-bit randomness: the tracestate's `rv` when valid, else the id's last 7 bytes. */
export function randomnessOf(traceId: Uint8Array, traceState = ''): bigint {
  const rv = traceState === '' ? undefined : otEntry(traceState).get('rv');
  if (rv !== undefined && /^[0-9a-f]{14}$/.test(rv)) return BigInt(`0x${rv}`);
  let r = 0n;
  for (let i = traceId.length - 7; i < traceId.length; i++) r = (r << 8n) | BigInt(traceId[i] ?? 0);
  return r;
}

/** Whether a trace with this randomness is kept under a threshold. */
export function keptAt(randomness: bigint, threshold: bigint): boolean {
  return randomness >= threshold;
}

/**
 * The tracestate with `ot`'s `th` set to a threshold (other `ot` sub-keys and other vendors'
 * entries kept, `ot` moved first as W3C asks of an updated entry). A threshold of 0 with no
 * `th` before leaves the tracestate as it was: nothing was sampled away.
 */
export function withThreshold(traceState: string, threshold: bigint): string {
  const ot = otEntry(traceState);
  if (threshold === 0n && !ot.has('th')) return traceState;
  ot.set('th', formatThreshold(threshold));
  const entry = `ot=${[...ot].map(([k, v]) => `${k}:${v}`).join(';')}`;
  const others = traceState === '' ? [] : traceState.split(',').filter((m) => m.trim() !== '' && m.slice(0, m.indexOf('=')).trim() !== 'ot');
  return [entry, ...others].join(',');
}
