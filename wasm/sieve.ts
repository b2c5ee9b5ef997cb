/**
 * Segmented Sieve of Eratosthenes over a mod-30 wheel, for any range [a, b] of u64.
 *
 * Layout: one byte covers 30 numbers, its 8 bits stand for the residues coprime to 30
 * (1 7 11 13 17 19 23 29); byte g covers 30g .. 30g + 29. Multiples of 2, 3, 5 are never
 * stored, multiples of 7..19 come from a precomputed pattern copied into each segment,
 * and primes from 23 to isqrt(b) cross off their multiples.
 *
 * Why 8 offsets per prime: the multiples p*k of a prime p with k coprime to 30 fall into
 * 8 progressions, one per residue of k mod 30. Within one progression (k = 30j + r) the
 * byte index is p*j + floor(p*r/30) and the bit is fixed, so it advances by exactly p bytes
 * with a constant mask. Keeping the next byte offset of each progression between segments
 * means a segment does no division per prime, and the 8 progressions of a prime always lie
 * within p bytes of each other, so one loop can cross all 8 at once (base + d_c).
 *
 * Sieving primes up to 2^22 are cached per instance. Above that (b >= 2^44) storing all
 * sieving primes stops paying, so the range is sieved with primes up to a smaller bound
 * and the survivors are confirmed with a deterministic Miller-Rabin test for u64.
 */

// Residues coprime to 30, in bit order.
const RES: usize = memory.data<u8>([1, 7, 11, 13, 17, 19, 23, 29]);
// BIT_OF[r] = bit index of residue r (0..29), 255 when r is not coprime to 30.
const BIT_OF: usize = memory.data<u8>([
  255, 0, 255, 255, 255, 255, 255, 1, 255, 255, 255, 2, 255, 3, 255, 255, 255, 4, 255, 5, 255, 255, 255, 6, 255,
  255, 255, 255, 255, 7,
]);
// Sinclair's 7 bases: deterministic Miller-Rabin for every n < 2^64.
const MR_BASES: usize = memory.data<u64>([2, 325, 9375, 28178, 450775, 9780504, 1795265022]);

const PERIOD: u32 = 7 * 11 * 13 * 17 * 19; // pre-sieve pattern period in bytes
const SEG_MAX: u32 = 1 << 20;
const SMALL_LIMIT: u32 = 1 << 16; // first level of the sieving-prime cache
const CACHE_LIMIT: u32 = 1 << 22; // second level; beyond it: Miller-Rabin for survivors
const CACHE_CAP: u32 = 296000; // > pi(2^22) - 8
let chunkBytes: u64 = 1 << 30; // offsets are u32 relative to a chunk start, so at most 2^31

let segBytes: u32 = 1 << 15;
let ready = false;
let segPtr: usize = 0;
let patPtr: usize = 0;
let primesPtr: usize = 0; // u32 primes from 23 up
let primesCount: u32 = 0;
let primesLimit: u32 = 0; // every prime <= primesLimit is cached
let offPtr: usize = 0; // u32[8] per sieving prime
let maskPtr: usize = 0; // u8[8] per wheel class of p (p mod 30), per progression
let outBase: usize = 0;

function ensureMemory(end: usize): void {
  const have = <usize>memory.size() << 16;
  if (end > have) {
    const pages = <i32>((end - have + 0xffff) >> 16);
    if (memory.grow(pages) < 0) unreachable();
  }
}

