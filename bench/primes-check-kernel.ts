/**
 * Kernel-only primality checks per second on one core (no HTTP, no pool): the u64 kernel's
 * Baillie–PSW path against the earlier deterministic Miller–Rabin, measured in the same run.
 *
 * The product module (wasm/build/u64.wasm) exports only the product path, so this script
 * compiles a small harness module from wasm/lib/u64-prime.ts (same flags as
 * scripts/build-wasm.mjs, in a scratch directory) that exports both paths,
 * plus variants for the choices the kernel makes: where BPSW takes over from Miller–Rabin,
 * and how many small primes trial division tries first. Every variant must give the same
 * verdicts on every input; the script fails if one does not.
 *
 *   npm run build:wasm && node --import tsx bench/primes-check-kernel.ts
 */
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkPrimesU64, u64Kernel } from '../src/compute/primes/is-prime.js';
import { printTable } from './lib/table.js';

const HARNESS_SOURCE = `
import { initTrialTable, isPrime64, isPrime64MillerRabin, millerRabin, bailliePsw, bailliePsw32, divisibleAt, primeAt } from './lib/u64-prime';
initTrialTable();
export function reserve(bytes: i32): usize {
  const base = (__heap_base + 15) & ~(<usize>15);
  const need = base + <usize>bytes;
  const have = <usize>memory.size() << 16;
  if (need > have && memory.grow(<i32>((need - have + 0xffff) >> 16)) < 0) return 0;
  return base;
}
export function checkProduct(ptr: usize, count: i32): void {
  const out = ptr + (<usize>count << 3);
  for (let i = 0; i < count; i++) store<u8>(out + <usize>i, isPrime64(load<u64>(ptr + (<usize>i << 3))) ? 1 : 0);
}
export function checkMillerRabin(ptr: usize, count: i32): void {
  const out = ptr + (<usize>count << 3);
  for (let i = 0; i < count; i++) store<u8>(out + <usize>i, isPrime64MillerRabin(load<u64>(ptr + (<usize>i << 3))) ? 1 : 0);
}
function variant(n: u64, trial: i32, bpswFrom: u64, bpsw32: bool): bool {
  if (n < 2) return false;
  if ((n & 1) == 0) return n == 2;
  for (let i = 0; i < trial; i++) if (divisibleAt(n, i)) return n == primeAt(i);
  const next = primeAt(trial);
  if (n < next * next) return true;
  if (bpsw32 && n < (<u64>1 << 32)) return bailliePsw32(n);
  return n >= bpswFrom ? bailliePsw(n) : millerRabin(n);
}
export function checkVariant(ptr: usize, count: i32, trial: i32, bpswFromLo: u32, bpswFromHi: u32, bpsw32: bool): void {
  const from = (<u64>bpswFromHi << 32) | <u64>bpswFromLo;
  const out = ptr + (<usize>count << 3);
  for (let i = 0; i < count; i++) store<u8>(out + <usize>i, variant(load<u64>(ptr + (<usize>i << 3)), trial, from, bpsw32) ? 1 : 0);
}
`;

interface Harness {
  memory: WebAssembly.Memory;
  reserve(bytes: number): number;
  checkProduct(ptr: number, count: number): void;
  checkMillerRabin(ptr: number, count: number): void;
  checkVariant(ptr: number, count: number, trial: number, fromLo: number, fromHi: number, bpsw32: number): void;
}

