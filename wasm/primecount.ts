/**
 * Prime counting kernel: the Lagarias–Miller–Odlyzko (LMO) combinatorial method,
 *
 *   pi(x) = S1 + S2 + a - 1 - P2,   x^(1/3) <= y = alpha x^(1/3) <= sqrt x,  a = pi(y),  z = x / y
 *
 * (y >= x^(1/3) leaves no numbers <= x with three prime factors > y, so there is no P3 term).
 *
 * S1: ordinary leaves, sum over square-free n <= y with lpf(n) > p_c (or n = 1) of
 *     mu(n) phi(x / n, c), from a table of phi(., c) over one period of the first c primes.
 * S2: special leaves -mu(m) phi(x / (p_b m), b - 1), c < b < a, lpf(m) > p_b, m <= y < p_b m.
 *     "Easy" leaves (m = q prime and v = x / (p_b q) < min(p_b^2, y + 1)) have
 *     phi(v, b - 1) = max(1, pi(v) - b + 2) straight from the pi table; the others ("hard")
 *     are counted by a segmented sieve of [0, z] in which p_b is crossed off after its leaves;
 *     phi at a leaf is a popcount from the previous leaf (hard leaves lie ~2000 numbers apart
 *     on average, so per-block counters, tried, were slower).
 * P2: sum over primes y < p <= sqrt x of pi(x / p) - pi(p) + 1, with pi(x / p) counted by the
 *     same segments once they are fully sieved (all primes up to sqrt of the segment end).
 *
 * The sieve works on a caller-chosen range [low0, high0) of [0, z] and reports range-local
 * counts (phi counted from low0, primes counted from low0), so ranges can run on different
 * threads; the host stitches them in order (src/compute/primes/prime-pi.ts).
 *
 * All divisions of x use f64: for x <= 2^53 and integer d, floor(fl(x / d)) = floor(x / d)
 * because the rounding error of fl(x / d) is below 1 / d, the least gap to the next integer.
 *
 * Sieve layout: one bit per odd number; a segment starts at an even `low` that is a multiple
 * of 128, so bit i stands for low + 2i + 1 and word k of the segment is word low / 128 + k of
 * the infinite sieve, which lets the pre-sieve pattern (odd primes up to p_c) be copied.
 * Raw linear memory only (runtime stub): tables come from a bump allocator and are reused.
 */

// ---------------------------------------------------------------------------------------------
// memory

let top: usize = 0;

function alloc(bytes: usize): usize {
  if (top == 0) top = (__heap_base + 63) & ~(<usize>63);
  const ptr = (top + 63) & ~(<usize>63);
  top = ptr + bytes;
  const have = <usize>memory.size() << 16;
  if (top > have) {
    const pages = <i32>((top - have + 0xffff) >> 16);
    if (memory.grow(pages) < 0) unreachable();
  }
  return ptr;
}

// ---------------------------------------------------------------------------------------------
// tables up to `cap`: lpfmu[n] = mu(n) * lpf(n) (0 when n is not square-free, lpfmu[1] = max),
// pi[n], primes[1..] (primes[0] = 0)

let cap: i32 = 0;
let lpfmuPtr: usize = 0;
let piPtr: usize = 0; // i32 per 128 numbers
let piBitsPtr: usize = 0; // u64 per 128 numbers
let primesPtr: usize = 0;
let primeCount: i32 = 0;

@inline function lpfmu(n: i32): i32 {
  return load<i32>(lpfmuPtr + (<usize>n << 2));
}
/**
 * pi(n) for n <= cap from a compact table that stays in cache (the easy leaves look it up at
 * random): per 128 numbers one u64 of odd-prime bits (bit i: 128w + 2i + 1) and the i32
 * count of primes below 128w, 2 included.
 */
@inline function piOf(n: i32): i32 {
  const w = <usize>(n >> 7);
  const k = <u64>(((n & 127) + 1) >> 1); // odd numbers 128w + 1 .. n
  const bits = load<u64>(piBitsPtr + (w << 3)) & ((<u64>1 << k) - 1 | (k == 64 ? ~(<u64>0) : 0));
  return n < 2 ? 0 : load<i32>(piPtr + (w << 2)) + <i32>popcnt<u64>(bits);
}
@inline function prime(i: i32): i32 {
  return load<i32>(primesPtr + (<usize>i << 2));
}

