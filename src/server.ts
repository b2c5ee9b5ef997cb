#!/usr/bin/env node
/**
 * The crunch process: read the config, start the pool, listen, and on SIGTERM/SIGINT shut
 * down gracefully: stop accepting, let in-flight requests finish within the shutdown
 * deadline, close the pool, exit 0.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { createApp } from './app.js';
import { ConfigError, loadConfig } from './config.js';
import { closeServices, createServices } from './services.js';

function main(): void {
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
  const app = createApp(services);
  const server = serve({ fetch: app.fetch, port: config.port, hostname: config.host }, (info: AddressInfo) => {
    logger.info({ port: info.port, host: info.address, threads: config.pool.threads }, 'listening');
  }) as Server;
  server.requestTimeout = config.requestTimeoutMs + 5_000;

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
    server.close(() => {
      void closeServices(services).then(
        () => {
          logger.info('stopped');
          process.exit(0);
        },
        (error: unknown) => {
          logger.error({ err: error }, 'error while closing the pool');
          process.exit(1);
        },
      );
    });
    server.closeIdleConnections();
  };
  process.on('SIGTERM', shutdown);
  process.on('SIGINT', shutdown);
}

main();
