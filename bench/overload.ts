/**
 * Overload and abuse soak (issue 9): every finding, full size, each against a fresh built
 * server (`dist/server.js`, default settings) in its own process, and one table:
 * goodput at 4 and 256 connections with the time to refuse, and for each attack the
 * server's RSS before / peak / after, the worst /healthz latency seen by a separate
 * prober, the worst event-loop delay (`nodejs_eventloop_lag_max_seconds` over the attack),
 * the 5xx its clients saw and the server counted, and whether the process survived.
 *
 *   npm run bench -- overload                       # everything, ~10-15 min
 *   OVERLOAD_SCALE=0.1 npm run bench -- overload    # counts, sizes and durations × 0.1
 *   node --import tsx bench/overload.ts slow-readers idle-sockets   # some (after npm run build)
 *
 * Other knobs: OVERLOAD_SETTLE_SECONDS (wait before "after", default 5), OVERLOAD_SERVER_ENV
 * (a JSON object of extra server environment, e.g. '{"MAX_CONNECTIONS":"500"}'),
 * OVERLOAD_SERVER_ENTRY (another build to attack, e.g. an older checkout's dist/server.js).
 */
import { fork } from 'node:child_process';
import { once } from 'node:events';
import { loadavg } from 'node:os';
import { createInterface } from 'node:readline';
import { type Attack, type AttackResult, attacks } from './lib/overload-attacks.js';
import { type MonitorCommand, type MonitorReport, monitorFlag, residentBytes } from './lib/overload-monitor.js';
import { exchange, requestBytes } from './lib/raw-http.js';
import { startServer } from './lib/server.js';
import { printTable } from './lib/table.js';

const scale = Number(process.env['OVERLOAD_SCALE'] ?? 1);
const settleMs = Number(process.env['OVERLOAD_SETTLE_SECONDS'] ?? 5) * 1000;
const serverEnv = JSON.parse(process.env['OVERLOAD_SERVER_ENV'] ?? '{}') as Record<string, string>;
const serverEntry = process.env['OVERLOAD_SERVER_ENTRY'] ?? 'dist/server.js';
if (!(scale > 0) || !(settleMs >= 0)) throw new Error('OVERLOAD_SCALE must be > 0 and OVERLOAD_SETTLE_SECONDS >= 0');

const selected = process.argv.slice(2);
const unknown = selected.filter((name) => !attacks.some((attack) => attack.name.includes(name)));
if (unknown.length > 0) {
  console.error(`unknown attack ${unknown.join(', ')}; the attacks: ${attacks.map((attack) => attack.name).join(', ')}`);
  process.exit(2);
}
const toRun = attacks.filter((attack) => selected.length === 0 || selected.some((name) => attack.name.includes(name)));

const log = (message: string): void => console.error(`[overload] ${message}`);
const megabytes = (bytes: number | undefined): string => (bytes === undefined || !Number.isFinite(bytes) ? '–' : String(Math.round(bytes / 1e6)));

const monitor = fork(new URL('./lib/overload-monitor.ts', import.meta.url), [monitorFlag], {
  execArgv: ['--import', 'tsx'],
  stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
});
const command = (message: MonitorCommand): void => void monitor.send(message);
const nextReport = (): Promise<MonitorReport> => once(monitor, 'message').then(([report]) => report as MonitorReport);

/** 5xx counted by the server (its request histogram) and the worst loop delay since the last scrape. */
async function scrape(host: string, port: number): Promise<{ serverErrors: number; loopMaxMs: number } | undefined> {
  const result = await exchange(host, port, requestBytes('GET', '/metrics', { headers: { connection: 'close' } }), 30_000);
  if (result.response?.status !== 200) return undefined;
  const text = result.response.body.toString('utf8');
  let serverErrors = 0;
  for (const match of text.matchAll(/^crunch_http_request_duration_seconds_count\{[^}]*status="5\d\d"[^}]*\} (\S+)$/gm)) serverErrors += Number(match[1]);
  const lagMax = Number(/^nodejs_eventloop_lag_max_seconds (\S+)$/m.exec(text)?.[1] ?? Number.NaN);
  return { serverErrors, loopMaxMs: lagMax * 1000 };
}

