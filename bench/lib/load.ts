/**
 * HTTP load, reduced to the figures the tables print: with `wrk` when it is installed (one
 * thread, as the figures of issue 14 were measured: a C client leaves more of a 2-core
 * machine to the server than a Node one), else with autocannon. `loadGenerator` names the one
 * in use, so a table can say how it was measured. `BENCH_LOAD=autocannon` forces autocannon.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';

export interface LoadOptions {
  readonly url: string;
  readonly method?: 'GET' | 'POST';
  readonly body?: string | Buffer;
  readonly headers?: Record<string, string>;
  readonly connections?: number;
  readonly durationSeconds?: number;
}

export interface LoadFigures {
  readonly requestsPerSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly errors: number;
  readonly non2xx: number;
}

const wrkInstalled = process.env['BENCH_LOAD'] !== 'autocannon' && spawnSync('wrk', ['--version']).error === undefined;

export const loadGenerator = wrkInstalled ? 'wrk -t1' : 'autocannon';

export async function load(options: LoadOptions): Promise<LoadFigures> {
  return wrkInstalled ? loadWithWrk(options) : loadWithAutocannon(options);
}

async function loadWithAutocannon(options: LoadOptions): Promise<LoadFigures> {
  const result = await autocannon({
    url: options.url,
    method: options.method ?? 'GET',
    ...(options.body === undefined ? {} : { body: options.body }),
    headers: options.headers ?? {},
    connections: options.connections ?? 10,
    duration: options.durationSeconds ?? 5,
  });
  return {
    requestsPerSecond: result.requests.average,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    errors: result.errors,
    non2xx: result.non2xx,
  };
}

/** wrk's text report: "Requests/sec:", the latency distribution, non-2xx and socket errors. */
async function loadWithWrk(options: LoadOptions): Promise<LoadFigures> {
  const dir = mkdtempSync(join(tmpdir(), 'crunch-wrk-'));
  try {
    const script = join(dir, 'request.lua');
    const lines = [`wrk.method = ${JSON.stringify(options.method ?? 'GET')}`];
    for (const [name, value] of Object.entries(options.headers ?? {})) lines.push(`wrk.headers[${JSON.stringify(name)}] = ${JSON.stringify(value)}`);
    if (options.body !== undefined) {
      writeFileSync(join(dir, 'body'), options.body);
      lines.push(`local file = io.open(${JSON.stringify(join(dir, 'body'))}, "rb")`, 'wrk.body = file:read("*a")', 'file:close()');
    }
    writeFileSync(script, `${lines.join('\n')}\n`);
    const connections = options.connections ?? 10;
    const args = ['-t1', `-c${connections}`, `-d${options.durationSeconds ?? 5}s`, '--latency', '-s', script, options.url];
    const output = await new Promise<string>((resolve, reject) => {
      const child = spawn('wrk', args, { stdio: ['ignore', 'pipe', 'inherit'] });
      let text = '';
      child.stdout.on('data', (chunk: Buffer) => (text += chunk.toString()));
      child.once('error', reject);
      child.once('exit', (code) => (code === 0 ? resolve(text) : reject(new Error(`wrk exited with ${code}: ${text}`))));
    });
    const number = (pattern: RegExp): number => Number(pattern.exec(output)?.[1] ?? Number.NaN);
    const latencyMs = (percentile: string): number => {
      const match = new RegExp(`^\\s*${percentile}%\\s+([\\d.]+)(us|ms|s)\\s*$`, 'm').exec(output);
      if (match === null) return Number.NaN;
      const value = Number(match[1]);
      return match[2] === 'us' ? value / 1_000 : match[2] === 's' ? value * 1_000 : value;
    };
    const socketErrors = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(output);
    return {
      requestsPerSecond: Math.round(number(/Requests\/sec:\s+([\d.]+)/)),
      p50Ms: latencyMs('50'),
      p99Ms: latencyMs('99'),
      errors: socketErrors === null ? 0 : socketErrors.slice(1).reduce((sum, count) => sum + Number(count), 0),
      non2xx: Number(/Non-2xx or 3xx responses: (\d+)/.exec(output)?.[1] ?? 0),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