function buildTables(want: i32): void {
  if (want <= cap) return;
  const n = max(max(want, cap + (cap >> 1)), 1024);
  lpfmuPtr = alloc(<usize>(n + 1) << 2);
  const blocks = (n >> 7) + 1;
  piPtr = alloc(<usize>blocks << 2);
  piBitsPtr = alloc(<usize>blocks << 3);
  memory.fill(piBitsPtr, 0, <usize>blocks << 3);
  memory.fill(lpfmuPtr, 0, <usize>(n + 1) << 2);
  // lpf by sieving: lpfmu[m] = smallest prime factor for composites, 0 for primes (for now)
  for (let p = 2; p * p <= n; p++) {
    if (lpfmu(p) != 0) continue;
    for (let m = p * p; m <= n; m += p) {
      const at = lpfmuPtr + (<usize>m << 2);
      if (load<i32>(at) == 0) store<i32>(at, p);
    }
  }
  let count = 0;
  for (let k = 0; k <= n; k++) {
    // block 0 counts 2 already: it is even, so never among the bits
    if ((k & 127) == 0) store<i32>(piPtr + (<usize>(k >> 7) << 2), k == 0 ? 1 : count);
    if (k < 2) continue;
    const at = lpfmuPtr + (<usize>k << 2);
    if (load<i32>(at) == 0) {
      store<i32>(at, k);
      count++;
      if (k & 1) {
        const w = piBitsPtr + (<usize>(k >> 7) << 3);
        store<u64>(w, load<u64>(w) | (<u64>1 << <u64>((k & 127) >> 1)));
      }
    }
  }
  primesPtr = alloc(<usize>(count + 2) << 2);
  store<i32>(primesPtr, 0);
  let j = 1;
  for (let k = 2; k <= n; k++) {
    if (load<i32>(lpfmuPtr + (<usize>k << 2)) == k) {
      store<i32>(primesPtr + (<usize>j << 2), k);
      j++;
    }
  }
  store<i32>(primesPtr + (<usize>j << 2), i32.MAX_VALUE);
  primeCount = count;
  // mu from lpf in increasing order: k = p * m with p = lpf(k), and m < k is final already
  store<i32>(lpfmuPtr + 4, i32.MAX_VALUE);
  for (let k = 2; k <= n; k++) {
    const at = lpfmuPtr + (<usize>k << 2);
    const p = load<i32>(at);
    const m = k / p;
    const lm = lpfmu(m);
    store<i32>(at, m % p == 0 || lm == 0 ? 0 : lm > 0 ? -p : p);
  }
  cap = n;
}

// ---------------------------------------------------------------------------------------------
// pre-sieve pattern (odd numbers coprime to p_2..p_c) and phi(n, c)

let patC: i32 = -1;
let patPtr: usize = 0;
let patWords: i32 = 1;
let phiPtr: usize = 0; // phiTable[r] = #{1 <= k <= r : gcd(k, pp) = 1}
let pp: i32 = 1;
let totient: i32 = 1;
let patCache: usize = 0; // per c (0..7): pattern pointer, phi table pointer

