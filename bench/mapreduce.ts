/**
 * Word count end to end over HTTP: >= 100 MB of generated text POSTed as text/plain to
 * /v1/mapreduce?job=wordcount on a server with 2 pool threads, beside two baselines run on
 * the same text in the same run: the naive reference in this process and the classic
 * `tr | tr | sort | uniq -c` shell pipeline. Also our kernels on one thread in this process,
 * to show what the pool and the HTTP path add.
 *
 *   npm run build && node --import tsx bench/mapreduce.ts [megabytes=100] [runs=5]
 *
 * Text: Zipf-distributed vocabulary of 5000 words (some with accented letters, some
 * capitalised, some with apostrophes), punctuation, lines of 6..17 words. Deterministic.
 */
import { execSync, spawnSync } from 'node:child_process';
import { request } from 'node:http';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runJobInline, type JobResult } from '../src/compute/mapreduce/index.js';
import { startServer } from './lib/server.js';
import { printTable } from './lib/table.js';
import { generateText } from './lib/text.js';

const megabytes = Number(process.argv[2] ?? 100);
const runs = Math.max(2, Number(process.argv[3] ?? 5));


/** The naive reference, exactly as the issue states it. */
function naiveWordCount(text: string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const word of text.toLowerCase().split(/[^\p{L}]+/u)) {
    if (word !== '') counts.set(word, (counts.get(word) ?? 0) + 1);
  }
  return counts;
}

function post(url: string, body: Buffer): Promise<{ status: number; headers: Record<string, unknown>; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', headers: { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': body.length } }, (res) => {
      const parts: Buffer[] = [];
      res.on('data', (part: Buffer) => parts.push(part));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(parts).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

function seconds(start: number): number {
  return (performance.now() - start) / 1000;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

async function main(): Promise<void> {
  console.log(`generating ${megabytes} MB of text…`);
  const text = generateText(megabytes * 1e6);
  const body = Buffer.from(text, 'utf8');
  const mb = body.length / 1e6;
  const rows: Array<Record<string, string | number>> = [];
  const row = (run: string, secs: number, note: string) => ({ run, seconds: secs, 'MB/s': mb / secs, note });

  let start = performance.now();
  const naive = naiveWordCount(text);
  const naiveSeconds = seconds(start);
  rows.push(row('naive: toLowerCase + split(/[^\\p{L}]+/u) + Map (this process)', naiveSeconds, `${naive.size} distinct`));

  // Warm the kernel as the pool threads warm theirs (V8 optimises WebAssembly on later calls).
  runJobInline({ kind: 'wordcount', top: 100 }, body.subarray(0, body.indexOf(10, 4 << 20) + 1), { chunkBytes: 256 * 1024 });
  start = performance.now();
  const local = runJobInline({ kind: 'wordcount', top: 100 }, body);
  rows.push(row('ours, kernels on 1 thread in this process (runJobInline)', seconds(start), 'no HTTP, no pool, warmed'));

  const server = await startServer({
    POOL_THREADS: '2',
    MAX_BINARY_BODY_BYTES: String(Math.max(256 * 1024 * 1024, body.length + 1)),
    REQUEST_TIMEOUT_MS: '600000',
  });
  const times: number[] = [];
  let route = '';
  let timing = '';
  try {
    for (let r = 0; r < runs; r++) {
      start = performance.now();
      const response = await post(`${server.url}/v1/mapreduce?job=wordcount&top=100`, body);
      times.push(seconds(start));
      if (response.status !== 200) throw new Error(`HTTP ${response.status}: ${response.text.slice(0, 300)}`);
      route = String(response.headers['x-crunch-route']);
      timing = String(response.headers['server-timing']);
      const result = JSON.parse(response.text) as { job: string } & Omit<Extract<JobResult, { kind: 'wordcount' }>, 'kind'>;
      if (local.kind !== 'wordcount' || result.totalWords !== local.totalWords || JSON.stringify(result.top) !== JSON.stringify(local.top)) {
        throw new Error('HTTP result differs from the in-process result');
      }
    }
  } finally {
    await server.stop();
  }
  // The first request after start pays for fresh memory and code warm-up; the others show the steady state.
  const warm = times.slice(1);
  rows.push(row('ours, HTTP POST text/plain, 2 pool threads, first request', times[0]!, `route ${route}`));
  rows.push(row(`ours, HTTP POST text/plain, 2 pool threads, median of next ${warm.length}`, median(warm), `best ${Math.min(...warm).toFixed(2)} s`));

  const hasShell = spawnSync('bash', ['-c', 'command -v tr && command -v sort && command -v uniq'], { stdio: 'ignore' }).status === 0;
  if (hasShell) {
    const dir = mkdtempSync(join(tmpdir(), 'crunch-bench-'));
    try {
      const file = join(dir, 'text.txt');
      writeFileSync(file, body);
      start = performance.now();
      execSync(`tr -cs '[:alpha:]' '\\n' < ${file} | tr '[:upper:]' '[:lower:]' | sort | uniq -c > /dev/null`, { shell: '/bin/bash' });
      rows.push(row("shell: tr -cs '[:alpha:]' '\\n' | tr '[:upper:]' '[:lower:]' | sort | uniq -c", seconds(start), `LC_ALL=${process.env['LC_ALL'] ?? '(unset)'}`));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  } else {
    rows.push({ run: 'shell: tr | sort | uniq -c', seconds: '-', 'MB/s': '-', note: 'not installed (apt-get install coreutils)' });
  }

  for (const r of rows) if (typeof r['seconds'] === 'number') r['x naive'] = naiveSeconds / r['seconds'];
  for (const r of rows) r['x naive'] ??= '-';
  printTable(`Word count, ${mb.toFixed(1)} MB, node ${process.version}, ${runs} HTTP runs (goal: HTTP >= 5x naive)`, rows.map(({ run, seconds: s, 'MB/s': rate, 'x naive': x, note }) => ({ run: run!, seconds: s!, 'MB/s': rate!, 'x naive': x!, note: note! })));
  console.log(`\nlast HTTP response: Server-Timing ${timing}`);
  if (local.kind === 'wordcount') {
    const naiveTotal = [...naive.values()].reduce((a, b) => a + b, 0);
    console.log(`ours: ${local.totalWords} words, ${local.distinctWords} distinct; naive: ${naiveTotal} words (it splits at apostrophes and digits)`);
  }
}

await main();