function setup(): void {
  if (ready) return;
  ready = true;
  let p = (__heap_base + 63) & ~63;
  segPtr = p;
  p += SEG_MAX + 64;
  patPtr = p;
  p += (PERIOD + SEG_MAX + 64 + 63) & ~63;
  maskPtr = p;
  p += 64 * 8;
  primesPtr = p;
  p += <usize>CACHE_CAP * 4;
  offPtr = p;
  ensureMemory(p);

  // Masks: progression c of a prime p with p mod 30 = RES[i] clears bit BIT_OF[(RES[i]*RES[c]) % 30].
  for (let i: u32 = 0; i < 8; i++) {
    const pr = <u32>load<u8>(RES + i);
    for (let c: u32 = 0; c < 8; c++) {
      const r = (pr * <u32>load<u8>(RES + c)) % 30;
      store<u8>(maskPtr + i * 8 + c, ~(<u8>1 << load<u8>(BIT_OF + r)));
    }
  }

  // Pre-sieve pattern: pattern byte i stands for every global byte g with g = i (mod PERIOD).
  const patLen = PERIOD + SEG_MAX;
  memory.fill(patPtr, 0xff, patLen);
  for (let q: u32 = 7; q <= 19; q += 2) {
    if (q == 9 || q == 15) continue;
    for (let c: u32 = 0; c < 8; c++) {
      const r = <u32>load<u8>(RES + c);
      const m = q * r;
      const mask = ~(<u8>1 << load<u8>(BIT_OF + (m % 30)));
      for (let j: u32 = m / 30; j < patLen; j += q) {
        store<u8>(patPtr + j, load<u8>(patPtr + j) & mask);
      }
    }
  }
  extendPrimes(SMALL_LIMIT);
}

/** Caches every prime in [23, limit] with a plain odd-only sieve (runs at most twice). */
function extendPrimes(limit: u32): void {
  if (limit <= primesLimit) return;
  // Scratch: one byte per odd number, placed where the offsets will go later.
  const n = limit / 2 + 1;
  const scratch = offPtr;
  ensureMemory(scratch + n + 8);
  memory.fill(scratch, 1, n);
  for (let i: u32 = 3; i * i <= limit; i += 2) {
    if (load<u8>(scratch + (i >> 1)) == 0) continue;
    for (let j = (i * i) >> 1; j < n; j += i) store<u8>(scratch + j, 0);
  }
  let count: u32 = 0;
  for (let i: u32 = 23; i <= limit; i += 2) {
    if (load<u8>(scratch + (i >> 1)) != 0) {
      store<u32>(primesPtr + (<usize>count << 2), i);
      count++;
    }
  }
  primesCount = count;
  primesLimit = limit;
}

