// llama.cpp's split-file naming (gguf-split): `<name>-00001-of-00003.gguf`. A model is loaded
// from its first part; llama.cpp finds the others next to it.
import { basename, dirname, join } from "node:path";

const SPLIT = /^(.*)-(\d{5})-of-(\d{5})\.gguf$/i;

export interface SplitName {
  /** The name without the part suffix and extension. */
  stem: string;
  part: number;
  count: number;
}

export function parseSplitName(fileName: string): SplitName | undefined {
  const match = SPLIT.exec(fileName);
  if (!match) return undefined;
  const part = Number(match[2]);
  const count = Number(match[3]);
  return part >= 1 && part <= count ? { stem: match[1]!, part, count } : undefined;
}

/** Every part's path, in order, for a split file's first part; just `path` for a whole file. */
export function splitParts(path: string): string[] {
  const split = parseSplitName(basename(path));
  if (!split) return [path];
  const width = (n: number) => String(n).padStart(5, "0");
  return Array.from({ length: split.count }, (_, i) =>
    join(dirname(path), `${split.stem}-${width(i + 1)}-of-${width(split.count)}.gguf`),
  );
}
