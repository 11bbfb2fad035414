// A push-based async iterable: producers push, one consumer awaits. Returning early runs onClose.
export class EventQueue<T> implements AsyncIterable<T> {
  #items: T[] = [];
  #waiting: ((result: IteratorResult<T>) => void) | undefined;
  #ended = false;

  constructor(private readonly onClose: () => void = () => {}) {}

  push(item: T): void {
    if (this.#ended) return;
    if (this.#waiting) {
      const resolve = this.#waiting;
      this.#waiting = undefined;
      resolve({ value: item, done: false });
    } else {
      this.#items.push(item);
    }
  }

  end(): void {
    this.#ended = true;
    if (this.#waiting && this.#items.length === 0) {
      const resolve = this.#waiting;
      this.#waiting = undefined;
      resolve({ value: undefined, done: true });
    }
  }

  [Symbol.asyncIterator](): AsyncIterator<T> {
    return {
      next: () => {
        if (this.#items.length > 0) return Promise.resolve({ value: this.#items.shift()!, done: false });
        if (this.#ended) return Promise.resolve({ value: undefined, done: true });
        return new Promise((resolve) => (this.#waiting = resolve));
      },
      return: () => {
        const wasOpen = !this.#ended;
        this.#ended = true;
        this.#items = [];
        if (this.#waiting) {
          const resolve = this.#waiting;
          this.#waiting = undefined;
          resolve({ value: undefined, done: true });
        }
        if (wasOpen) this.onClose();
        return Promise.resolve({ value: undefined, done: true });
      },
    };
  }
}
