/**
 * Pub/sub between the processes of a deployment: job changes (for event streams and
 * `Prefer: wait` on whichever API replica the client reached) and cancellations (for
 * whichever worker runs the job or its shards: BullMQ's `Worker.cancelJob` reaches only
 * jobs of its own worker, so every worker hears every cancellation and cancels what it holds).
 */
import type { Redis } from 'ioredis';

export class RedisChannels {
  readonly #subscriber: Redis;
  readonly #handlers = new Map<string, Set<(message: string) => void>>();

  constructor(connection: Redis) {
    // A connection in subscriber mode serves nothing else.
    this.#subscriber = connection.duplicate({ enableOfflineQueue: true, maxRetriesPerRequest: null });
    this.#subscriber.on('message', (channel: string, message: string) => {
      for (const handler of this.#handlers.get(channel) ?? []) handler(message);
    });
    // A subscriber that lost its connection re-subscribes on reconnect (ioredis does it by itself).
    this.#subscriber.on('error', () => undefined);
  }

  async on(channel: string, handler: (message: string) => void): Promise<void> {
    let handlers = this.#handlers.get(channel);
    if (handlers === undefined) {
      handlers = new Set();
      this.#handlers.set(channel, handlers);
      await this.#subscriber.subscribe(channel);
    }
    handlers.add(handler);
  }

  async close(): Promise<void> {
    this.#subscriber.disconnect();
  }
}
