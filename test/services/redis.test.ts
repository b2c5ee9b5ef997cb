/**
 * The Redis that `npm test` starts for the suite answers, and keeps nothing on disk: spoken
 * to in raw RESP over node:net, so the harness is checked without any client library.
 */
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { describe, test } from 'node:test';
import { testRedis } from '../helpers/services.js';

type Reply = string | null | Reply[];

/** Parses one RESP reply at `offset`; undefined while it is incomplete. */
function parseReply(buffer: Buffer, offset = 0): { reply: Reply; end: number } | undefined {
  const lineEnd = buffer.indexOf('\r\n', offset);
  if (lineEnd < 0) return undefined;
  const kind = String.fromCharCode(buffer[offset] ?? 0);
  const line = buffer.toString('utf8', offset + 1, lineEnd);
  if (kind === '+' || kind === ':') return { reply: line, end: lineEnd + 2 };
  if (kind === '-') throw new Error(`redis error: ${line}`);
  const length = Number(line);
  if (kind === '$') {
    if (length < 0) return { reply: null, end: lineEnd + 2 };
    const end = lineEnd + 2 + length + 2;
    return buffer.length < end ? undefined : { reply: buffer.toString('utf8', lineEnd + 2, end - 2), end };
  }
  if (kind === '*') {
    const items: Reply[] = [];
    let end = lineEnd + 2;
    for (let index = 0; index < length; index += 1) {
      const item = parseReply(buffer, end);
      if (item === undefined) return undefined;
      items.push(item.reply);
      end = item.end;
    }
    return { reply: items, end };
  }
  throw new Error(`unexpected RESP reply ${JSON.stringify(buffer.toString('utf8', offset, lineEnd))}`);
}

function command(...words: string[]): string {
  return `*${words.length}\r\n${words.map((word) => `$${Buffer.byteLength(word)}\r\n${word}\r\n`).join('')}`;
}

/** Sends one command on a fresh connection and returns its reply. */
async function call(url: string, ...words: string[]): Promise<Reply> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname);
    let buffer = Buffer.alloc(0);
    socket.setTimeout(5_000, () => socket.destroy(new Error(`no reply to ${words.join(' ')} within 5 s`)));
    socket.on('connect', () => socket.write(command(...words)));
    socket.on('data', (chunk: Buffer) => {
      buffer = Buffer.concat([buffer, chunk]);
      try {
        const parsed = parseReply(buffer);
        if (parsed !== undefined) {
          socket.end();
          resolve(parsed.reply);
        }
      } catch (error) {
        socket.destroy();
        reject(error);
      }
    });
    socket.on('error', reject);
  });
}

describe('test Redis started by npm test', () => {
  const { skip } = testRedis;
  test('answers PING on a loopback address', { skip }, async () => {
    const url = testRedis.address();
    assert.equal(new URL(url).hostname, '127.0.0.1');
    assert.equal(await call(url, 'PING'), 'PONG');
    assert.equal(await call(url, 'ECHO', 'crunch ✓'), 'crunch ✓');
  });

  test('persists nothing: no snapshots, no append-only file', { skip }, async () => {
    const url = testRedis.address();
    assert.deepEqual(await call(url, 'CONFIG', 'GET', 'save'), ['save', '']);
    assert.deepEqual(await call(url, 'CONFIG', 'GET', 'appendonly'), ['appendonly', 'no']);
  });
});
