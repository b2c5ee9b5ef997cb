#!/usr/bin/env node
/**
 * A worker process of the distributed mode (`npm run worker`, `node dist/worker.js`): reads
 * the config (REDIS_URL required), checks Redis, takes jobs and shards from BullMQ and runs
 * them on its own pool. On SIGTERM/SIGINT it stops taking work, finishes what it holds
 * within SHUTDOWN_TIMEOUT_MS (what is left is taken over by another worker), and exits 0.
 */
import { ConfigError, loadConfig } from './config.js';
import { DistributedWorker } from './distributed/worker.js';
import { processLogger } from './log-destination.js';

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(`crunch worker: ${error.message}`);
      process.exit(2);
    }
    throw error;
  }
  if (config.distributed === undefined) {
    console.error('crunch worker: REDIS_URL is not set. A worker takes its jobs from Redis, e.g. REDIS_URL=redis://127.0.0.1:6379 npm run worker');
    process.exit(2);
  }
  const logger = processLogger(config, 'crunch-worker');
  const worker = new DistributedWorker(config, logger);
  try {
    await worker.start();
  } catch (error) {
    console.error(`crunch worker: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(2);
  }
  let stopping = false;
  const shutdown = (signal: NodeJS.Signals): void => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'worker stopping: finishing the jobs it holds');
    void worker.close(config.shutdownTimeoutMs).then(
      () => {
        logger.info('worker stopped');
        process.exit(0);
      },
      (error: unknown) => {
        logger.error({ err: error }, 'error while stopping');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', shutdown);
  process.on('SIGINT', shutdown);
}

void main();