async function runAttack(attack: Attack): Promise<Record<string, string>> {
  const server = await startServer(serverEnv, [serverEntry], { captureOutput: true });
  const { hostname: host, port: portText } = new URL(server.url);
  const port = Number(portText);
  const pid = server.process.pid!;
  let errorLines = 0;
  let firstError: string | undefined;
  // pino writes one JSON object a line; level 50 is error, 60 fatal.
  createInterface({ input: server.process.stdout! }).on('line', (line) => {
    if (!/"level":(5|6)0\b/.test(line)) return;
    errorLines += 1;
    if (firstError === undefined) {
      try {
        const record = JSON.parse(line) as { msg?: string; err?: { message?: string } };
        firstError = (record.err?.message ?? record.msg ?? '').slice(0, 100);
      } catch {
        firstError = line.slice(0, 100);
      }
    }
  });
  await new Promise((resolve) => setTimeout(resolve, 500));
  const before = await scrape(host, port);
  const rssBefore = residentBytes(pid);
  command({ type: 'start', host, port, pid });
  const startedAt = performance.now();
  let result: AttackResult;
  try {
    result = await attack.run({ host, port, server, scale, log: (message) => log(`${attack.name}: ${message}`) });
  } catch (error) {
    result = { load: '', outcome: `bench error: ${error instanceof Error ? error.message : String(error)}`, serverErrorsSeen: 0 };
  }
  const attackSeconds = (performance.now() - startedAt) / 1000;
  const reportPromise = nextReport();
  command({ type: 'stop' });
  const report = await reportPromise;
  const exited = (): boolean => server.process.exitCode !== null || server.process.signalCode !== null;
  if (!exited()) await new Promise((resolve) => setTimeout(resolve, settleMs));
  const rssAfter = exited() ? undefined : residentBytes(pid);
  const health = exited() ? undefined : await exchange(host, port, requestBytes('GET', '/healthz', { headers: { connection: 'close' } }), 10_000);
  const survived = !exited() && health?.response?.status === 200;
  const after = exited() ? undefined : await scrape(host, port);
  const died = exited()
    ? `died (${server.process.signalCode ?? `exit ${server.process.exitCode}`}${
        /FATAL ERROR: ([^\n]+)/.exec(server.output())?.[1] !== undefined ? `: ${/FATAL ERROR: ([^\n]+)/.exec(server.output())![1]}` : ''
      }${report.processGoneAtMs === undefined ? '' : ` at ${(report.processGoneAtMs / 1000).toFixed(1)} s`})`
    : undefined;
  if (!exited()) {
    const gone = once(server.process, 'exit');
    server.process.kill('SIGKILL');
    await gone;
  }

  const row = {
    scenario: attack.name,
    load: result.load,
    outcome: result.outcome + (errorLines > 0 ? `; ${errorLines} errors logged, the first: "${firstError}"` : ''),
    'RSS MB before/peak/after': `${megabytes(rssBefore)} / ${megabytes(Math.max(report.rssPeakBytes, rssAfter ?? 0))} / ${megabytes(rssAfter)}`,
    '/healthz worst (p99) ms': `${Math.round(report.worstMs).toLocaleString('en-US')} (${Math.round(report.p99Ms).toLocaleString('en-US')})`,
    'probes failed': `${report.failures}/${report.probes}${report.firstFailure === undefined ? '' : ` (${report.firstFailure})`}`,
    'loop max ms': after === undefined ? '–' : Math.round(after.loopMaxMs).toLocaleString('en-US'),
    '5xx seen/server': `${result.serverErrorsSeen} / ${after === undefined || before === undefined ? '–' : after.serverErrors - before.serverErrors}`,
    survived: survived ? 'yes' : (died ?? 'no answer'),
    seconds: attackSeconds.toFixed(0),
  };
  log(`${attack.name} done in ${attackSeconds.toFixed(0)} s: ${JSON.stringify(row)}`);
  return row;
}

const startedAt = performance.now();
const rows: Array<Record<string, string>> = [];
try {
  for (const attack of toRun) {
    log(`${attack.name} (scale ${scale})`);
    rows.push(await runAttack(attack));
  }
} finally {
  monitor.disconnect();
}
// The machine may be shared: the load average says how much the figures had to compete with.
printTable(
  `Overload soak, scale ${scale}, ${((performance.now() - startedAt) / 60_000).toFixed(1)} min, load average ${loadavg()
    .map((value) => value.toFixed(1))
    .join(' ')} (bench/overload.ts, ${serverEntry})`,
  rows,
);
