/**
 * Spreads large writes over turns of the event loop. Writing to a socket copies into the
 * kernel's buffer at once when it has room (on loopback it grows to megabytes), so 2000 event
 * streams each sent the same 0.9 MB final event in one turn held the loop 1.7 s: one encoding
 * is shared, but each copy is not. Writers reserve their bytes first; past `bytesPerTurn` in
 * one turn, the rest wait for the next (setImmediate: I/O and timers run in between).
 *
 * Waiters queue in order and each turn wakes only those it has room for: when every waiter
 * woke each turn to check again, 2000 of them cost 2000 wake-ups per turn for 2000 turns.
 * A write is also charged a fixed cost (`bytesPerWrite`): a small event to 2000 streams was
 * 2000 writes in one turn, and the fan-out's loop max was that turn (282–445 ms; 99–130 ms
 * with the charge, bench/overload.ts sse-fanout).
 */
export interface WritePacerOptions {
  /** What one turn may copy into sockets. */
  readonly bytesPerTurn: number;
  /**
   * What a write costs besides its bytes, as bytes of copying: its trip through the web
   * streams and its own writev. Without it, a small event sent to 2000 streams went out
   * in one turn, each write a few tens of microseconds.
   */
  readonly bytesPerWrite?: number;
}

export class WritePacer {
  readonly #bytesPerTurn: number;
  readonly #bytesPerWrite: number;
  #usedThisTurn = 0;
  #turnEnding = false;
  readonly #waiting: Array<{ readonly bytes: number; readonly admit: () => void }> = [];
  /** Index of the first waiter still waiting: the queue is consumed from the front without shifting. */
  #head = 0;

  constructor(options: WritePacerOptions) {
    this.#bytesPerTurn = options.bytesPerTurn;
    this.#bytesPerWrite = options.bytesPerWrite ?? 0;
  }

  /** Resolves when a write of `size` bytes may go in this turn; one write larger than a turn goes alone. */
  reserve(size: number): Promise<void> {
    const bytes = size + this.#bytesPerWrite;
    if (this.#head === this.#waiting.length && this.#fits(bytes)) {
      this.#use(bytes);
      return Promise.resolve();
    }
    return new Promise((admit) => this.#waiting.push({ bytes, admit }));
  }

  #fits(bytes: number): boolean {
    return this.#usedThisTurn === 0 || this.#usedThisTurn + bytes <= this.#bytesPerTurn;
  }

  #use(bytes: number): void {
    this.#usedThisTurn += bytes;
    // The first reservation of a turn starts its clock, so what it used is forgotten at its end.
    if (!this.#turnEnding) {
      this.#turnEnding = true;
      setImmediate(this.#endTurn);
    }
  }

  readonly #endTurn = (): void => {
    this.#turnEnding = false;
    this.#usedThisTurn = 0;
    while (this.#head < this.#waiting.length) {
      const next = this.#waiting[this.#head]!;
      if (!this.#fits(next.bytes)) break;
      this.#head += 1;
      this.#use(next.bytes);
      next.admit();
    }
    if (this.#head === this.#waiting.length) {
      this.#waiting.length = 0;
      this.#head = 0;
    } else if (this.#head > 1024 && this.#head * 2 > this.#waiting.length) {
      this.#waiting.splice(0, this.#head);
      this.#head = 0;
    }
  };
}
