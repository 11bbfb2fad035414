// Newline-delimited JSON over a Unix socket between the server and a runner.
// Bun's built-in IPC stalled here for good under steady traffic (a runner's replies stopped
// arriving), so the channel is a plain socket with explicit partial-write handling.
import type { Socket } from "bun";

export class LineChannel<In, Out> {
  #socket: Socket<unknown> | undefined;
  #pending: Uint8Array[] = [];
  #partial = "";
  readonly #decoder = new TextDecoder();
  readonly #encoder = new TextEncoder();

  constructor(private readonly onMessage: (message: In) => void) {}

  attach(socket: Socket<unknown>): void {
    this.#socket = socket;
    this.#flush();
  }

  send(message: Out): void {
    this.#pending.push(this.#encoder.encode(`${JSON.stringify(message)}\n`));
    this.#flush();
  }

  /** Call from the socket's data handler. */
  receive(chunk: Uint8Array): void {
    const text = this.#partial + this.#decoder.decode(chunk, { stream: true });
    const lines = text.split("\n");
    this.#partial = lines.pop()!;
    for (const line of lines) if (line.length > 0) this.onMessage(JSON.parse(line) as In);
  }

  /** Call from the socket's drain handler: the kernel buffer has room again. */
  drain(): void {
    this.#flush();
  }

  close(): void {
    this.#socket?.end();
    this.#socket = undefined;
  }

  #flush(): void {
    const socket = this.#socket;
    if (!socket) return;
    while (this.#pending.length > 0) {
      const head = this.#pending[0]!;
      const written = socket.write(head);
      if (written < head.length) {
        // Partial write: keep the rest for the drain event.
        this.#pending[0] = head.subarray(Math.max(written, 0));
        return;
      }
      this.#pending.shift();
    }
  }
}