function buildPattern(c: i32): void {
  if (c == patC) return;
  if (patCache == 0) {
    patCache = alloc(8 * 8);
    memory.fill(patCache, 0, 8 * 8);
  }
  let odd = 1;
  pp = 1;
  totient = 1;
  for (let i = 1; i <= c; i++) {
    const p = prime(i);
    pp *= p;
    totient *= p - 1;
    if (p != 2) odd *= p;
  }
  patWords = odd;
  patC = c;
  const cached = load<u32>(patCache + (<usize>c << 3));
  if (cached != 0) {
    patPtr = cached;
    phiPtr = load<u32>(patCache + (<usize>c << 3) + 4);
    return;
  }
  patPtr = alloc(<usize>odd << 3);
  // bit i of word w stands for 128w + 2i + 1; clear the odd multiples of 3 .. p_c
  memory.fill(patPtr, 0xff, <usize>odd << 3);
  const bits = odd << 6;
  for (let i = 2; i <= c; i++) {
    const p = prime(i);
    for (let bit = p >> 1; bit < bits; bit += p) {
      const at = patPtr + (<usize>(bit >> 6) << 3);
      store<u64>(at, load<u64>(at) & ~(<u64>1 << <u64>(bit & 63)));
    }
  }
  phiPtr = alloc(<usize>(pp + 1) << 2);
  // phiTable[r] = #{1 <= k <= r : gcd(k, pp) = 1}: mark the multiples, then a running count
  memory.fill(phiPtr, 0, <usize>(pp + 1) << 2);
  for (let i = 1; i <= c; i++) {
    const p = prime(i);
    for (let m = p; m <= pp; m += p) store<i32>(phiPtr + (<usize>m << 2), 1);
  }
  let count = 0;
  for (let r = 1; r <= pp; r++) {
    const at = phiPtr + (<usize>r << 2);
    if (load<i32>(at) == 0) count++;
    store<i32>(at, count);
  }
  store<u32>(patCache + (<usize>c << 3), <u32>patPtr);
  store<u32>(patCache + (<usize>c << 3) + 4, <u32>phiPtr);
}

@inline function phiTiny(n: u64): i64 {
  const q = n / <u64>pp;
  const r = <i32>(n - q * <u64>pp);
  return <i64>q * <i64>totient + <i64>load<i32>(phiPtr + (<usize>r << 2));
}

// ---------------------------------------------------------------------------------------------
// problem state

let XF: f64 = 0;
let X: u64 = 0;
let Y: i32 = 0;
let C: i32 = 0;
let A: i32 = 0; // pi(y)
let PI_SQRTY: i32 = 0;
let SQRTX: u64 = 0;
let SEG: i32 = 1 << 18; // numbers per segment, a multiple of 128

let sievePtr: usize = 0;
let sieveWords: i32 = 0;
let coefPtr: usize = 0; // f64 per prime index: sum of the signs of the range's hard leaves
let cntPtr: usize = 0; // f64 per prime index: phi(., b - 1) growth over the range
let tabCap: i32 = 0;
let listPtr: usize = 0; // u32 primes for P2
let listCap: i32 = 0;
let resPtr: usize = 0; // i64 results of the last call

@inline function div(d: f64): u64 {
  return <u64>(XF / d);
}

function isqrt(n: u64): u64 {
  let r = <u64>Math.sqrt(<f64>n);
  while (r * r > n) r--;
  while ((r + 1) * (r + 1) <= n) r++;
  return r;
}

/** Prepare for pi(x) with y (<= sqrt x) and c (0..6); returns a = pi(y). */
export function init(x: f64, y: i32, c: i32, segNumbers: i32): i32 {
  XF = x;
  X = <u64>x;
  Y = y;
  SQRTX = isqrt(X);
  buildTables(max(y, 64));
  A = piOf(y);
  C = min(c, A);
  PI_SQRTY = piOf(<i32>isqrt(<u64>y));
  buildPattern(C);
  buildMList();
  SEG = segNumbers;
  const words = SEG >> 7;
  if (words > sieveWords) {
    sievePtr = alloc(<usize>(words + 1) << 3);
    sieveWords = words;
  }
  if (A + 2 > tabCap) {
    tabCap = A + 2;
    coefPtr = alloc(<usize>tabCap << 3);
    cntPtr = alloc(<usize>tabCap << 3);
  }
  if (resPtr == 0) resPtr = alloc(64);
  return A;
}

// square-free m <= y with lpf(m) > p_(c+1), ascending, as (m, lpfmu(m)) pairs: the only m the
// leaves of b = c + 1 .. pi(sqrt y) - 1 can use (a sixth of all m or fewer)
let mListPtr: usize = 0;
let mListCap: i32 = 0;
let mCount: i32 = 0;
let mListY: i32 = -1;
let mListC: i32 = -1;

