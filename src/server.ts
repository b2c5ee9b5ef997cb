#!/usr/bin/env node
/**
 * The crunch process: read the config, start the pool, listen, and on SIGTERM/SIGINT shut
 * down gracefully: stop accepting, let in-flight requests finish within the shutdown
 * deadline, close the pool, exit 0.
 */
import type { AddressInfo } from 'node:net';
import { createAppServer } from './app.js';
import { ConfigError, loadConfig } from './config.js';
import { closeServices, createServices } from './services.js';

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(`crunch: ${error.message}`);
      process.exit(2);
    }
    throw error;
  }
  const services = createServices(config);
  const { logger } = services;
  try {
    await services.ready;
  } catch (error) {
    console.error(`crunch: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(2);
  }
  const { server } = createAppServer(services);
  server.listen(config.port, config.host, () => {
    const info = server.address() as AddressInfo;
    if (config.tenants.keys.length === 0 && !isLoopback(info.address)) {
      logger.warn(
        { host: info.address },
        'no API keys are configured and the server is reachable beyond this machine: anyone who can reach it can run, see and cancel every job. Set API_KEYS or API_KEYS_FILE.',
      );
    }
    logger.info({ port: info.port, host: info.address, threads: config.pool.threads, connections: config.connections }, 'listening');
  });

  // The log is written asynchronously: what is still buffered goes out before the exit.
  const exitFlushed = (code: number): void => {
    setTimeout(() => process.exit(code), 1_000).unref();
    logger.flush(() => process.exit(code));
  };

  let stopping = false;
  const shutdown = (signal: NodeJS.Signals): void => {
    if (stopping) return;
    stopping = true;
    services.lifecycle.shuttingDown = true;
    logger.info({ signal }, 'shutting down: finishing in-flight requests');
    const forceTimer = setTimeout(() => {
      logger.warn({ timeoutMs: config.shutdownTimeoutMs }, 'shutdown deadline passed: closing remaining connections');
      server.closeAllConnections();
    }, config.shutdownTimeoutMs);
    forceTimer.unref();
    // Jobs get most of the deadline to finish, so that their event streams end and let the
    // server close; what is still running then is cancelled.
    void services.jobs.drain(Math.max(0, config.shutdownTimeoutMs - 1_000));
    // Keep-alive connections turn idle as their last response ends (event streams
    // included); closing them as they do lets the server close without waiting them out.
    const idleSweeper = setInterval(() => server.closeIdleConnections(), 100);
    idleSweeper.unref();
    server.close(() => {
      clearInterval(idleSweeper);
      void closeServices(services).then(
        () => {
          logger.info('stopped');
          exitFlushed(0);
        },
        (error: unknown) => {
          logger.error({ err: error }, 'error while closing the pool');
          exitFlushed(1);
        },
      );
    });
    server.closeIdleConnections();
  };
  process.on('SIGTERM', shutdown);
  process.on('SIGINT', shutdown);
}

function isLoopback(address: string): boolean {
  return address === '::1' || address.startsWith('127.') || address === 'localhost' || address === '::ffff:127.0.0.1';
}

void main();
