// Split GGUFs (gguf-split): name-00001-of-00003.gguf, ... in one folder. llama.cpp loads the
// other parts from the first one's name, so a pull fetches them all and returns the first.

export interface SplitName {
  /** Everything before -NNNNN-of-NNNNN.gguf, folders included. */
  prefix: string;
  index: number;
  count: number;
}

const SPLIT = /^(.+)-(\d{5})-of-(\d{5})\.gguf$/i;

export function parseSplitName(path: string): SplitName | undefined {
  const m = SPLIT.exec(path);
  if (!m) return undefined;
  const index = Number(m[2]);
  const count = Number(m[3]);
  return index >= 1 && index <= count ? { prefix: m[1]!, index, count } : undefined;
}

/** Every part's name for a split's part name (the name itself when it is not split), in order. */
export function splitPartNames(path: string): string[] {
  const split = parseSplitName(path);
  if (!split || split.count === 1) return [path];
  const ext = path.slice(-".gguf".length); // keep the case the repo uses
  const pad = (n: number) => String(n).padStart(5, "0");
  return Array.from({ length: split.count }, (_, i) => `${split.prefix}-${pad(i + 1)}-of-${pad(split.count)}${ext}`);
}