function buildMList(): void {
  if (mListY == Y && mListC == C) return;
  const bound = prime(C + 1);
  let n = 0;
  for (let m = 1; m <= Y; m++) {
    const v = lpfmu(m);
    if (v > bound || v < -bound) n++;
  }
  if (n > mListCap) {
    mListCap = n;
    mListPtr = alloc(<usize>n << 3);
  }
  let at = mListPtr;
  for (let m = 1; m <= Y; m++) {
    const v = lpfmu(m);
    if (v > bound || v < -bound) {
      store<i32>(at, m);
      store<i32>(at + 4, v);
      at += 8;
    }
  }
  mCount = n;
  mListY = Y;
  mListC = C;
}

export function coefPointer(): usize {
  return coefPtr;
}
export function cntPointer(): usize {
  return cntPtr;
}
export function resultPointer(): usize {
  return resPtr;
}

// ---------------------------------------------------------------------------------------------
// S1

export function s1(): i64 {
  const pc = C == 0 ? 1 : prime(C);
  let sum: i64 = 0;
  for (let n = 1; n <= Y; n++) {
    const v = lpfmu(n);
    if (v > pc) sum += phiTiny(div(<f64>n));
    else if (v < -pc) sum -= phiTiny(div(<f64>n));
  }
  return sum;
}

// ---------------------------------------------------------------------------------------------
// easy leaves: b = max(c + 1, pi(sqrt y)) + offset + k step < a, q prime with x / (p_b q) < min(p_b^2, y + 1)

/** Largest q such that x / (p q) is a hard leaf (x / (p q) >= min(p^2, y + 1)). */
@inline function hardMaxQ(p: i32): u64 {
  const t = min(<u64>p * <u64>p, <u64>Y + 1);
  return div(<f64>p * <f64>t);
}

/** How many slots b = max(c + 1, pi(sqrt y)) + offset + k step (k = 0, 1, ...) lie below a. */
export function easyCount(offset: i32, step: i32): i32 {
  const first = max(C + 1, PI_SQRTY) + offset;
  return first >= A ? 0 : (A - first + step - 1) / step;
}

/** Easy leaves of slots k in [from, from + count) (in chunks: see hardBegin on tiering). */
export function easy(offset: i32, step: i32, from: i32, count: i32): i64 {
  let sum: i64 = 0;
  const first = max(C + 1, PI_SQRTY) + offset + from * step;
  const last = min(<i64>A, <i64>first + <i64>count * <i64>step);
  for (let b = first; <i64>b < last; b += step) {
    const p = prime(b);
    const pf = <f64>p;
    let lo = max(<u64>p, <u64>(Y / p));
    const h = hardMaxQ(p);
    if (h > lo) lo = h;
    if (lo >= <u64>Y) continue;
    let l = piOf(<i32>lo) + 1;
    // q <= x / p^2 gives v >= p, phi(v, b - 1) = pi(v) - b + 2; leaves sharing pi(v) form a run
    // of consecutive q (up to x / (p * p_pi(v))), counted in one step
    const q1 = <i32>min(div(pf * pf), <u64>Y);
    const lEnd = piOf(q1);
    // below ~4 sqrt(x / p) consecutive q seldom share pi(v): there, one independent lookup
    // per leaf pipelines far better than the dependent run-skipping loop (measured)
    const lSparse = min(piOf(<i32>min(<u64>(4.0 * Math.sqrt(XF / pf)), <u64>q1)), lEnd);
    if (l <= lSparse) {
      let piSum: i64 = 0;
      for (let j = l; j <= lSparse; j++) piSum += <i64>piOf(<i32>div(pf * <f64>prime(j)));
      sum += piSum - <i64>(lSparse - l + 1) * <i64>(b - 2);
      l = lSparse + 1;
    }
    while (l <= lEnd) {
      const piv = piOf(<i32>div(pf * <f64>prime(l)));
      const run = piOf(<i32>min(div(pf * <f64>prime(piv)), <u64>q1));
      sum += <i64>(run - l + 1) * <i64>(piv - b + 2);
      l = run + 1;
    }
    // beyond: v < p, phi(v, b - 1) = 1
    if (l <= A) sum += <i64>(A - l + 1);
  }
  return sum;
}

