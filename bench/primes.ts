/**
 * The primes endpoints over HTTP against native tools on this machine, each pair measured in
 * the same run: (1) pi(x) through GET /v1/primes/count beside `primecount`, on 1 and 2
 * threads; (2) the sieve alone (method=sieve) below 10^10 on 2 threads beside `primesieve`;
 * (3) factoring fixed 60- and 64-bit semiprimes through POST /v1/primes/factor beside GNU
 * `factor`; (4) prime-checking throughput and the 20-number fixture through POST
 * /v1/primes/check. Native tools run as whole processes (spawn time included, nothing
 * subtracted); HTTP figures include JSON, the loopback socket and the dispatcher.
 *
 * Run with `npm run build && node --import tsx bench/primes.ts` (`quick` as the first
 * argument skips pi(10^14)).
 */
import { spawnSync } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { isPrime } from '../src/compute/primes/is-prime.js';
import { type BenchServer, startServer } from './lib/server.js';
import { printTable } from './lib/table.js';

const quick = process.argv[2] === 'quick';

// ---- helpers --------------------------------------------------------------------------------

function which(tool: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${tool}`]).status === 0;
}

/** Wall time of a whole process in ms, and its stdout; undefined when the tool is missing. */
function timeTool(command: string, args: string[], input?: string): { ms: number; stdout: string } | undefined {
  if (!which(command)) return undefined;
  const started = performance.now();
  const result = spawnSync(command, args, { encoding: 'utf8', maxBuffer: 1 << 28, ...(input === undefined ? {} : { input }) });
  const ms = performance.now() - started;
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed: ${result.stderr}`);
  return { ms, stdout: result.stdout };
}

function bestOf<T extends { ms: number }>(runs: number, measure: () => T): T {
  let best: T | undefined;
  for (let run = 0; run < runs; run += 1) {
    const result = measure();
    if (best === undefined || result.ms < best.ms) best = result;
  }
  return best as T;
}

async function bestOfAsync<T extends { ms: number }>(runs: number, measure: () => Promise<T>): Promise<T> {
  let best: T | undefined;
  for (let run = 0; run < runs; run += 1) {
    const result = await measure();
    if (best === undefined || result.ms < best.ms) best = result;
  }
  return best as T;
}

interface HttpResult {
  ms: number;
  body: unknown;
  computeMs: number;
}

