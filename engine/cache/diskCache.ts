// Prompt-cache entries on disk, so a restarted runner answers a known conversation without
// reprocessing it. One file per entry: a header naming the model and build it came from, the
// tokens, then llama.cpp's sequence state. Files of another model or build are never loaded.
import { closeSync, mkdirSync, openSync, readdirSync, readSync, renameSync, rmSync, statSync, writeSync } from "node:fs";
import { join } from "node:path";
import { EntryList, type Entry, type Match } from "./entries.ts";

const MAGIC = "BUNLLAMA-KV1";
const PREFIX_BYTES = MAGIC.length + 4;

interface Header {
  fingerprint: string;
  tokens: number;
  stateBytes: number;
}

export interface DiskEntry extends Entry {
  path: string;
}

export class DiskCache {
  readonly #entries: EntryList<DiskEntry>;

  constructor(
    private readonly dir: string,
    /** Identifies the model file and the llama.cpp build (see fingerprint.ts). */
    private readonly fingerprint: string,
    budgetBytes: number,
  ) {
    mkdirSync(dir, { recursive: true });
    this.#entries = new EntryList<DiskEntry>(budgetBytes, (entry) => rmSync(entry.path, { force: true }));
    const mine = readdirSync(dir)
      .filter((name) => name.startsWith(`${fingerprint}-`) && name.endsWith(".kv"))
      .map((name) => join(dir, name));
    // Oldest first, so that the budget evicts the oldest if it shrank since they were written.
    mine.sort((a, b) => statSync(a).mtimeMs - statSync(b).mtimeMs);
    for (const path of mine) {
      const entry = this.#readIndex(path);
      if (entry) this.#entries.add(entry);
      else rmSync(path, { force: true });
    }
  }

  get size(): number {
    return this.#entries.size;
  }

  find(prompt: Int32Array): Match<DiskEntry> | undefined {
    return this.#entries.find(prompt);
  }

  covers(tokens: Int32Array): boolean {
    return this.#entries.covers(tokens);
  }

  /** The entry's state, or undefined when the file is gone or no longer matches. */
  read(entry: DiskEntry): Uint8Array | undefined {
    try {
      // Mapped, not read: a fresh buffer of tens of MB took 65-85 ms to fill here (a page fault
      // per 4 KiB), mapping the cached file 7-16 ms. Entries are replaced by rename and removed
      // by unlink, never truncated, so the mapping stays valid while it is used.
      const bytes = Bun.mmap(entry.path, { shared: false });
      const parsed = parse(bytes, this.fingerprint);
      if (parsed && parsed.tokens.length === entry.tokens.length) return parsed.state;
    } catch {
      // Treated as a miss below.
    }
    this.#entries.remove(entry);
    return undefined;
  }

  /** Writes an entry (a temp file renamed into place, so a crash leaves no half entry). The
   *  state is written from where it lies: copying it behind the header first cost another
   *  fresh buffer of its size. */
  write(tokens: Int32Array, state: Uint8Array): void {
    if (this.#entries.covers(tokens)) return;
    const name = `${this.fingerprint}-${Bun.hash(new Uint8Array(tokens.buffer, tokens.byteOffset, tokens.byteLength)).toString(16)}.kv`;
    const path = join(this.dir, name);
    const header = new TextEncoder().encode(JSON.stringify({ fingerprint: this.fingerprint, tokens: tokens.length, stateBytes: state.byteLength } satisfies Header));
    // Tokens start on a 4-byte boundary.
    const headerBytes = Math.ceil(header.length / 4) * 4;
    const head = new Uint8Array(PREFIX_BYTES + headerBytes + tokens.byteLength);
    head.set(new TextEncoder().encode(MAGIC), 0);
    new DataView(head.buffer).setUint32(MAGIC.length, headerBytes, true);
    head.set(header, PREFIX_BYTES);
    head.fill(0x20, PREFIX_BYTES + header.length, PREFIX_BYTES + headerBytes);
    head.set(new Uint8Array(tokens.buffer, tokens.byteOffset, tokens.byteLength), PREFIX_BYTES + headerBytes);
    const temp = `${path}.${process.pid}.tmp`;
    const fd = openSync(temp, "w");
    try {
      writeAll(fd, head);
      writeAll(fd, state);
    } finally {
      closeSync(fd);
    }
    renameSync(temp, path);
    this.#entries.add({ path, tokens: Int32Array.from(tokens), bytes: head.byteLength + state.byteLength, lastUsed: performance.now() });
  }

  /** Reads only a file's header and tokens. */
  #readIndex(path: string): DiskEntry | undefined {
    let fd: number | undefined;
    try {
      fd = openSync(path, "r");
      const prefix = new Uint8Array(PREFIX_BYTES);
      if (readSync(fd, prefix, 0, PREFIX_BYTES, 0) !== PREFIX_BYTES) return undefined;
      if (new TextDecoder().decode(prefix.subarray(0, MAGIC.length)) !== MAGIC) return undefined;
      const headerBytes = new DataView(prefix.buffer).getUint32(MAGIC.length, true);
      if (headerBytes > 4096) return undefined;
      const headerRaw = new Uint8Array(headerBytes);
      readSync(fd, headerRaw, 0, headerBytes, PREFIX_BYTES);
      const header = JSON.parse(new TextDecoder().decode(headerRaw)) as Header;
      if (header.fingerprint !== this.fingerprint) return undefined;
      const tokens = new Int32Array(header.tokens);
      const tokenBytes = new Uint8Array(tokens.buffer);
      if (readSync(fd, tokenBytes, 0, tokenBytes.length, PREFIX_BYTES + headerBytes) !== tokenBytes.length) return undefined;
      const size = statSync(path).size;
      if (size !== PREFIX_BYTES + headerBytes + tokenBytes.length + header.stateBytes) return undefined;
      return { path, tokens, bytes: size, lastUsed: statSync(path).mtimeMs - Date.now() }; // older than anything used since start
    } catch {
      return undefined;
    } finally {
      if (fd !== undefined) closeSync(fd);
    }
  }
}

/** The tokens and state of a whole entry file, checked against the expected fingerprint. */
function parse(bytes: Uint8Array, fingerprint: string): { tokens: Int32Array; state: Uint8Array } | undefined {
  if (bytes.length < PREFIX_BYTES || new TextDecoder().decode(bytes.subarray(0, MAGIC.length)) !== MAGIC) return undefined;
  const headerBytes = new DataView(bytes.buffer, bytes.byteOffset).getUint32(MAGIC.length, true);
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(PREFIX_BYTES, PREFIX_BYTES + headerBytes))) as Header;
  if (header.fingerprint !== fingerprint) return undefined;
  const tokensAt = PREFIX_BYTES + headerBytes;
  const stateAt = tokensAt + header.tokens * 4;
  if (bytes.length !== stateAt + header.stateBytes) return undefined;
  return { tokens: new Int32Array(bytes.slice(tokensAt, stateAt).buffer), state: bytes.subarray(stateAt) };
}

function writeAll(fd: number, bytes: Uint8Array): void {
  for (let done = 0; done < bytes.byteLength; ) done += writeSync(fd, bytes, done, bytes.byteLength - done);
}