// ---------------------------------------------------------------------------------------------
// bit sieve helpers

function preSieve(low: u64, words: i32): void {
  let w = <i32>((low >> 7) % <u64>patWords);
  let dst = sievePtr;
  let left = words;
  while (left > 0) {
    const n = min(left, patWords - w);
    memory.copy(dst, patPtr + (<usize>w << 3), <usize>n << 3);
    dst += <usize>n << 3;
    left -= n;
    w = 0;
  }
}

/** Number of set bits with index in [from, to] (0 when to < from). */
@inline function countBits(from: i32, to: i32): i64 {
  if (to < from) return 0;
  const a = from >> 6;
  const b = to >> 6;
  const lowMask = ~(<u64>0) << <u64>(from & 63);
  const highMask = ~(<u64>0) >> <u64>(63 - (to & 63));
  if (a == b) return <i64>popcnt<u64>(load<u64>(sievePtr + (<usize>a << 3)) & lowMask & highMask);
  let sum = popcnt<u64>(load<u64>(sievePtr + (<usize>a << 3)) & lowMask);
  for (let w = a + 1; w < b; w++) sum += popcnt<u64>(load<u64>(sievePtr + (<usize>w << 3)));
  sum += popcnt<u64>(load<u64>(sievePtr + (<usize>b << 3)) & highMask);
  return <i64>sum;
}

/** First odd multiple of p that is >= max(low, p), as an offset from low. */
@inline function firstOffset(p: u64, low: u64): u64 {
  const from = max(low, p);
  let q = (from + p - 1) / p;
  q |= 1;
  return q * p - low;
}

/** Clear the odd multiples of p (p itself included) in [low, low + end), counting the set bits cleared. */
function crossOffCounting(p: u64, low: u64, end: i32): i64 {
  const off = firstOffset(p, low);
  if (off >= <u64>end) return 0;
  const step = <i32>(p << 1);
  let unset: i64 = 0;
  for (let j = <i32>off; j < end; j += step) {
    const bit = j >> 1;
    const ptr = sievePtr + (<usize>(bit >> 6) << 3);
    const word = load<u64>(ptr);
    const s = <u64>(bit & 63);
    unset += <i64>((word >> s) & 1);
    store<u64>(ptr, word & ~((<u64>1) << s));
  }
  return unset;
}

function crossOff(p: u64, low: u64, end: i32): void {
  const off = firstOffset(p, low);
  if (off >= <u64>end) return;
  const step = <i32>(p << 1);
  for (let j = <i32>off; j < end; j += step) {
    const bit = j >> 1;
    const ptr = sievePtr + (<usize>(bit >> 6) << 3);
    store<u64>(ptr, load<u64>(ptr) & ~((<u64>1) << <u64>(bit & 63)));
  }
}

// ---------------------------------------------------------------------------------------------
// primes in (lo, hi] for P2 (hi <= sqrt x, so sieving primes up to x^(1/4) <= y are in the table)

function collectPrimes(lo: u64, hi: u64): i32 {
  let n = 0;
  if (hi <= lo) return 0;
  for (let low = (lo + 1) & ~(<u64>127); low <= hi; low += <u64>SEG) {
    const high = min(low + <u64>SEG, hi + 1);
    const end = <i32>(high - low);
    const words = (end + 127) >> 7;
    memory.fill(sievePtr, 0xff, <usize>words << 3);
    for (let b = 2; b <= primeCount; b++) {
      const p = <u64>prime(b);
      if (p * p >= high) break;
      // start at p^2 here: p itself must stay
      const from = max(p * p, low);
      let q = (from + p - 1) / p;
      q |= 1;
      const step = <i32>(p << 1);
      for (let j = <i32>(q * p - low); j < end; j += step) {
        const bit = j >> 1;
        const ptr = sievePtr + (<usize>(bit >> 6) << 3);
        store<u64>(ptr, load<u64>(ptr) & ~((<u64>1) << <u64>(bit & 63)));
      }
    }
    for (let w = 0; w < words; w++) {
      let word = load<u64>(sievePtr + (<usize>w << 3));
      while (word != 0) {
        const bit = (w << 6) + <i32>ctz<u64>(word);
        word &= word - 1;
        const v = low + (<u64>bit << 1) + 1;
        if (v > lo && v <= hi && v > 1) {
          if (n >= listCap) {
            const bigger = max(1024, listCap * 2);
            const ptr = alloc(<usize>bigger << 2);
            if (n > 0) memory.copy(ptr, listPtr, <usize>n << 2);
            listPtr = ptr;
            listCap = bigger;
          }
          store<u32>(listPtr + (<usize>n << 2), <u32>v);
          n++;
        }
      }
    }
  }
  return n;
}

