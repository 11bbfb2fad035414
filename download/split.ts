// Split GGUFs (gguf-split): name-00001-of-00003.gguf, ... in one folder. llama.cpp loads the
// other parts from the first one's name, so a pull fetches them all and returns the first.
// The name format itself is engine/gguf/split.ts's.
import { parseSplitName } from "../engine/gguf/split.ts";

export { parseSplitName };

/** Every part's name for a split's part name (a repo path, folders kept; the name itself when
 *  it is not split), in order. */
export function splitPartNames(path: string): string[] {
  const split = parseSplitName(path);
  if (!split || split.count === 1) return [path];
  const ext = path.slice(-".gguf".length); // keep the case the repo uses
  const pad = (n: number) => String(n).padStart(5, "0");
  return Array.from({ length: split.count }, (_, i) => `${split.stem}-${pad(i + 1)}-of-${pad(split.count)}${ext}`);
}
