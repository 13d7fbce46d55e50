// A time limit joined to a caller's signal (a request's, a worker's stop): one timer and one listener, both let go by
// clear() as soon as the work ends. AbortSignal.any([AbortSignal.timeout(ms), caller]) keeps its timer, and a link
// to a long-lived caller signal, alive for the whole timeout after the work is done: thousands of them on a busy node.

export class Deadline {
  readonly signal: AbortSignal;
  #controller = new AbortController();
  #timer: NodeJS.Timeout;
  #expired = false;
  #caller: AbortSignal | undefined;
  #onCallerAbort = () => this.#controller.abort(this.#caller?.reason);

  /** `timeoutReason` is what the signal is aborted with when the time runs out (a caller's abort passes its own). */
  constructor(ms: number, caller: AbortSignal | undefined, timeoutReason: () => unknown) {
    this.signal = this.#controller.signal;
    this.#caller = caller;
    this.#timer = setTimeout(() => {
      this.#expired = true;
      this.#controller.abort(timeoutReason());
    }, ms);
    if (caller?.aborted) this.#onCallerAbort();
    else caller?.addEventListener('abort', this.#onCallerAbort, { once: true });
  }

  /** Whether the time ran out (rather than the caller aborting). */
  get hasExpired(): boolean {
    return this.#expired;
  }

  clear(): void {
    clearTimeout(this.#timer);
    this.#caller?.removeEventListener('abort', this.#onCallerAbort);
  }
}