// ---------------------------------------------------------------------------------------------
// hard special leaves and P2 over [low0, high0)

let hLow: u64 = 0;
let hHigh0: u64 = 0;
let hSize: i32 = 0;
let hK: i32 = 0;
let hNp: i32 = 0;
let hP2Sum: i64 = 0;
let hBefore: i64 = 0;
let hS2: i64 = 0;

/** Whether b (>= C + 1) has no hard leaf at or above `low`; once true it stays true for larger b and low. */
@inline function inactive(b: i32, low: u64): bool {
  const p = prime(b);
  let maxM = min(div(<f64>p * <f64>max(low, 1)), <u64>Y);
  if (b >= PI_SQRTY) maxM = min(maxM, hardMaxQ(p));
  return <u64>p >= maxM;
}

/**
 * Starts sieving [low0, high0) (low0 a multiple of 128, high0 <= z + 1); `hardStep` then does
 * one segment per call (so that V8 tiers the hot loop up to optimised code after a few calls:
 * a single long call would run entirely in the baseline compiler's code).
 * Returns the number of prime slots used: coef/cnt are valid for c < b < returned value.
 * When done, results: [0] local S2 of the hard leaves (phi counted from low0),
 * [1] sum over the P2 primes p with x / p in the range of #primes in [low0, x / p],
 * [2] how many such p, [3] #primes in [low0, high0).
 */
export function hardBegin(low0f: f64, high0f: f64): i32 {
  const low0 = <u64>low0f;
  const high0 = <u64>high0f;
  let size = C + 1;
  while (size < A && !inactive(size, low0)) size++;
  memory.fill(coefPtr, 0, <usize>size << 3);
  memory.fill(cntPtr, 0, <usize>size << 3);
  // P2 queries: primes p in (max(y, x / high0), min(sqrt x, x / low0)], walked downwards
  const pHi = low0 == 0 ? SQRTX : min(SQRTX, div(<f64>low0));
  const pLo = max(<u64>Y, div(<f64>high0));
  hNp = pHi > pLo ? collectPrimes(pLo, pHi) : 0;
  hK = hNp - 1;
  hP2Sum = 0;
  hBefore = 0;
  hS2 = 0;
  hLow = low0;
  hHigh0 = high0;
  hSize = size;
  hardFinish();
  return size;
}

function hardFinish(): void {
  store<i64>(resPtr, hS2);
  store<i64>(resPtr + 8, hP2Sum);
  store<i64>(resPtr + 16, <i64>hNp);
  store<i64>(resPtr + 24, hBefore);
}