async function http(server: BenchServer, path: string, body?: unknown): Promise<HttpResult> {
  const started = performance.now();
  const response = await fetch(`${server.url}${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    ...(body === undefined ? {} : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }),
  });
  const text = await response.text();
  const ms = performance.now() - started;
  if (response.status !== 200) throw new Error(`${path}: HTTP ${response.status} ${text.slice(0, 300)}`);
  const timing = response.headers.get('server-timing') ?? '';
  const computeMs = Number(/compute;dur=([\d.]+)/.exec(timing)?.[1] ?? Number.NaN);
  return { ms, body: JSON.parse(text) as unknown, computeMs };
}

const missing = (tool: string, pkg: string) => `not installed (apt-get install ${pkg})`;
const seconds = (ms: number) => (ms / 1000).toFixed(3);
const ratio = (ours: number, theirs: number | undefined) => (theirs === undefined ? 'n/a' : `${(ours / theirs).toFixed(2)}x`);

/** Deterministic PRNG (xorshift64*), so every run factors the same numbers. */
function rng(seed: bigint): (bits: number) => bigint {
  let state = seed;
  const mask = (1n << 64n) - 1n;
  return (bits) => {
    let value = 0n;
    for (let have = 0; have < bits; have += 32) {
      state ^= state >> 12n;
      state ^= (state << 25n) & mask;
      state ^= state >> 27n;
      value = (value << 32n) | (((state * 2685821657736338717n) & mask) >> 32n);
    }
    return value & ((1n << BigInt(bits)) - 1n);
  };
}

function nextPrime(n: bigint): bigint {
  let candidate = n | 1n;
  while (!isPrime(candidate).prime) candidate += 2n;
  return candidate;
}

/** `count` semiprimes of exactly `bits` bits, each the product of two primes of bits / 2 bits. */
function semiprimes(bits: number, count: number, seed: bigint): bigint[] {
  const random = rng(seed);
  const half = bits / 2;
  const found: bigint[] = [];
  while (found.length < count) {
    const p = nextPrime(random(half) | (3n << BigInt(half - 2)));
    const q = nextPrime(random(half) | (3n << BigInt(half - 2)));
    const n = p * q;
    if (p !== q && n.toString(2).length === bits) found.push(n);
  }
  return found;
}

// ---- the sections ---------------------------------------------------------------------------

const serverEnv = (threads: number) => ({
  POOL_THREADS: String(threads),
  REQUEST_TIMEOUT_MS: '600000',
  MAX_BATCH_ITEMS: '100000',
});

async function countSection(servers: Map<number, BenchServer>): Promise<void> {
  const rows: Array<Record<string, string | number>> = [];
  const exponents = quick ? [12, 13] : [12, 13, 14];
  for (const exponent of exponents) {
    const x = `1${'0'.repeat(exponent)}`;
    const runs = exponent <= 12 ? 5 : exponent === 13 ? 3 : 2;
    for (const threads of [1, 2]) {
      const server = servers.get(threads) as BenchServer;
      await http(server, `/v1/primes/count?to=${x}&method=pi`);
      const ours = await bestOfAsync(runs, () => http(server, `/v1/primes/count?to=${x}&method=pi`));
      const native = bestOf(runs, () => timeTool('primecount', [x, '-t', String(threads)]) ?? { ms: Number.NaN, stdout: '' });
      const count = (ours.body as { count: string }).count;
      const agrees = Number.isNaN(native.ms) ? 'n/a' : native.stdout.trim() === count ? 'yes' : `NO (${native.stdout.trim()})`;
      rows.push({
        x: `10^${exponent}`,
        threads: String(threads),
        'pi(x)': count,
        'crunch HTTP s': seconds(ours.ms),
        'crunch compute s': seconds(ours.computeMs),
        'primecount s': Number.isNaN(native.ms) ? missing('primecount', 'primecount-bin') : seconds(native.ms),
        ratio: Number.isNaN(native.ms) ? 'n/a' : ratio(ours.ms, native.ms),
        agrees,
      });
    }
  }
  printTable('pi(x): GET /v1/primes/count?method=pi vs primecount (best of runs; goal: 10^13 within 10x)', rows);
}

async function sieveSection(servers: Map<number, BenchServer>): Promise<void> {
  const server = servers.get(2) as BenchServer;
  const path = '/v1/primes/count?to=10000000000&method=sieve';
  await http(server, '/v1/primes/count?to=100000000&method=sieve');
  const ours = await bestOfAsync(3, () => http(server, path));
  const native = which('primesieve') ? bestOf(3, () => timeTool('primesieve', ['1e10', '-t', '2', '-q']) as { ms: number; stdout: string }) : undefined;
  const count = (ours.body as { count: string }).count;
  printTable('Sieve alone: primes below 10^10 on 2 threads vs primesieve (best of 3; goal: within 3x)', [
    {
      what: 'count primes <= 10^10',
      count,
      'crunch HTTP s': seconds(ours.ms),
      'crunch compute s (sum over threads)': seconds(ours.computeMs),
      'primesieve -t 2 s': native === undefined ? missing('primesieve', 'primesieve') : seconds(native.ms),
      ratio: ratio(ours.ms, native?.ms),
      agrees: native === undefined ? 'n/a' : native.stdout.trim() === count ? 'yes' : `NO (${native.stdout.trim()})`,
    },
  ]);
}

async function factorSection(servers: Map<number, BenchServer>): Promise<void> {
  const server = servers.get(2) as BenchServer;
  const rows: Array<Record<string, string | number>> = [];
  for (const bits of [60, 64]) {
    const numbers = semiprimes(bits, 200, BigInt(bits) * 7919n + 1n);
    const strings = numbers.map(String);
    await http(server, '/v1/primes/factor', { numbers: strings.slice(0, 10) });
    const batch = await bestOfAsync(3, () => http(server, '/v1/primes/factor', { numbers: strings }));
    // One request per number, one after another: the latency a single client sees.
    const single = await bestOfAsync(2, async () => {
      const started = performance.now();
      for (const n of strings.slice(0, 50)) await http(server, '/v1/primes/factor', { numbers: [n] });
      return { ms: (performance.now() - started) / 50 };
    });
    const results = (batch.body as { results: Array<{ factors: Array<{ prime: string; exponent: number }> }> }).results;
    const wrong = results.filter((result, index) => {
      const product = result.factors.reduce((acc, f) => acc * BigInt(f.prime) ** BigInt(f.exponent), 1n);
      return product !== numbers[index] || result.factors.length !== 2;
    }).length;
    const native = which('factor') ? bestOf(3, () => timeTool('factor', [], `${strings.join('\n')}\n`) as { ms: number; stdout: string }) : undefined;
    const perNative = native === undefined ? undefined : native.ms / numbers.length;
    // One `factor` process per number: the command-line counterpart of one request per number.
    const nativeSingle = which('factor')
      ? bestOf(2, () => {
          const started = performance.now();
          for (const n of strings.slice(0, 50)) timeTool('factor', [n]);
          return { ms: (performance.now() - started) / 50 };
        })
      : undefined;
    rows.push({
      semiprimes: `${numbers.length} x ${bits}-bit`,
      'crunch batch ms/number': (batch.ms / numbers.length).toFixed(3),
      'crunch 1 per request ms': single.ms.toFixed(3),
      'factor ms/number': perNative === undefined ? missing('factor', 'coreutils') : perNative.toFixed(3),
      'factor 1 process/number ms': nativeSingle === undefined ? missing('factor', 'coreutils') : nativeSingle.ms.toFixed(3),
      'ratio batch': ratio(batch.ms / numbers.length, perNative),
      'ratio 1/request vs 1/process': ratio(single.ms, nativeSingle?.ms),
      'ratio 1/request vs batch factor': ratio(single.ms, perNative),
      wrong: String(wrong),
    });
  }
  printTable('Factoring semiprimes (two primes of bits/2 bits, seeded PRNG) vs GNU factor (goal: within 5x per number)', rows);
}

/** The 20 numbers of the primes.py fixture in Fluent Python (2nd ed., ch. 19). */
const fixture = [
  2n, 142702110479723n, 299593572317531n, 3333333333333301n, 3333333333333333n, 3333335652092209n, 4444444444444423n,
  4444444444444444n, 4444444488888889n, 5555553133149889n, 5555555555555503n, 5555555555555555n, 6666666666666666n,
  6666666666666719n, 6666667141414921n, 7777777536340681n, 7777777777777753n, 7777777777777777n, 9999999999999917n,
  9999999999999999n,
];

async function checkSection(servers: Map<number, BenchServer>): Promise<void> {
  const server = servers.get(2) as BenchServer;
  const random = rng(0x5eed_cafe_f00dn);
  const size = 100_000;
  const randoms = Array.from({ length: size }, () => random(64).toString());
  const primes: string[] = [];
  while (primes.length < size) primes.push(nextPrime(random(64) | (1n << 63n)).toString());
  const rows: Array<Record<string, string | number>> = [];
  for (const [name, numbers, goal] of [
    ['random 64-bit', randoms, 1_000_000],
    ['64-bit primes', primes, 300_000],
  ] as const) {
    const body = { numbers };
    await http(server, '/v1/primes/check', body);
    // Two requests in flight, so both threads and the event loop stay busy.
    const rounds = 6;
    let computeMs = 0;
    const started = performance.now();
    await Promise.all(
      [0, 1].map(async () => {
        for (let round = 0; round < rounds / 2; round += 1) computeMs += (await http(server, '/v1/primes/check', body)).computeMs;
      }),
    );
    const ms = performance.now() - started;
    const perSecond = (size * rounds) / (ms / 1000);
    rows.push({
      batch: `${size} ${name}`,
      'checks/s over HTTP': Math.round(perSecond),
      'checks/s of pool compute (2 threads)': Math.round((size * rounds) / (computeMs / 2 / 1000)),
      goal,
      met: perSecond >= goal ? 'yes' : 'no',
    });
  }
  printTable('Checking throughput: POST /v1/primes/check, 100 000 numbers per request, 2 requests in flight', rows);

  const fixtureBody = { numbers: fixture.map(String) };
  for (let warm = 0; warm < 20; warm += 1) await http(server, '/v1/primes/check', fixtureBody);
  const timings: HttpResult[] = [];
  for (let run = 0; run < 200; run += 1) timings.push(await http(server, '/v1/primes/check', fixtureBody));
  timings.sort((a, b) => a.computeMs - b.computeMs);
  const median = timings[timings.length >> 1] as HttpResult;
  const verdicts = (median.body as { results: Array<{ prime: boolean }> }).results.filter((r) => r.prime).length;
  printTable('The 20-number fixture (Fluent Python primes.py, 2 .. 9999999999999917) in one request, 200 runs', [
    {
      'primes found': `${verdicts} of 20`,
      'compute ms (Server-Timing, median)': median.computeMs.toFixed(4),
      'compute ms (min)': (timings[0] as HttpResult).computeMs.toFixed(4),
      'HTTP round trip ms (median)': timings.map((t) => t.ms).sort((a, b) => a - b)[100]?.toFixed(3) ?? '',
    },
  ]);
}

const servers = new Map<number, BenchServer>();
try {
  servers.set(1, await startServer(serverEnv(1)));
  servers.set(2, await startServer(serverEnv(2)));
  console.log(`machine: ${(await import('node:os')).cpus()[0]?.model ?? 'unknown'}, ${(await import('node:os')).availableParallelism()} cores`);
  await countSection(servers);
  await servers.get(1)?.stop();
  servers.delete(1);
  await sieveSection(servers);
  await factorSection(servers);
  await checkSection(servers);
} finally {
  for (const server of servers.values()) await server.stop();
}
