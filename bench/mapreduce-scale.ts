/**
 * MapReduce at the size limits, against the built server (issue 9): a 255 MiB single line and
 * 256 MiB of all-distinct words on many lines (tens of millions of distinct keys), for every
 * job. Prints per case the status, the time, the server's RSS before / peak / after (read from
 * /proc every 20 ms), the worst /healthz latency seen meanwhile, and the server's own largest
 * event-loop delay over the request (`nodejs_eventloop_lag_max_seconds` from /metrics, which
 * resets it at each scrape). On a busy machine both include waiting for a CPU.
 *
 *   npm run build && node --import tsx bench/mapreduce-scale.ts [filter] [--entry=dist/server.js]
 *
 * `--entry` runs another build (e.g. an older one copied aside) to compare before and after.
 */
import { readFileSync } from 'node:fs';
import { request } from 'node:http';
import { startServer } from './lib/server.js';
import { printTable } from './lib/table.js';

const args = process.argv.slice(2);
const entry = args.find((arg) => arg.startsWith('--entry='))?.slice('--entry='.length) ?? 'dist/server.js';
const filter = args.find((arg) => !arg.startsWith('--')) ?? '';

const MIB = 1024 * 1024;

/** `count` distinct lower-case words (bijective base 26 from 26^4, so 5+ letters), separated by `separator`. */
function distinctWords(bytes: number, separator: number): { body: Buffer; words: number } {
  const body = Buffer.alloc(bytes, 0x20);
  const digits = new Uint8Array(16);
  let pos = 0;
  let words = 0;
  for (let i = 26 ** 4; ; i++) {
    let n = i;
    let len = 0;
    while (n > 0) {
      n -= 1;
      digits[len++] = 0x61 + (n % 26);
      n = Math.floor(n / 26);
    }
    if (pos + len + 1 > bytes) break;
    for (let j = len - 1; j >= 0; j--) body[pos++] = digits[j]!;
    body[pos++] = words % 16 === 15 ? separator : 0x20;
    words++;
  }
  return { body, words };
}

/** `key,value` lines, every key distinct (the words above), values with up to two decimals. */
function distinctKeyLines(bytes: number): Buffer {
  const { body } = distinctWords(Math.floor(bytes / 2), 0x0a);
  const words = body.toString('latin1').split(/[ \n]+/).filter((w) => w !== '');
  const out = Buffer.alloc(bytes, 0x0a);
  let pos = 0;
  for (let i = 0; ; i++) {
    const line = `${words[i % words.length]!}${i >= words.length ? 'x' : ''},${i % 1000}.${i % 7}5\n`;
    if (pos + line.length > bytes) break;
    pos += out.write(line, pos, 'latin1');
  }
  return out;
}

/** Scrapes /metrics: the largest event-loop delay since the previous scrape, in ms. */
async function loopDelayMaxMs(url: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  return Number(/^nodejs_eventloop_lag_max_seconds\S*\s+(\S+)/m.exec(text)?.[1] ?? Number.NaN) * 1000;
}

function rssBytes(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return kb * 1024;
}

function post(url: string, body: Buffer): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', headers: { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': body.length } }, (res) => {
      const parts: Buffer[] = [];
      res.on('data', (part: Buffer) => parts.push(part));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(parts).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

interface Case {
  readonly name: string;
  readonly query: string;
  readonly body: () => Buffer;
}

async function main(): Promise<void> {
  let oneLine: Buffer | undefined;
  let manyLines: Buffer | undefined;
  const single = (): Buffer => (oneLine ??= distinctWords(255 * MIB, 0x20).body);
  let csv: Buffer | undefined;
  const lines = (): Buffer => (manyLines ??= distinctWords(256 * MIB - 1, 0x0a).body);
  const keyLines = (): Buffer => (csv ??= distinctKeyLines(256 * MIB - 1));
  const cases: Case[] = [
    { name: 'wordcount, 255 MiB single line, all distinct', query: 'job=wordcount&top=100', body: single },
    { name: 'index, 255 MiB single line, all distinct', query: 'job=index', body: single },
    { name: 'letters, 255 MiB single line', query: 'job=letters', body: single },
    { name: 'grep, 255 MiB single line (matches)', query: 'job=grep&pattern=aaaaa&literal=true', body: single },
    { name: 'sumbykey, 255 MiB single line', query: 'job=sumbykey', body: single },
    { name: 'wordcount, 256 MiB lines, all distinct', query: 'job=wordcount&top=100000', body: lines },
    { name: 'index, 256 MiB lines, all distinct', query: 'job=index&maxWords=100000&maxDocumentsPerWord=10', body: lines },
    { name: 'sumbykey, 256 MiB key,value lines, all distinct', query: 'job=sumbykey&maxKeys=100000', body: keyLines },
  ].filter((c) => c.name.includes(filter));

  const rows: Array<Record<string, string | number>> = [];
  for (const c of cases) {
    const body = c.body();
    // One server per case, so each starts from the same memory and a crash shows in its row.
    const server = await startServer({ POOL_THREADS: '2', REQUEST_TIMEOUT_MS: '600000' }, [entry]);
    const pid = server.process.pid!;
    try {
      await new Promise((resolve) => setTimeout(resolve, 500));
      await loopDelayMaxMs(server.url);
      const before = rssBytes(pid);
      let peak = before;
      let worstHealth = 0;
      let running = true;
      const sampler = setInterval(() => {
        try {
          peak = Math.max(peak, rssBytes(pid));
        } catch {
          // the process has gone
        }
      }, 20);
      const prober = (async () => {
        while (running) {
          const start = performance.now();
          try {
            await fetch(`${server.url}/healthz`);
          } catch {
            // refused: counted as its time
          }
          worstHealth = Math.max(worstHealth, performance.now() - start);
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
      })();
      const start = performance.now();
      let status: number;
      let detail: string;
      try {
        const response = await post(`${server.url}/v1/mapreduce?${c.query}`, body);
        status = response.status;
        const parsed = JSON.parse(response.text) as Record<string, unknown>;
        detail =
          status === 200
            ? Object.entries(parsed)
                .filter(([, v]) => typeof v === 'number' || typeof v === 'boolean')
                .map(([k, v]) => `${k}=${String(v)}`)
                .join(' ')
            : String(parsed['detail'] ?? '').slice(0, 90);
      } catch (error) {
        status = 0;
        detail = `connection: ${(error as Error).message}`;
      }
      const seconds = (performance.now() - start) / 1000;
      const loopDelay = await loopDelayMaxMs(server.url).catch(() => Number.NaN);
      running = false;
      await prober;
      clearInterval(sampler);
      await new Promise((resolve) => setTimeout(resolve, 2000));
      let after = Number.NaN;
      try {
        after = rssBytes(pid);
      } catch {
        // the process has gone
      }
      rows.push({
        case: c.name,
        status,
        seconds,
        'RSS before MB': before / 1e6,
        'RSS peak MB': peak / 1e6,
        'RSS after MB': after / 1e6,
        'worst /healthz ms': worstHealth,
        'max loop delay ms': loopDelay,
        result: detail,
      });
      console.log(JSON.stringify(rows[rows.length - 1]));
    } finally {
      await server.stop();
    }
  }
  printTable(`MapReduce at the limits (${entry}), 2 pool threads, node ${process.version}`, rows);
}

await main();