/** Sieves the next segment; returns 0 once the range is done (results are then final). */
export function hardStep(): i32 {
  if (hLow >= hHigh0) return 0;
  const low = hLow;
  const high = min(low + <u64>SEG, hHigh0);
  hLow = high;
  // slots whose last hard leaf lies below this segment need neither leaves nor phi counts
  while (hSize > C + 1 && inactive(hSize - 1, low)) hSize--;
  const size = hSize;
  let s2 = hS2;
  {
    const end = <i32>(high - low);
    const lowF = <f64>max(low, 1);
    const highF = <f64>high;
    const words = (end + 127) >> 7;
    preSieve(low, words);
    const lastBit = (end >> 1) - 1;
    let countLowHigh = countBits(0, lastBit);
    let b = C + 1;
    // square-free m
    const endB1 = min(PI_SQRTY, size);
    for (; b < endB1; b++) {
      const p = prime(b);
      const pf = <f64>p;
      const minM = max(div(pf * highF), <u64>(Y / p));
      const maxM = min(div(pf * lowF), <u64>Y);
      const phiB = <i64>load<f64>(cntPtr + (<usize>b << 3));
      let count: i64 = 0;
      let coef: i64 = 0;
      let i = 0;
      // walk the candidates m in (minM, maxM] downwards
      let lo = 0;
      let hi = mCount; // first index with m > maxM
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (<u64>load<i32>(mListPtr + (<usize>mid << 3)) <= maxM) lo = mid + 1;
        else hi = mid;
      }
      for (let at = mListPtr + (<usize>lo << 3) - 8; at >= mListPtr; at -= 8) {
        const m = load<i32>(at);
        if (<u64>m <= minM) break;
        const v = load<i32>(at + 4);
        if (v > p) {
          const xn = div(pf * <f64>m);
          const stop = <i32>((<i64>(xn - low) - 1) >> 1);
          count += countBits(i, stop);
          i = stop + 1;
          s2 -= phiB + count;
          coef--;
        } else if (v < -p) {
          const xn = div(pf * <f64>m);
          const stop = <i32>((<i64>(xn - low) - 1) >> 1);
          count += countBits(i, stop);
          i = stop + 1;
          s2 += phiB + count;
          coef++;
        }
      }
      store<f64>(coefPtr + (<usize>b << 3), load<f64>(coefPtr + (<usize>b << 3)) + <f64>coef);
      store<f64>(cntPtr + (<usize>b << 3), <f64>(phiB + countLowHigh));
      countLowHigh -= crossOffCounting(<u64>p, low, end);
    }
    // prime m = q, hard ones only
    for (; b < size; b++) {
      const p = prime(b);
      const pf = <f64>p;
      const maxM = min(min(div(pf * lowF), <u64>Y), hardMaxQ(p));
      const minM = max(max(div(pf * highF), <u64>(Y / p)), <u64>p);
      const phiB = <i64>load<f64>(cntPtr + (<usize>b << 3));
      let count: i64 = 0;
      let coef: i64 = 0;
      let i = 0;
      if (maxM > minM) {
        for (let l = piOf(<i32>maxM); <u64>prime(l) > minM; l--) {
          const xn = div(pf * <f64>prime(l));
          const stop = <i32>((<i64>(xn - low) - 1) >> 1);
          count += countBits(i, stop);
          i = stop + 1;
          s2 += phiB + count;
          coef++;
        }
      }
      store<f64>(coefPtr + (<usize>b << 3), load<f64>(coefPtr + (<usize>b << 3)) + <f64>coef);
      store<f64>(cntPtr + (<usize>b << 3), <f64>(phiB + countLowHigh));
      countLowHigh -= crossOffCounting(<u64>p, low, end);
    }
    // finish sieving for P2: every prime up to sqrt(high - 1)
    const bSqrt = piOf(<i32>isqrt(high - 1));
    for (; b <= bSqrt; b++) crossOff(<u64>prime(b), low, end);
    const lastB = max(b - 1, C);
    // primes p_1..p_lastB that lie in the segment were cleared (2 was never there); 1 survived
    let fix: i64 = 0;
    if (low <= <u64>cap) {
      const top = piOf(<i32>min(high - 1, <u64>cap));
      const bottom = low == 0 ? 0 : piOf(<i32>(low - 1));
      fix = <i64>(min(lastB, top) - min(lastB, bottom));
    }
    if (low == 0) fix -= 1;
    // queries x / p in this segment, in increasing order (all of them exceed every cleared prime)
    let count: i64 = 0;
    let i = 0;
    while (hK >= 0) {
      const n = div(<f64>load<u32>(listPtr + (<usize>hK << 2)));
      if (n >= high) break;
      const stop = <i32>((<i64>(n - low) - 1) >> 1);
      count += countBits(i, stop);
      i = stop + 1;
      hP2Sum += hBefore + count + fix;
      hK--;
    }
    hBefore += countBits(0, lastBit) + fix;
  }
  hS2 = s2;
  hardFinish();
  return hLow < hHigh0 ? 1 : 0;
}
