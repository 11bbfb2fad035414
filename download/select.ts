// Which GGUF of a repo listing a repo reference means, as llama.cpp's -hf picks it: the file
// whose name carries the quant (Q4_K_M, then Q8_0 when none is asked), never an mmproj or
// imatrix file, a split model by its first part; with every part of a split.
import { DownloadError } from "./errors.ts";
import type { RepoFile } from "./hub.ts";
import { parseSplitName, splitPartNames } from "./split.ts";

const DEFAULT_QUANTS = ["Q4_K_M", "Q8_0"];
// Side files llama.cpp never loads as the model (projectors, importance matrices, draft heads).
const NOT_A_MODEL = ["mmproj", "imatrix", "mtp-", "eagle3-", "dflash-", "dspark-"];

/** The files to fetch, first part first. */
export function selectModelFiles(files: RepoFile[], repo: string, quant: string | undefined): RepoFile[] {
  const models = files.filter((f) => isModelFile(f.path));
  if (models.length === 0) {
    throw new DownloadError("not_found", `no GGUF model file in ${repo}${describeAll(files)}`);
  }
  for (const q of quant ? [quant] : DEFAULT_QUANTS) {
    const hit = models.find((f) => hasQuant(f.path, q) && isFirstPart(f.path));
    if (hit) return withParts(hit, files, repo);
  }
  const firsts = models.filter((f) => isFirstPart(f.path));
  if (quant) {
    throw new DownloadError("not_found", `no ${quant} GGUF in ${repo}; available: ${firsts.map((f) => f.path).join(", ")}`);
  }
  if (firsts.length === 1) return withParts(firsts[0]!, files, repo);
  throw new DownloadError(
    "ambiguous",
    `${repo} has several GGUF models and no Q4_K_M or Q8_0; name one (${repo}:QUANT or ${repo}/FILE): ${firsts.map((f) => f.path).join(", ")}`,
  );
}

/** A named file and, for a split, its other parts from the listing when there is one. */
export function withParts(first: RepoFile, files: RepoFile[] | undefined, repo: string): RepoFile[] {
  const names = splitPartNames(first.path);
  if (names.length === 1) return [first];
  if (!files) return names.map((path) => ({ path }));
  const byPath = new Map(files.map((f) => [f.path, f]));
  const missing = names.filter((n) => !byPath.has(n));
  if (missing.length > 0) throw new DownloadError("not_found", `split model ${first.path} in ${repo} lacks ${missing.join(", ")}`);
  return names.map((n) => byPath.get(n)!);
}

function isModelFile(path: string): boolean {
  if (!path.toLowerCase().endsWith(".gguf")) return false;
  const name = path.slice(path.lastIndexOf("/") + 1).toLowerCase();
  return !NOT_A_MODEL.some((word) => name.includes(word));
}

/** The quant as a whole word of the path: "-Q4_K_M.gguf", "-q4_k_m-00001-of-00003", "Q4_K_M/…". */
function hasQuant(path: string, quant: string): boolean {
  const escaped = quant.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  return new RegExp(`(^|[-_./])${escaped}[-./]`, "i").test(path);
}

function isFirstPart(path: string): boolean {
  const split = parseSplitName(path);
  return !split || split.part === 1;
}

function describeAll(files: RepoFile[]): string {
  const ggufs = files.filter((f) => f.path.toLowerCase().endsWith(".gguf")).map((f) => f.path);
  return ggufs.length > 0 ? ` (only ${ggufs.join(", ")})` : files.length > 0 ? " (it has no .gguf file)" : " (it is empty)";
}
