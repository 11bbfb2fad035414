// Requests that arrive together start together. The server tokenizes prompts one at a time, so
// of several requests sent at once the first reaches the runner a few milliseconds before the
// rest, and an idle runner would decode its prompt alone, then the others' a step later (at four
// streams every stream's first token came about 120 ms later than llama-server's, which batches
// them). Each job says how many more the server is still tokenizing; while nothing is decoding
// the runner waits for those, at most `holdMs`, so their prompts share one batch.
export class ArrivalHold {
  #following = 0;
  #since = 0;

  constructor(
    readonly holdMs: number,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** A job arrived; `following` more are on their way. */
  arrived(following: number): void {
    this.#following = following;
  }

  /** Milliseconds to wait for the rest before the next step; 0: step now. Never holds while
   *  sequences decode (they would stall), and a hold that ran out is over. */
  left(decoding: boolean): number {
    if (this.#following > 0 && !decoding) this.#since ||= this.now();
    else this.#since = 0;
    const left = this.#since ? this.holdMs - (this.now() - this.#since) : 0;
    if (left > 0) return left;
    this.#following = this.#since = 0;
    return 0;
  }
}
