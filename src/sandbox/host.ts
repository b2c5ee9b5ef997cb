/**
 * Entry of a sandbox host process: the only place isolated-vm is loaded. A pool thread
 * spawns it (see host-client.ts) with `--no-node-snapshot` (isolated-vm needs it on Node
 * 20+, and a worker thread cannot take it) and with RLIMIT_DATA
 * and RLIMIT_STACK set, then talks to it over IPC, one request at a time.
 *
 * It dies with its thread: when the IPC channel closes (the thread finished, was
 * terminated by a Piscina abort, or the whole server died) it kills itself at once with
 * SIGKILL, because a run may be spinning in an isolate thread that a normal exit would wait for.
 */
import { RunCancelledError, SandboxError, sandboxErrorToData } from './errors.js';
import { IsolateRunner } from './isolate-runner.js';
import type { HostReady, HostRequest, HostResponse } from './protocol.js';

const runner = new IsolateRunner();

function die(): never {
  process.kill(process.pid, 'SIGKILL');
  // SIGKILL to oneself does not return; the exit only satisfies the type.
  process.exit(137);
}

if (process.send === undefined) {
  console.error('the sandbox host must be started by a pool thread (it needs an IPC channel)');
  process.exit(2);
}
process.on('disconnect', die);

function reply(response: HostResponse): void {
  if (process.connected) process.send!(response);
}

async function handle(message: HostRequest): Promise<void> {
  if (message.op === 'cancel') {
    runner.cancel();
    return;
  }
  const { id } = message;
  try {
    let value: unknown;
    if (message.op === 'compile') value = await runner.compile(message.request);
    else if (message.op === 'map') value = await runner.map(message.request);
    else value = await runner.reduce(message.request);
    reply({ id, ok: true, value });
  } catch (error) {
    if (error instanceof RunCancelledError) reply({ id, ok: false, cancelled: true });
    else if (error instanceof SandboxError) reply({ id, ok: false, error: sandboxErrorToData(error) });
    else reply({ id, ok: false, internal: error instanceof Error ? `${error.name}: ${error.message}` : String(error) });
  }
}

process.on('message', (message: HostRequest) => {
  void handle(message);
});

const ready: HostReady = { ready: true, pid: process.pid };
process.send(ready);
