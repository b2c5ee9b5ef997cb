/**
 * Spreads large writes over turns of the event loop. Writing to a socket copies into the
 * kernel's buffer at once when it has room (on loopback it grows to megabytes), so 2000 event
 * streams each sent the same 0.9 MB final event in one turn held the loop 1.7 s: one encoding
 * is shared, but each copy is not. Writers reserve their bytes first; past `bytesPerTurn` in
 * one turn, the rest wait for the next (setImmediate: I/O and timers run in between).
 */
export class WritePacer {
  readonly #bytesPerTurn: number;
  #usedThisTurn = 0;
  #turnEnd: Promise<void> | undefined;

  constructor(bytesPerTurn: number) {
    this.#bytesPerTurn = bytesPerTurn;
  }

  /** Resolves when `bytes` may be written in this turn; one write larger than a turn goes alone. */
  async reserve(bytes: number): Promise<void> {
    while (this.#usedThisTurn > 0 && this.#usedThisTurn + bytes > this.#bytesPerTurn) await this.#endOfTurn();
    // The first reservation of a turn starts its clock, so what it used is forgotten at its end.
    if (this.#usedThisTurn === 0) void this.#endOfTurn();
    this.#usedThisTurn += bytes;
  }

  #endOfTurn(): Promise<void> {
    this.#turnEnd ??= new Promise<void>((resolve) =>
      setImmediate(() => {
        this.#usedThisTurn = 0;
        this.#turnEnd = undefined;
        resolve();
      }),
    );
    return this.#turnEnd;
  }
}