/** Compiled by the asc command in a child process, in a scratch copy of wasm/lib. */
function compileHarness(): Harness {
  const require = createRequire(import.meta.url);
  const ascBin = join(require.resolve('assemblyscript/package.json'), '..', 'bin', 'asc.js');
  const dir = mkdtempSync(join(tmpdir(), 'check-harness-'));
  try {
    cpSync(new URL('../wasm/lib', import.meta.url), join(dir, 'lib'), { recursive: true });
    writeFileSync(join(dir, 'harness.ts'), HARNESS_SOURCE);
    execFileSync(
      process.execPath,
      [ascBin, join(dir, 'harness.ts'), '-o', join(dir, 'harness.wasm'), '-O3', '--runtime', 'stub', '--noAssert', '--enable', 'simd'],
      { stdio: 'inherit' },
    );
    const instance = new WebAssembly.Instance(new WebAssembly.Module(readFileSync(join(dir, 'harness.wasm'))), {
      env: { abort: () => { throw new Error('harness aborted'); } },
    });
    return instance.exports as unknown as Harness;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** xorshift64* so every run measures the same inputs. */
function random64(seed: bigint): () => bigint {
  let state = seed | 1n;
  const mask = (1n << 64n) - 1n;
  return () => {
    state ^= state >> 12n;
    state ^= (state << 25n) & mask;
    state ^= state >> 27n;
    return (state * 0x2545f4914f6cdd1dn) & mask;
  };
}

const COUNT = 50_000;

function randomValues(bits: number, seed: bigint): BigUint64Array {
  const next = random64(seed);
  const values = new BigUint64Array(COUNT);
  for (let i = 0; i < COUNT; i++) values[i] = next() >> BigInt(64 - bits);
  return values;
}

/** COUNT primes of exactly `bits` bits, found with the product kernel from random odd starts. */
function randomPrimes(bits: number, seed: bigint): BigUint64Array {
  const next = random64(seed);
  const primes = new BigUint64Array(COUNT);
  const top = 1n << BigInt(bits - 1);
  let found = 0;
  while (found < COUNT) {
    const candidates = new BigUint64Array(4096);
    for (let i = 0; i < candidates.length; i++) candidates[i] = ((next() >> BigInt(65 - bits)) | top | 1n);
    const flags = checkPrimesU64(candidates);
    for (let i = 0; i < candidates.length && found < COUNT; i++) if (flags[i] === 1) primes[found++] = candidates[i] ?? 0n;
  }
  return primes;
}

interface Contender {
  memory: WebAssembly.Memory;
  ptr: number;
  check: (ptr: number, count: number) => void;
}

/**
 * Checks per second of each contender over the same values: best of `rounds` timed passes,
 * the contenders taking turns within each round so that load from other processes on the
 * machine falls on all of them alike. Also returns each contender's verdicts.
 */
function race(values: BigUint64Array, contenders: Contender[], rounds = 7): { rate: number; flags: Uint8Array }[] {
  const best = contenders.map(() => Infinity);
  for (const { memory, ptr, check } of contenders) {
    new BigUint64Array(memory.buffer, ptr, values.length).set(values);
    check(ptr, values.length); // warm-up
  }
  for (let round = 0; round < rounds; round++) {
    contenders.forEach(({ memory, ptr, check }, i) => {
      // Each contender's memory holds the values already, except when two share a memory.
      new BigUint64Array(memory.buffer, ptr, values.length).set(values);
      const start = process.hrtime.bigint();
      check(ptr, values.length);
      best[i] = Math.min(best[i] ?? Infinity, Number(process.hrtime.bigint() - start) / 1e9);
    });
  }
  return contenders.map(({ memory, ptr, check }, i) => {
    new BigUint64Array(memory.buffer, ptr, values.length).set(values);
    check(ptr, values.length);
    const flags = new Uint8Array(memory.buffer, ptr + values.length * 8, values.length).slice();
    return { rate: values.length / (best[i] ?? Infinity), flags };
  });
}

const harness = compileHarness();
const hptr = harness.reserve(COUNT * 9);
const product = u64Kernel();
const pptr = product.reserve(COUNT * 9);

const workloads: [string, BigUint64Array][] = [
  ['random 64-bit', randomValues(64, 1n)],
  ['64-bit primes', randomPrimes(64, 2n)],
  ['random 32-bit', randomValues(32, 3n)],
  ['32-bit primes', randomPrimes(32, 4n)],
  ['40-bit primes (MR tier < 1.12e12)', randomPrimes(40, 5n)],
  ['random 40-bit', randomValues(40, 6n)],
];

let mismatches = 0;
function sameFlags(a: Uint8Array, b: Uint8Array, what: string): void {
  for (let i = 0; i < a.length; i++) {
    if (a[i] !== b[i]) {
      mismatches++;
      console.error(`MISMATCH ${what} at ${i}`);
      return;
    }
  }
}

const U64_MAX_HALVES: [number, number] = [0xffffffff, 0xffffffff];
const split = (from: bigint): [number, number] => [Number(from & 0xffffffffn), Number(from >> 32n)];

const harnessRun = (check: (ptr: number, count: number) => void): Contender => ({ memory: harness.memory, ptr: hptr, check });

const mainRows: Record<string, string | number>[] = [];
for (const [name, values] of workloads) {
  const [old, bpsw, built] = race(values, [
    harnessRun((p, c) => harness.checkMillerRabin(p, c)),
    harnessRun((p, c) => harness.checkProduct(p, c)),
    { memory: product.memory, ptr: pptr, check: (p, c) => product.checkBatch(p, c) },
  ]) as [{ rate: number; flags: Uint8Array }, { rate: number; flags: Uint8Array }, { rate: number; flags: Uint8Array }];
  sameFlags(old.flags, bpsw.flags, `${name}: MR vs BPSW`);
  sameFlags(old.flags, built.flags, `${name}: MR vs u64.wasm`);
  const primes = old.flags.reduce((sum, flag) => sum + flag, 0);
  mainRows.push({
    workload: name,
    'new path': name.includes('32-bit') ? 'BPSW, 32-bit Montgomery' : 'BPSW',
    'primes %': (100 * primes) / values.length,
    'Miller–Rabin checks/s (baseline)': old.rate,
    'BPSW checks/s (harness)': bpsw.rate,
    ratio: `${(bpsw.rate / old.rate).toFixed(2)}x`,
    'u64.wasm checkBatch checks/s': built.rate,
    'µs per check (u64.wasm)': 1e6 / built.rate,
  });
}
printTable(`u64 kernel, one core, ${COUNT.toLocaleString('en-US')} values per pass, best of 7 interleaved passes`, mainRows);

// Where should BPSW take over? Same trial division (53 odd primes < 2^8), tier start varied.
const tiers: [string, [number, number], number][] = [
  ['MR everywhere (old)', U64_MAX_HALVES, 0],
  ['BPSW from 1.12e12', split(1122004669633n), 0],
  ['BPSW from 2^32', split(1n << 32n), 0],
  ['BPSW from 257^2 on 64-bit Montgomery', split(66049n), 0],
  ['BPSW, 32-bit Montgomery below 2^32 (product)', split(1n << 32n), 1],
];
const tierRows: Record<string, string | number>[] = [];
for (const [name, values] of workloads) {
  const results = race(values, tiers.map(([, [lo, hi], small]) => harnessRun((p, c) => harness.checkVariant(p, c, 53, lo, hi, small))), 5);
  const row: Record<string, string | number> = { workload: name };
  results.forEach((result, i) => {
    sameFlags(results[0]?.flags ?? result.flags, result.flags, `${name}: ${tiers[i]?.[0]}`);
    row[tiers[i]?.[0] ?? '?'] = result.rate;
  });
  tierRows.push(row);
}
printTable('checks/s by where BPSW takes over from Miller–Rabin (trial division by 53 primes)', tierRows);

// How many odd primes should trial division try before the probable-prime tests?
const trialCounts = [8, 16, 30, 53, 96, 171];
const [fromLo, fromHi] = split(1n << 32n);
const trialRows: Record<string, string | number>[] = [];
for (const [name, values] of workloads) {
  const results = race(values, trialCounts.map((count) => harnessRun((p, c) => harness.checkVariant(p, c, count, fromLo, fromHi, 1))), 5);
  const row: Record<string, string | number> = { workload: name };
  results.forEach((result, i) => {
    sameFlags(results[0]?.flags ?? result.flags, result.flags, `${name}: trial ${trialCounts[i]}`);
    row[`${trialCounts[i]} primes`] = result.rate;
  });
  trialRows.push(row);
}
printTable('checks/s by trial-division count (odd primes tried; 53 = all below 2^8), product tiers', trialRows);

if (mismatches > 0) {
  console.error(`${mismatches} verdict mismatches between variants`);
  process.exit(1);
}
console.log('\nAll variants gave the same verdict on every input.');
