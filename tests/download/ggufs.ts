// Small valid GGUF files for download tests, each with its own bytes.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { GGMLType, type GGUFMetadata, kv, writeGGUF } from "../fixtures/gguf.ts";

export const STORIES = join(import.meta.dir, "..", "..", "..", "shared", "models", "stories260K.gguf");

/** The bytes of a GGUF with one F32 tensor of `elements` values, named `name`. */
export async function tinyGGUF(dir: string, name: string, elements = 4096, extra: GGUFMetadata = {}): Promise<Uint8Array> {
  const path = join(dir, name.replaceAll("/", "_"));
  const values = Float32Array.from({ length: elements }, (_, i) => Math.sin(i + name.length));
  await writeGGUF(path, { "general.name": kv.str(name), ...extra }, [{ name: "w", shape: [elements], type: GGMLType.F32, values }]);
  return new Uint8Array(readFileSync(path));
}

/** The parts of a split GGUF as gguf-split writes them: each a GGUF with split.* keys. */
export async function splitGGUF(dir: string, prefix: string, count: number): Promise<Array<{ path: string; bytes: Uint8Array }>> {
  const parts = [];
  for (let i = 1; i <= count; i++) {
    const path = `${prefix}-${String(i).padStart(5, "0")}-of-${String(count).padStart(5, "0")}.gguf`;
    const meta = { "split.no": kv.u16(i - 1), "split.count": kv.u16(count), "split.tensors.count": kv.i32(count) };
    parts.push({ path, bytes: await tinyGGUF(dir, path, 2048 * i, meta) });
  }
  return parts;
}