/** Number of cached sieving primes <= x. */
function primesUpTo(x: u32): u32 {
  let lo: u32 = 0;
  let hi: u32 = primesCount;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (load<u32>(primesPtr + (<usize>mid << 2)) <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function isqrt(n: u64): u64 {
  let r = <u64>Math.sqrt(<f64>n);
  if (r > 0xffffffff) r = 0xffffffff;
  while (r * r > n) r--;
  while (r < 0xffffffff && (r + 1) * (r + 1) <= n) r++;
  return r;
}

/** Sets each progression's first byte offset at or after byte A, relative to A (clamped to u32). */
function initOffsets(nPrimes: u32, A: u64): void {
  const lo = A * 30;
  for (let i: u32 = 0; i < nPrimes; i++) {
    const p = <u64>load<u32>(primesPtr + (<usize>i << 2));
    // kmin: smallest multiplier with p*kmin >= max(lo, p*p); delta = p*kmin - lo.
    let kmin: u64;
    let delta: u64;
    const q = lo / p;
    if (q < p) {
      kmin = p;
      delta = p * p - lo;
    } else {
      const rem = lo - q * p;
      kmin = rem == 0 ? q : q + 1;
      delta = rem == 0 ? 0 : p - rem;
    }
    const kr = <u32>(kmin % 30);
    const base = offPtr + (<usize>i << 5);
    for (let c: u32 = 0; c < 8; c++) {
      const step = <u64>((<u32>load<u8>(RES + c) + 30 - kr) % 30);
      let off: u64 = 0xffffffff;
      if (delta <= 0xfffffffe00000000) off = (delta + p * step) / 30;
      if (off > 0xffffffff) off = 0xffffffff;
      store<u32>(base + (c << 2), <u32>off);
    }
  }
}

/** Crosses off the multiples of the first nPrimes sieving primes in a segment of len bytes. */
function crossOff(seg: usize, len: u32, nPrimes: u32): void {
  for (let i: u32 = 0; i < nPrimes; i++) {
    const p = load<u32>(primesPtr + (<usize>i << 2));
    const ob = offPtr + (<usize>i << 5);
    const mb = maskPtr + ((<usize>load<u8>(BIT_OF + p % 30)) << 3);
    if (p < len) {
      const o0 = load<u32>(ob, 0);
      const o1 = load<u32>(ob, 4);
      const o2 = load<u32>(ob, 8);
      const o3 = load<u32>(ob, 12);
      const o4 = load<u32>(ob, 16);
      const o5 = load<u32>(ob, 20);
      const o6 = load<u32>(ob, 24);
      const o7 = load<u32>(ob, 28);
      let b = min(min(min(o0, o1), min(o2, o3)), min(min(o4, o5), min(o6, o7)));
      const top = max(max(max(o0, o1), max(o2, o3)), max(max(o4, o5), max(o6, o7)));
      const d0 = <usize>(o0 - b);
      const d1 = <usize>(o1 - b);
      const d2 = <usize>(o2 - b);
      const d3 = <usize>(o3 - b);
      const d4 = <usize>(o4 - b);
      const d5 = <usize>(o5 - b);
      const d6 = <usize>(o6 - b);
      const d7 = <usize>(o7 - b);
      const m0 = load<u8>(mb, 0);
      const m1 = load<u8>(mb, 1);
      const m2 = load<u8>(mb, 2);
      const m3 = load<u8>(mb, 3);
      const m4 = load<u8>(mb, 4);
      const m5 = load<u8>(mb, 5);
      const m6 = load<u8>(mb, 6);
      const m7 = load<u8>(mb, 7);
      let x = seg + <usize>b;
      // Every progression still has a multiple at x + d_c while x + (top - b) < seg + len.
      const stop = seg + <usize>len - <usize>(top - b);
      if (top < len) {
        while (x < stop) {
          store<u8>(x + d0, load<u8>(x + d0) & m0);
          store<u8>(x + d1, load<u8>(x + d1) & m1);
          store<u8>(x + d2, load<u8>(x + d2) & m2);
          store<u8>(x + d3, load<u8>(x + d3) & m3);
          store<u8>(x + d4, load<u8>(x + d4) & m4);
          store<u8>(x + d5, load<u8>(x + d5) & m5);
          store<u8>(x + d6, load<u8>(x + d6) & m6);
          store<u8>(x + d7, load<u8>(x + d7) & m7);
          x += p;
        }
      }
      b = <u32>(x - seg);
      // At most one more multiple per progression, since every d_c < p.
      store<u32>(ob, tail(seg, b + <u32>d0, p, len, m0), 0);
      store<u32>(ob, tail(seg, b + <u32>d1, p, len, m1), 4);
      store<u32>(ob, tail(seg, b + <u32>d2, p, len, m2), 8);
      store<u32>(ob, tail(seg, b + <u32>d3, p, len, m3), 12);
      store<u32>(ob, tail(seg, b + <u32>d4, p, len, m4), 16);
      store<u32>(ob, tail(seg, b + <u32>d5, p, len, m5), 20);
      store<u32>(ob, tail(seg, b + <u32>d6, p, len, m6), 24);
      store<u32>(ob, tail(seg, b + <u32>d7, p, len, m7), 28);
    } else {
      for (let c: usize = 0; c < 32; c += 4) {
        let o = load<u32>(ob + c);
        if (o < len) {
          store<u8>(seg + o, load<u8>(seg + o) & load<u8>(mb + (c >> 2)));
          o += p;
        }
        store<u32>(ob + c, o - len);
      }
    }
  }
}

// @ts-ignore: decorator
@inline
function tail(seg: usize, o: u32, p: u32, len: u32, m: u8): u32 {
  if (o < len) {
    store<u8>(seg + o, load<u8>(seg + o) & m);
    o += p;
  }
  return o - len;
}

// ---- Miller-Rabin for u64 (Montgomery form, 64x64 -> 128 products from 32-bit halves) ----

// @ts-ignore: decorator
@inline
function mulhi(a: u64, b: u64): u64 {
  const aL = a & 0xffffffff;
  const aH = a >> 32;
  const bL = b & 0xffffffff;
  const bH = b >> 32;
  const ll = aL * bL;
  const lh = aL * bH;
  const hl = aH * bL;
  const mid = (ll >> 32) + (lh & 0xffffffff) + (hl & 0xffffffff);
  return aH * bH + (lh >> 32) + (hl >> 32) + (mid >> 32);
}

// a*b/2^64 mod n for a, b < n, n odd; nInv = n^-1 mod 2^64.
// @ts-ignore: decorator
@inline
function montMul(a: u64, b: u64, n: u64, nInv: u64): u64 {
  const hi = mulhi(a, b);
  const mn = mulhi(a * b * nInv, n);
  return hi >= mn ? hi - mn : hi - mn + n;
}

/** Deterministic for every odd n in (1, 2^64): bases that are multiples of n are skipped. */
function isPrimeMR(n: u64): bool {
  let nInv = n;
  for (let i = 0; i < 5; i++) nInv *= 2 - n * nInv;
  const one = (0 - n) % n; // 2^64 mod n
  const minusOne = n - one;
  let r2 = one; // becomes 2^128 mod n
  for (let i = 0; i < 64; i++) {
    const s = r2 + r2;
    r2 = s < r2 || s >= n ? s - n : s;
  }
  let d = n - 1;
  const s = <u32>ctz(d);
  d >>= s;
  for (let k = 0; k < 7; k++) {
    const a = load<u64>(MR_BASES + (<usize>k << 3)) % n;
    if (a == 0) continue;
    const am = montMul(a, r2, n, nInv);
    let x = one;
    let base = am;
    let e = d;
    while (e != 0) {
      if (e & 1) x = montMul(x, base, n, nInv);
      base = montMul(base, base, n, nInv);
      e >>= 1;
    }
    if (x == one || x == minusOne) continue;
    let witness = true;
    for (let i: u32 = 1; i < s; i++) {
      x = montMul(x, x, n, nInv);
      if (x == minusOne) {
        witness = false;
        break;
      }
    }
    if (witness) return false;
  }
  return true;
}

// ---- exports ----

/** Segment size in bytes (30 numbers each), for tuning; clamped to [256, 2^20], multiple of 8. */
export function setSegmentBytes(n: u32): void {
  segBytes = min(max(n, 256), SEG_MAX) & ~7;
}

/** Chunk size in bytes (offsets restart per chunk); only tests change it, to cross chunk edges. */
export function setChunkBytes(n: u32): void {
  chunkBytes = <u64>min(max(n, 1), 1 << 30);
}

/** Start of the output buffer filled by `run` in list modes. */
export function outPtr(): usize {
  setup();
  return outBase;
}

/**
 * mode 0: count primes in [a, b]. mode 1: list them as f64 (all values < 2^53), mode 2: as u64,
 * at most `limit` of them, into the buffer at outPtr(). Returns how many were counted / listed.
 */
export function run(a: u64, b: u64, limit: u32, mode: u32): u64 {
  setup();
  if (a > b) return 0;
  const listing = mode != 0;
  let found: u64 = 0;
  const Pb = isqrt(b);
  if (Pb > <u64>primesLimit) extendPrimes(CACHE_LIMIT);
  const nMax = primesUpTo(Pb < <u64>CACHE_LIMIT ? <u32>Pb : CACHE_LIMIT);
  outBase = offPtr + (<usize>nMax << 5);
  ensureMemory(outBase);
  if (listing) {
    ensureMemory(outBase + (<usize>limit << 3) + 8);
    if (limit == 0) return 0;
  }
  // 2, 3, 5 are not on the wheel.
  for (let q: u64 = 2; q <= 5; q++) {
    if (q == 4 || q < a || q > b) continue;
    if (listing) {
      emit(mode, found, q);
      found++;
      if (found == <u64>limit) return found;
    } else found++;
  }
  const A = a / 30;
  const B = b / 30;
  const firstMask = edgeMaskLow(A, a);
  const lastMask = edgeMaskHigh(B, b);
  let chunkStart = A;
  while (true) {
    const chunkEnd = B - chunkStart >= chunkBytes ? chunkStart + chunkBytes - 1 : B; // inclusive byte
    const topNumber = chunkEnd == B ? b : chunkEnd * 30 + 29;
    const P = isqrt(topNumber);
    let exact = true;
    let bound: u32;
    if (P <= <u64>CACHE_LIMIT) {
      bound = <u32>P;
    } else {
      // Sieve with primes up to a bound that grows with the width, confirm survivors by MR.
      exact = false;
      const width = (chunkEnd - chunkStart + 1) * 30;
      bound = width >= <u64>CACHE_LIMIT ? CACHE_LIMIT : max(<u32>width, 1 << 12);
    }
    const nPrimes = primesUpTo(bound);
    initOffsets(nPrimes, chunkStart);
    const total = chunkEnd - chunkStart + 1;
    let done: u64 = 0;
    while (done < total) {
      const len = <u32>(total - done < <u64>segBytes ? total - done : <u64>segBytes);
      const g = chunkStart + done; // global byte index of the segment start
      memory.copy(segPtr, patPtr + <usize>(g % PERIOD), len);
      if (g == 0) store<u8>(segPtr, 0xfe); // 1 is not prime; 7..29 are
      crossOff(segPtr, len, nPrimes);
      if (g == A) store<u8>(segPtr, load<u8>(segPtr) & firstMask);
      if (g + len - 1 == B) store<u8>(segPtr + len - 1, load<u8>(segPtr + len - 1) & lastMask);
      const words = (len + 7) >> 3;
      memory.fill(segPtr + len, 0, (words << 3) - len);
      if (!listing && exact) {
        let c: u64 = 0;
        for (let w: usize = 0; w < <usize>words; w++) c += popcnt(load<u64>(segPtr + (w << 3)));
        found += c;
      } else {
        for (let w: usize = 0; w < <usize>words; w++) {
          let bits = load<u64>(segPtr + (w << 3));
          while (bits != 0) {
            const t = <u32>ctz(bits);
            bits &= bits - 1;
            const byte = g + (<u64>w << 3) + <u64>(t >> 3);
            const v = byte * 30 + <u64>load<u8>(RES + (t & 7));
            if (!exact && !isPrimeMR(v)) continue;
            if (listing) {
              emit(mode, found, v);
              found++;
              if (found == <u64>limit) return found;
            } else found++;
          }
        }
      }
      done += <u64>len;
    }
    if (chunkEnd == B) break;
    chunkStart = chunkEnd + 1;
  }
  return found;
}

// @ts-ignore: decorator
@inline
function emit(mode: u32, i: u64, v: u64): void {
  const at = outBase + (<usize>i << 3);
  if (mode == 1) store<f64>(at, <f64>v);
  else store<u64>(at, v);
}

/** Bits of byte A whose number is >= a. */
function edgeMaskLow(A: u64, a: u64): u8 {
  const r = <u32>(a - A * 30);
  let m: u8 = 0;
  for (let c: u32 = 0; c < 8; c++) {
    if (<u32>load<u8>(RES + c) >= r) m |= <u8>1 << <u8>c;
  }
  return m;
}

/** Bits of byte B whose number is <= b (compared by residue: 30B + 29 overflows in the last byte). */
function edgeMaskHigh(B: u64, b: u64): u8 {
  const r = <u32>(b - B * 30);
  let m: u8 = 0;
  for (let c: u32 = 0; c < 8; c++) {
    if (<u32>load<u8>(RES + c) <= r) m |= <u8>1 << <u8>c;
  }
  return m;
}
