// Sets of Unicode code points as sorted, disjoint inclusive ranges, and their JSON-string
// encoding: a regex class means decoded characters, but the grammar matches JSON text, where
// '"', '\' and control characters must be escaped.
import { alt, charClass, literal } from "./gbnf.ts";

export type CharSet = Array<[number, number]>;
export const MAX_CODE_POINT = 0x10ffff;

export function normalize(ranges: ReadonlyArray<readonly [number, number]>): CharSet {
  const sorted = ranges.map(([a, b]) => [a, b] as [number, number]).sort((x, y) => x[0] - y[0]);
  const out: CharSet = [];
  for (const [lo, hi] of sorted) {
    const last = out[out.length - 1];
    if (last && lo <= last[1] + 1) last[1] = Math.max(last[1], hi);
    else out.push([lo, hi]);
  }
  return out;
}

export function complement(set: CharSet): CharSet {
  const out: CharSet = [];
  let next = 0;
  for (const [lo, hi] of set) {
    if (lo > next) out.push([next, lo - 1]);
    next = hi + 1;
  }
  if (next <= MAX_CODE_POINT) out.push([next, MAX_CODE_POINT]);
  return out;
}

export function union(...sets: CharSet[]): CharSet {
  return normalize(sets.flat());
}

export function intersect(a: CharSet, b: CharSet): CharSet {
  return complement(union(complement(a), complement(b)));
}

export function subtract(a: CharSet, b: CharSet): CharSet {
  return intersect(a, complement(b));
}

export function chars(text: string): CharSet {
  return normalize([...text].map((c) => [c.codePointAt(0)!, c.codePointAt(0)!] as [number, number]));
}

/** Characters a JSON string may hold unescaped. */
export const RAW_JSON_CHARS: CharSet = complement(normalize([[0, 0x1f], [0x22, 0x22], [0x5c, 0x5c]]));

const SHORT_ESCAPES: Record<number, string> = { 0x22: '\\"', 0x5c: "\\\\", 0x08: "\\b", 0x0c: "\\f", 0x0a: "\\n", 0x0d: "\\r", 0x09: "\\t" };

/** How JSON writes `cp` inside a string (the canonical form only). */
export function jsonChar(cp: number): string {
  return SHORT_ESCAPES[cp] ?? (cp < 0x20 ? `\\u${cp.toString(16).padStart(4, "0")}` : String.fromCodePoint(cp));
}

/** The shorter of a class and its negation. */
export function classOf(set: CharSet): string {
  const negated = complement(set);
  return negated.length <= set.length ? charClass(negated, true) : charClass(set);
}

/** GBNF matching one character of `set` as it appears inside a JSON string; "" if empty. */
export function jsonCharSet(set: CharSet): string {
  const raw = intersect(set, RAW_JSON_CHARS);
  const parts: string[] = raw.length > 0 ? [classOf(raw)] : [];
  for (const [lo, hi] of subtract(set, RAW_JSON_CHARS)) {
    for (let cp = lo; cp <= hi; cp++) parts.push(literal(jsonChar(cp)));
  }
  return parts.length === 0 ? "" : alt(parts);
}
