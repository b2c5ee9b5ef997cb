/**
 * The overload bench's observer, run as its own process (`fork`) so that its clock is not
 * held up by the attack clients' own event loop: probes `/healthz` on a new connection about
 * every 100 ms and samples the server's resident memory (/proc/<pid>/status VmRSS) every
 * 100 ms, between a `start` and a `stop` message.
 */
import { readFileSync } from 'node:fs';
import { connect } from 'node:net';

export type MonitorCommand = { readonly type: 'start'; readonly host: string; readonly port: number; readonly pid: number } | { readonly type: 'stop' };

export interface MonitorReport {
  readonly probes: number;
  /** Probes refused, reset, answered with something other than 200, or timed out. */
  readonly failures: number;
  readonly firstFailure: string | undefined;
  /** Worst probe latency (a probe still waiting at `stop`, or timed out, counts its wait). */
  readonly worstMs: number;
  readonly p99Ms: number;
  readonly rssPeakBytes: number;
  /** Milliseconds after `start` when /proc/<pid> disappeared, if it did. */
  readonly processGoneAtMs: number | undefined;
}

const probeEveryMs = 100;
const probeTimeoutMs = 30_000;

export function residentBytes(pid: number): number | undefined {
  try {
    const match = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'latin1'));
    return match === null ? undefined : Number(match[1]) * 1024;
  } catch {
    return undefined;
  }
}

function probe(host: string, port: number): Promise<{ ms: number; failure?: string }> {
  return new Promise((resolve) => {
    const startedAt = performance.now();
    const socket = connect({ host, port, noDelay: true });
    let settled = false;
    const settle = (failure?: string): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve({ ms: performance.now() - startedAt, ...(failure === undefined ? {} : { failure }) });
    };
    const timer = setTimeout(() => settle('timeout'), probeTimeoutMs);
    socket.on('connect', () => socket.write(`GET /healthz HTTP/1.1\r\nhost: ${host}\r\nconnection: close\r\n\r\n`));
    let head = '';
    socket.on('data', (chunk: Buffer) => {
      head += chunk.toString('latin1');
      if (head.length < 12) return;
      settle(head.startsWith('HTTP/1.1 200') ? undefined : `status ${head.slice(9, 12)}`);
    });
    socket.on('error', (error: NodeJS.ErrnoException) => settle(error.code ?? error.message));
    socket.on('close', () => settle('closed without a response'));
  });
}

/** The flag `fork` passes, so importing this module (for `residentBytes`) starts nothing. */
export const monitorFlag = '--overload-monitor';

if (process.argv.includes(monitorFlag) && process.send !== undefined) {
  let stop: (() => MonitorReport) | undefined;
  process.on('message', (command: MonitorCommand) => {
    if (command.type === 'start') {
      stop?.();
      stop = watch(command.host, command.port, command.pid);
    } else {
      const report = stop?.();
      stop = undefined;
      process.send!(report);
    }
  });
  process.on('disconnect', () => process.exit(0));
}

function watch(host: string, port: number, pid: number): () => MonitorReport {
  const startedAt = performance.now();
  const latencies: number[] = [];
  let failures = 0;
  let firstFailure: string | undefined;
  let rssPeakBytes = residentBytes(pid) ?? 0;
  let processGoneAtMs: number | undefined;
  let probeStartedAt: number | undefined;
  let running = true;

  const sampler = setInterval(() => {
    const bytes = residentBytes(pid);
    if (bytes === undefined) processGoneAtMs ??= performance.now() - startedAt;
    else rssPeakBytes = Math.max(rssPeakBytes, bytes);
  }, 100);

  void (async () => {
    while (running) {
      probeStartedAt = performance.now();
      const result = await probe(host, port);
      probeStartedAt = undefined;
      if (!running) break;
      latencies.push(result.ms);
      if (result.failure !== undefined) {
        failures += 1;
        firstFailure ??= result.failure;
      }
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, probeEveryMs - result.ms)));
    }
  })();

  return () => {
    running = false;
    clearInterval(sampler);
    if (probeStartedAt !== undefined) latencies.push(performance.now() - probeStartedAt);
    const sorted = [...latencies].sort((a, b) => a - b);
    return {
      probes: latencies.length,
      failures,
      firstFailure,
      worstMs: sorted.at(-1) ?? Number.NaN,
      p99Ms: sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * 0.99))] ?? Number.NaN,
      rssPeakBytes,
      processGoneAtMs,
    };
  };
}
