// What a disk cache entry must match to be loaded: the same model file and the same llama.cpp
// build (state layouts and kernels differ between builds). Hashing a whole multi-GB model on
// every start is too slow, so the model is identified by its size, its first and last 8 MiB
// (the GGUF header, tensor table and first tensors; weights differ between any two models).
import { closeSync, openSync, readSync, statSync } from "node:fs";
import pin from "../../llama.cpp/PIN" with { type: "text" };

const SAMPLE_BYTES = 8 * 1024 * 1024;

export function modelFingerprint(modelPath: string, buildInfo: string): string {
  const size = statSync(modelPath).size;
  const fd = openSync(modelPath, "r");
  try {
    const head = new Uint8Array(Math.min(SAMPLE_BYTES, size));
    readSync(fd, head, 0, head.length, 0);
    const tail = new Uint8Array(Math.min(SAMPLE_BYTES, size));
    readSync(fd, tail, 0, tail.length, size - tail.length);
    const hasher = new Bun.CryptoHasher("sha256");
    hasher.update(`${size}\n${pin}\n${buildInfo}\n`);
    hasher.update(head);
    hasher.update(tail);
    return hasher.digest("hex").slice(0, 24);
  } finally {
    closeSync(fd);
  }
}
