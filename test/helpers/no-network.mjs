// Preloaded (node --import) into tools that must work offline, such as the contract linters:
// every attempt to open a network connection or resolve a name is refused and written to the
// file named by CRUNCH_NETWORK_LOG, so a test can assert that nothing tried.
import { appendFileSync } from 'node:fs';
import dns from 'node:dns';
import net from 'node:net';

const log = process.env.CRUNCH_NETWORK_LOG;

function refuse(what) {
  if (log !== undefined) appendFileSync(log, `${process.pid} ${what}\n`);
  return new Error(`network access refused (test/helpers/no-network.mjs): ${what}`);
}

// Every TCP and TLS client (http, https, undici's fetch) connects through this method.
net.Socket.prototype.connect = function connect(...args) {
  throw refuse(`connect ${JSON.stringify(args[0])}`);
};
globalThis.fetch = async function fetch(input) {
  throw refuse(`fetch ${String(input instanceof Request ? input.url : input)}`);
};
for (const name of ['lookup', 'resolve', 'resolve4', 'resolve6']) {
  dns[name] = (host) => {
    throw refuse(`dns.${name} ${host}`);
  };
}
