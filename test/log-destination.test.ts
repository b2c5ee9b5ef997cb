/**
 * The log's destination (src/log-destination.ts): every line arrives, whole and in order,
 * batched or not; a lone line goes out on its own within the batch delay; and what is still
 * gathered when the process exits (process.exit, an uncaught exception) is written.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { pino } from 'pino';
import { LogDestination } from '../src/log-destination.js';

const dir = mkdtempSync(join(tmpdir(), 'crunch-log-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function fileLog(name: string): { logger: pino.Logger; destination: LogDestination; read(): string[]; close(): void } {
  const path = join(dir, name);
  const fd = openSync(path, 'w');
  const destination = new LogDestination({ fd, maxBufferedBytes: 1 << 30 }) // the test writes about 100 MB without yielding: nothing may be dropped;
  const logger = pino({ level: 'info', base: null, timestamp: false }, destination);
  return {
    logger,
    destination,
    read: () => readFileSync(path, 'utf8').split('\n').filter((line) => line !== ''),
    close: () => closeSync(fd),
  };
}

const flushed = (destination: LogDestination): Promise<void> =>
  new Promise((resolve, reject) => destination.flush((error) => (error === undefined || error === null ? resolve() : reject(error))));

describe('the log destination', () => {
  test('20 000 lines of mixed sizes and scripts arrive whole and in order, batches or not', async () => {
    const log = fileLog('many.log');
    // Short lines, long ones, and lines longer than a whole batch (10 000 two-byte characters).
    const words = ['a', 'ü', '素数', 'x'.repeat(3_000), '😀', 'é'.repeat(10_000)];
    for (let index = 0; index < 20_000; index += 1) {
      log.logger.info({ index, word: words[index % words.length] }, 'line');
      // Now and then a turn of the loop passes, so batches end both by size and by time.
      if (index % 4_999 === 0) await new Promise((resolve) => setImmediate(resolve));
    }
    await flushed(log.destination);
    const lines = log.read().map((line) => JSON.parse(line) as { index: number; word: string; msg: string });
    assert.equal(lines.length, 20_000);
    lines.forEach((line, index) => {
      assert.equal(line.index, index);
      assert.equal(line.word, words[index % words.length]);
      assert.equal(line.msg, 'line');
    });
    log.close();
  });

  test('past maxBufferedBytes waiting for the fd, whole writes are dropped: what arrives is whole lines, in order', async () => {
    const path = join(dir, 'bounded.log');
    const fd = openSync(path, 'w');
    const destination = new LogDestination({ fd, maxBufferedBytes: 65_536 });
    const logger = pino({ level: 'info', base: null, timestamp: false }, destination);
    // 20 MB without yielding: the file cannot take it all before the loop turns.
    for (let index = 0; index < 20_000; index += 1) logger.info({ index, pad: 'p'.repeat(1_000) }, 'line');
    await flushed(destination);
    const indexes = readFileSync(path, 'utf8')
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => (JSON.parse(line) as { index: number }).index);
    assert.ok(indexes.length > 0 && indexes.length < 20_000, `${indexes.length} lines`);
    assert.deepEqual(indexes, [...indexes].sort((a, b) => a - b));
    closeSync(fd);
  });

  test('a lone line is written within the batch delay, without a flush', async () => {
    const log = fileLog('lone.log');
    log.logger.info('alone');
    assert.deepEqual(log.read(), []);
    const deadline = Date.now() + 2_000;
    while (log.read().length === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    assert.deepEqual(log.read().map((line) => (JSON.parse(line) as { msg: string }).msg), ['alone']);
    log.close();
  });

  for (const ending of ['process.exit(0)', 'throw new Error("boom")']) {
    test(`what is gathered is written when the process ends with ${ending}`, () => {
      const script = [
        "import { pino } from 'pino';",
        "import { LogDestination } from './src/log-destination.ts';",
        'const logger = pino({ base: null }, new LogDestination({ fd: 1, maxBufferedBytes: 1 << 20 }));',
        // Fewer than a batch (about 12 kB): none is handed over before the end, so all 200 wait for the exit hook.
        "for (let index = 0; index < 200; index += 1) logger.info({ index }, 'line');",
        ending,
      ].join('\n');
      const child = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8', timeout: 30_000 });
      const lines = child.stdout.split('\n').filter((line) => line !== '');
      assert.deepEqual(
        lines.map((line) => (JSON.parse(line) as { index: number }).index),
        Array.from({ length: 200 }, (_, index) => index),
        child.stderr,
      );
    });
  }
});
