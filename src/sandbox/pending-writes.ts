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

  /**
   * Waits for the writes in flight now (those the request started are among them); rethrows the first one that failed
   * since the last settle. Writes other requests start meanwhile are theirs to wait for: looping until none is in
   * flight would hold a reply for as long as other traffic keeps writing.
   */
  async settle(): Promise<void> {
    if (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
    if (this.failure !== undefined) {
      const failure = this.failure;
      this.failure = undefined;
      throw failure;
    }
  }
}
