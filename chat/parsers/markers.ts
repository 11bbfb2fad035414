// Finding markup markers in streamed text, where a marker may be cut by a chunk boundary.

export type Scan =
  | { hit: true; index: number; marker: string }
  /** No marker yet: text before `safe` can never become part of one. */
  | { hit: false; safe: number };

/**
 * Earliest complete marker at or after `from` (ties: the longest). Unless `final`, a hit is not
 * reported while the text could still turn out to hold an earlier or longer marker (the end of
 * the text is a cut-off marker that starts before the hit, or the hit may grow): the text from
 * there is undecided.
 */
export function scan(text: string, markers: readonly string[], from = 0, final = false): Scan {
  let index = -1;
  let marker = "";
  for (const m of markers) {
    const i = text.indexOf(m, from);
    if (i >= 0 && (index < 0 || i < index || (i === index && m.length > marker.length))) {
      index = i;
      marker = m;
    }
  }
  if (final) return index < 0 ? { hit: false, safe: text.length } : { hit: true, index, marker };
  const partial = text.length - partialSuffix(text, markers, from);
  if (index < 0) return { hit: false, safe: partial };
  if (partial < index) return { hit: false, safe: partial };
  const rest = text.slice(index);
  if (markers.some((m) => m.length > rest.length && m.startsWith(rest))) return { hit: false, safe: index };
  return { hit: true, index, marker };
}

/** Length of the longest suffix of text (after `from`) that is a proper prefix of a marker. */
export function partialSuffix(text: string, markers: readonly string[], from = 0): number {
  let best = 0;
  const room = text.length - from;
  // Runs on every streamed chunk: compares in place instead of slicing each candidate prefix.
  const last = text.charCodeAt(text.length - 1);
  for (const m of markers) {
    for (let k = Math.min(m.length - 1, room); k > best; k--) {
      if (m.charCodeAt(k - 1) === last && endsWithPrefix(text, m, k)) {
        best = k;
        break;
      }
    }
  }
  return best;
}

/** Whether text ends with the first k characters of m. */
function endsWithPrefix(text: string, m: string, k: number): boolean {
  const offset = text.length - k;
  for (let i = 0; i < k; i++) if (text.charCodeAt(offset + i) !== m.charCodeAt(i)) return false;
  return true;
}

/** Whether `lit` occurs at `pos`: "yes", "partial" (text ends inside it) or "no". */
export function matchAt(text: string, pos: number, lit: string): "yes" | "partial" | "no" {
  const n = Math.min(lit.length, text.length - pos);
  if (text.startsWith(lit.slice(0, n), pos)) return n === lit.length ? "yes" : "partial";
  return "no";
}

/** Index of the first non-whitespace character at or after pos (text.length if none). */
export function skipWs(text: string, pos: number): number {
  while (pos < text.length && isWs(text[pos]!)) pos++;
  return pos;
}

export function isWs(ch: string): boolean {
  return ch === " " || ch === "\n" || ch === "\t" || ch === "\r";
}
