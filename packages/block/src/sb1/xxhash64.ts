// XXH64 (seed 0) in 32-bit halves. Parquet bloom filters hash every distinct string of a column
// chunk with it; hyparquet's BigInt version made each 64-bit step allocate, and hashing was a
// tenth of a compaction's CPU. Each 64-bit value here is a pair of signed 32-bit numbers (the
// bits of its halves), and results come back through a typed array, so nothing is allocated per
// value: a number at or above 2^31 passed to a function that is not inlined is a heap object, and
// unsigned halves made every step of a hash allocate (220 MB in one 688k-span merge).

const P1_HI = 0x9e3779b1 | 0, P1_LO = 0x85ebca87 | 0;
const P2_HI = 0xc2b2ae3d | 0, P2_LO = 0x27d4eb4f | 0;
const P3_HI = 0x165667b1 | 0, P3_LO = 0x9e3779f9 | 0;
const P4_HI = 0x85ebca77 | 0, P4_LO = 0xc2b2ae63 | 0;
const P5_HI = 0x27d4eb2f | 0, P5_LO = 0x165667c5 | 0;

/**
 * Result of the last 64-bit step, [high, low], signed. A typed array, because a number above 2^30
 * kept in a module variable is a heap object: each step would allocate.
 */
const R = new Int32Array(2);

/** (ahi, alo) * (bhi, blo) mod 2^64 into R. */
function mul(ahi: number, alo: number, bhi: number, blo: number): void {
  const a0 = alo & 0xffff, a1 = alo >>> 16, b0 = blo & 0xffff, b1 = blo >>> 16;
  const p00 = a0 * b0, p01 = a0 * b1, p10 = a1 * b0, p11 = a1 * b1;
  const mid = (p00 >>> 16) + (p01 & 0xffff) + (p10 & 0xffff);
  R[1] = ((mid & 0xffff) << 16) | (p00 & 0xffff);
  // Every term is below 2^34 in size, so the sum is exact in a double; the store takes it mod 2^32.
  R[0] = p11 + (p01 >>> 16) + (p10 >>> 16) + (mid >>> 16) + Math.imul(ahi, blo) + Math.imul(alo, bhi);
}

/** (ahi, alo) + (bhi, blo) mod 2^64 into R. */
function add(ahi: number, alo: number, bhi: number, blo: number): void {
  const lo = (alo >>> 0) + (blo >>> 0);
  R[1] = lo;
  R[0] = ahi + bhi + (lo > 0xffffffff ? 1 : 0);
}

/** (hi, lo) rotated left by r (0 < r < 64) into R. */
function rotl(hi: number, lo: number, r: number): void {
  if (r >= 32) {
    const t = hi;
    hi = lo;
    lo = t;
    r -= 32;
  }
  if (r === 0) {
    R[0] = hi;
    R[1] = lo;
    return;
  }
  R[0] = (hi << r) | (lo >>> (32 - r));
  R[1] = (lo << r) | (hi >>> (32 - r));
}

/** XXH64's round: (acc + input * P2) rotated by 31, times P1; into R. */
function round(acchi: number, acclo: number, ihi: number, ilo: number): void {
  mul(ihi, ilo, P2_HI, P2_LO);
  add(acchi, acclo, R[0], R[1]);
  rotl(R[0], R[1], 31);
  mul(R[0], R[1], P1_HI, P1_LO);
}

/** XXH64's merge round: (acc ^ round(0, v)) * P1 + P4; into R. */
function mergeRound(acchi: number, acclo: number, vhi: number, vlo: number): void {
  round(0, 0, vhi, vlo);
  mul(acchi ^ R[0], acclo ^ R[1], P1_HI, P1_LO);
  add(R[0], R[1], P4_HI, P4_LO);
}

function u32(b: Uint8Array, at: number): number {
  return b[at] | (b[at + 1] << 8) | (b[at + 2] << 16) | (b[at + 3] << 24);
}

