// Store writes a request started: synchronous code (a route, the verifier) starts them and the reply waits for all
// of them (onSend), so a client that sees the answer knows the change is stored and announced.
export class PendingWrites {
  private readonly inFlight = new Set<Promise<unknown>>();
  private failure: unknown;

  track<T>(write: Promise<T>): Promise<T> {
    this.inFlight.add(write);
    write.then(
      () => this.inFlight.delete(write),
      (error: unknown) => {
        this.inFlight.delete(write);
        this.failure ??= error;
      },
    );
    return write;
  }

  get size(): number {
    return this.inFlight.size;
  }

  /** Waits for every write in flight; rethrows the first one that failed since the last settle. */
  async settle(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
    if (this.failure !== undefined) {
      const failure = this.failure;
      this.failure = undefined;
      throw failure;
    }
  }
}
