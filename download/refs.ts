// <repo dir>/.refs.json: which files a repo reference (org/repo:QUANT) resolved to, so that
// pulling the same reference again needs no listing, and works offline.
import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { join } from "node:path";

type Refs = Record<string, { files: string[]; resolvedAt: string }>;

const FILE = ".refs.json";

/** The key of a repo reference in its repo's .refs.json: the quant, or "default". */
export function refKey(quant: string | undefined): string {
  return quant ?? "default";
}

export async function readRef(dir: string, key: string): Promise<string[] | undefined> {
  const files = (await readRefs(dir))[key]?.files;
  return Array.isArray(files) && files.every((f) => typeof f === "string") ? files : undefined;
}

export async function recordRef(dir: string, key: string, files: string[]): Promise<void> {
  const refs = await readRefs(dir);
  refs[key] = { files, resolvedAt: new Date().toISOString() };
  await mkdir(dir, { recursive: true });
  // Written aside and renamed, so a reader never sees half a file.
  const tmp = join(dir, `${FILE}.${process.pid}.${crypto.randomUUID()}.tmp`);
  await writeFile(tmp, JSON.stringify(refs, null, 2) + "\n");
  await rename(tmp, join(dir, FILE));
}

async function readRefs(dir: string): Promise<Refs> {
  try {
    const parsed: unknown = JSON.parse(await readFile(join(dir, FILE), "utf8"));
    return parsed && typeof parsed === "object" && !Array.isArray(parsed) ? (parsed as Refs) : {};
  } catch {
    return {}; // missing or damaged: resolve online again
  }
}