/** XXH64 with seed 0 of b[from, to), as unsigned halves [hi, lo]. */
export function xxhash64Halves(b: Uint8Array, from = 0, to = b.length): [number, number] {
  const out = new Uint32Array(2);
  xxhash64Into(b, from, to, out);
  return [out[0], out[1]];
}

/**
 * XXH64 with seed 0 of b[from, to) into out ([hi, lo], unsigned): what writers call once per
 * distinct value, so no pair is allocated per value.
 */
export function xxhash64Into(b: Uint8Array, from: number, to: number, out: Uint32Array): void {
  const len = to - from;
  let at = from;
  let hhi: number, hlo: number;
  if (len >= 32) {
    // seed + P1 + P2, seed + P2, seed, seed - P1 (mod 2^64).
    add(P1_HI, P1_LO, P2_HI, P2_LO);
    let v1h = R[0], v1l = R[1];
    let v2h = P2_HI, v2l = P2_LO;
    let v3h = 0, v3l = 0;
    // -P1 = ~P1 + 1.
    add(~P1_HI, ~P1_LO, 0, 1);
    let v4h = R[0], v4l = R[1];
    for (; at + 32 <= to; at += 32) {
      round(v1h, v1l, u32(b, at + 4), u32(b, at));
      v1h = R[0]; v1l = R[1];
      round(v2h, v2l, u32(b, at + 12), u32(b, at + 8));
      v2h = R[0]; v2l = R[1];
      round(v3h, v3l, u32(b, at + 20), u32(b, at + 16));
      v3h = R[0]; v3l = R[1];
      round(v4h, v4l, u32(b, at + 28), u32(b, at + 24));
      v4h = R[0]; v4l = R[1];
    }
    rotl(v1h, v1l, 1);
    hhi = R[0]; hlo = R[1];
    rotl(v2h, v2l, 7);
    add(hhi, hlo, R[0], R[1]);
    hhi = R[0]; hlo = R[1];
    rotl(v3h, v3l, 12);
    add(hhi, hlo, R[0], R[1]);
    hhi = R[0]; hlo = R[1];
    rotl(v4h, v4l, 18);
    add(hhi, hlo, R[0], R[1]);
    mergeRound(R[0], R[1], v1h, v1l);
    mergeRound(R[0], R[1], v2h, v2l);
    mergeRound(R[0], R[1], v3h, v3l);
    mergeRound(R[0], R[1], v4h, v4l);
    hhi = R[0]; hlo = R[1];
  } else {
    hhi = P5_HI;
    hlo = P5_LO;
  }
  add(hhi, hlo, 0, len);
  hhi = R[0]; hlo = R[1];
  for (; at + 8 <= to; at += 8) {
    round(0, 0, u32(b, at + 4), u32(b, at));
    rotl(hhi ^ R[0], hlo ^ R[1], 27);
    mul(R[0], R[1], P1_HI, P1_LO);
    add(R[0], R[1], P4_HI, P4_LO);
    hhi = R[0]; hlo = R[1];
  }
  if (at + 4 <= to) {
    mul(0, u32(b, at), P1_HI, P1_LO);
    rotl(hhi ^ R[0], hlo ^ R[1], 23);
    mul(R[0], R[1], P2_HI, P2_LO);
    add(R[0], R[1], P3_HI, P3_LO);
    hhi = R[0]; hlo = R[1];
    at += 4;
  }
  for (; at < to; at++) {
    mul(0, b[at], P5_HI, P5_LO);
    rotl(hhi ^ R[0], hlo ^ R[1], 11);
    mul(R[0], R[1], P1_HI, P1_LO);
    hhi = R[0]; hlo = R[1];
  }
  // Avalanche: h ^= h >> 33; h *= P2; h ^= h >> 29; h *= P3; h ^= h >> 32.
  mul(hhi, hlo ^ (hhi >>> 1), P2_HI, P2_LO);
  hhi = R[0]; hlo = R[1];
  mul(hhi ^ (hhi >>> 29), hlo ^ ((hhi << 3) | (hlo >>> 29)), P3_HI, P3_LO);
  out[0] = R[0];
  out[1] = R[1] ^ R[0];
}
