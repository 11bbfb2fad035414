// Little-endian reads over a file, a window at a time: a GGUF header can hold megabytes of
// tokenizer arrays we only step over, and the tensor data after it can be gigabytes.
import type { BunFile } from "bun";

export class GgufError extends Error {}

const WINDOW = 1 << 20;

export class ChunkedReader {
  private window = new Uint8Array(0);
  private view = new DataView(this.window.buffer);
  /** Absolute file offset of window[0]. */
  private windowStart = 0;
  /** Absolute offset of the next byte to read. */
  position = 0;
  readonly size: number;

  constructor(
    private readonly file: BunFile,
    private readonly path: string,
  ) {
    this.size = file.size;
  }

  /** Makes the next `n` bytes readable synchronously from `offset()`. */
  async ensure(n: number): Promise<void> {
    if (this.position + n <= this.windowStart + this.window.length) return;
    if (this.position + n > this.size) {
      throw new GgufError(`${this.path}: truncated GGUF header (wanted ${n} bytes at offset ${this.position}, file has ${this.size})`);
    }
    const end = Math.min(this.size, this.position + Math.max(n, WINDOW));
    this.window = new Uint8Array(await this.file.slice(this.position, end).arrayBuffer());
    this.view = new DataView(this.window.buffer, this.window.byteOffset, this.window.byteLength);
    this.windowStart = this.position;
  }

  /** Bytes readable without another file read. */
  buffered(): number {
    return this.windowStart + this.window.length - this.position;
  }

  skip(n: number): void {
    this.position += n;
  }

  private at(n: number): number {
    const offset = this.position - this.windowStart;
    this.position += n;
    return offset;
  }

  // The sync readers below assume a prior ensure().
  u8(): number {
    return this.view.getUint8(this.at(1));
  }
  i8(): number {
    return this.view.getInt8(this.at(1));
  }
  u16(): number {
    return this.view.getUint16(this.at(2), true);
  }
  i16(): number {
    return this.view.getInt16(this.at(2), true);
  }
  u32(): number {
    return this.view.getUint32(this.at(4), true);
  }
  i32(): number {
    return this.view.getInt32(this.at(4), true);
  }
  f32(): number {
    return this.view.getFloat32(this.at(4), true);
  }
  f64(): number {
    return this.view.getFloat64(this.at(8), true);
  }
  /** A number where exact (below 2^53), else a bigint. */
  u64(): number | bigint {
    return narrow(this.view.getBigUint64(this.at(8), true));
  }
  i64(): number | bigint {
    return narrow(this.view.getBigInt64(this.at(8), true));
  }
  bytes(n: number): Uint8Array {
    const offset = this.at(n);
    return this.window.subarray(offset, offset + n);
  }

  /** A u64 that must be a plain count or offset. */
  async count(what: string): Promise<number> {
    await this.ensure(8);
    const value = this.u64();
    if (typeof value !== "number") throw new GgufError(`${this.path}: ${what} ${value} is too large`);
    return value;
  }

  async string(): Promise<string> {
    const length = await this.count("string length");
    await this.ensure(length);
    return decoder.decode(this.bytes(length));
  }
}

const decoder = new TextDecoder();

function narrow(value: bigint): number | bigint {
  return value <= BigInt(Number.MAX_SAFE_INTEGER) && value >= BigInt(Number.MIN_SAFE_INTEGER) ? Number(value) : value;
}
