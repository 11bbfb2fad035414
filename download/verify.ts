// Integrity checks before a download is renamed into place.
import { open } from "node:fs/promises";

// Far above any real model (the largest have a few thousand tensors and keys), far below what
// random bytes read as u64 give.
const MAX_TENSORS = 1_000_000;
const MAX_KVS = 1_000_000;
const MAX_KEY_BYTES = 65_535;

/** Why the file is not a loadable GGUF header, or undefined when it looks like one. */
export async function ggufHeaderProblem(path: string): Promise<string | undefined> {
  const handle = await open(path, "r");
  try {
    const bytes = new Uint8Array(32);
    const { bytesRead } = await handle.read(bytes, 0, bytes.length, 0);
    return headerProblem(bytes.subarray(0, bytesRead));
  } finally {
    await handle.close();
  }
}

export function headerProblem(bytes: Uint8Array): string | undefined {
  if (bytes.length < 4 || String.fromCharCode(...bytes.subarray(0, 4)) !== "GGUF") {
    const start = Array.from(bytes.subarray(0, 4), (b) => b.toString(16).padStart(2, "0")).join(" ");
    return `no GGUF magic (starts with ${start || "nothing"})`;
  }
  if (bytes.length < 24) return "header cut short";
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = view.getUint32(4, true);
  if (version !== 2 && version !== 3) return `unsupported GGUF version ${version}`;
  const tensors = view.getBigUint64(8, true);
  const kvs = view.getBigUint64(16, true);
  if (tensors > BigInt(MAX_TENSORS)) return `implausible tensor count ${tensors}`;
  if (kvs > BigInt(MAX_KVS)) return `implausible metadata count ${kvs}`;
  if (kvs > 0n && bytes.length >= 32) {
    const keyBytes = view.getBigUint64(24, true);
    if (keyBytes === 0n || keyBytes > BigInt(MAX_KEY_BYTES)) return `implausible first metadata key length ${keyBytes}`;
  }
  return undefined;
}

/** The sha256 of a file's first `length` bytes (all of it by default), fed to `hasher`. */
export async function hashFile(path: string, hasher: Bun.CryptoHasher, length = Infinity): Promise<void> {
  const handle = await open(path, "r");
  try {
    const buffer = new Uint8Array(4 << 20);
    let position = 0;
    while (position < length) {
      const want = Math.min(buffer.length, length - position);
      const { bytesRead } = await handle.read(buffer, 0, want, position);
      if (bytesRead === 0) break;
      hasher.update(buffer.subarray(0, bytesRead));
      position += bytesRead;
    }
  } finally {
    await handle.close();
  }
}
