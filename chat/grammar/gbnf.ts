// GBNF text helpers (literals, character classes, alternation, sequences) and the rule table.
// Expressions are plain strings that are always safe to place inside a sequence: anything
// with a top-level "|" is parenthesised. "" stands for the empty sequence.
import { UnsupportedSchemaError } from "./errors.ts";

function hex(cp: number): string {
  if (cp <= 0xff) return `\\x${cp.toString(16).toUpperCase().padStart(2, "0")}`;
  if (cp <= 0xffff) return `\\u${cp.toString(16).toUpperCase().padStart(4, "0")}`;
  return `\\U${cp.toString(16).toUpperCase().padStart(8, "0")}`;
}

/** A GBNF string literal matching exactly `text`. */
export function literal(text: string): string {
  let out = '"';
  for (const ch of text) {
    const cp = ch.codePointAt(0)!;
    if (ch === '"' || ch === "\\") out += `\\${ch}`;
    else if (ch === "\n") out += "\\n";
    else if (ch === "\r") out += "\\r";
    else if (ch === "\t") out += "\\t";
    else if (cp < 0x20 || cp === 0x7f || (cp >= 0xd800 && cp <= 0xdfff)) out += hex(cp);
    else out += ch;
  }
  return `${out}"`;
}

function classChar(cp: number): string {
  // llama.cpp's parser knows \\ \] \[ \- escapes; "^" only matters first, so hex-escape it.
  if (cp === 0x5c || cp === 0x5d || cp === 0x5b || cp === 0x2d) return `\\${String.fromCodePoint(cp)}`;
  if (cp === 0x5e) return "\\x5E";
  if (cp < 0x20 || cp >= 0x7f) return hex(cp);
  return String.fromCodePoint(cp);
}

/** A GBNF character class over inclusive code point ranges. */
export function charClass(ranges: ReadonlyArray<readonly [number, number]>, negated = false): string {
  let out = negated ? "[^" : "[";
  for (const [lo, hi] of ranges) {
    out += classChar(lo);
    if (hi > lo + 1) out += `-${classChar(hi)}`;
    else if (hi === lo + 1) out += classChar(hi);
  }
  return `${out}]`;
}

/** Alternatives; an empty alternative makes the whole group optional. */
export function alt(parts: readonly string[]): string {
  const unique = [...new Set(parts)];
  const nonEmpty = unique.filter((p) => p !== "");
  if (nonEmpty.length === 0) return "";
  const body = nonEmpty.length === 1 ? nonEmpty[0]! : `(${nonEmpty.join(" | ")})`;
  return nonEmpty.length < unique.length ? optional(body) : body;
}

const LITERAL = /^"(?:[^"\\]|\\.)*"$/;

/** A sequence; adjacent literals are joined ("a" "b" → "ab"). */
export function seq(parts: readonly string[]): string {
  const out: string[] = [];
  for (const part of parts) {
    if (part === "") continue;
    const last = out[out.length - 1];
    if (last !== undefined && LITERAL.test(last) && LITERAL.test(part)) out[out.length - 1] = last.slice(0, -1) + part.slice(1);
    else out.push(part);
  }
  return out.join(" ");
}

/** One symbol that a quantifier may follow without a group. */
export function isAtom(expr: string): boolean {
  return /^[a-z0-9-]+$/.test(expr) || LITERAL.test(expr) || /^\[(?:[^\]\\]|\\.)*\]$/.test(expr);
}

export function isGroup(expr: string): boolean {
  if (!expr.startsWith("(") || !expr.endsWith(")")) return false;
  // The outer parentheses must enclose everything (not "(a) (b)").
  let depth = 0;
  let quoted: string | null = null;
  for (let i = 0; i < expr.length; i++) {
    const c = expr[i]!;
    if (quoted) {
      if (c === "\\") i++;
      else if (c === quoted) quoted = null;
    } else if (c === '"') quoted = '"';
    else if (c === "[") quoted = "]";
    else if (c === "(") depth++;
    else if (c === ")" && --depth === 0 && i < expr.length - 1) return false;
  }
  return true;
}

export function optional(expr: string): string {
  if (expr === "") return "";
  return isAtom(expr) || isGroup(expr) ? `${expr}?` : `(${expr})?`;
}

/** llama.cpp refuses repetition counts above 2000 (MAX_REPETITION_THRESHOLD). */
const MAX_COUNT = 2000;
const BLOCK = 1000;
const MAX_TOTAL = BLOCK * MAX_COUNT;

function quantifier(min: number, max: number | undefined): string {
  if (max === undefined) return min === 0 ? "*" : min === 1 ? "+" : `{${min},}`;
  if (min === 0 && max === 1) return "?";
  return min === max ? `{${min}}` : `{${min},${max}}`;
}

export class GrammarBuilder {
  readonly #rules = new Map<string, string | null>();
  readonly #byBody = new Map<string, string>();

  /** Names reserved up front (root, primitives) are never handed out by `reserve`. */
  constructor(reserved: readonly string[]) {
    for (const name of reserved) this.#rules.set(name, null);
  }

  /** A name derived from `hint` that no other rule has. */
  reserve(hint: string): string {
    const base = hint.toLowerCase().replace(/[^a-z0-9-]+/g, "-").replace(/-+/g, "-").replace(/^-|-$/g, "").slice(-48) || "r";
    let name = base;
    for (let i = 1; this.#rules.has(name); i++) name = `${base}-${i}`;
    this.#rules.set(name, null);
    return name;
  }

  /** Gives back a reserved name that was never defined. */
  release(name: string): void {
    if (this.#rules.get(name) === null) this.#rules.delete(name);
  }

  define(name: string, body: string): void {
    this.#rules.set(name, body === "" ? '""' : body);
    if (!this.#byBody.has(body)) this.#byBody.set(body, name);
  }

  isDefined(name: string): boolean {
    return this.#rules.get(name) != null;
  }

  /** A rule for `body`, reusing an identical one when it exists. */
  rule(hint: string, body: string): string {
    if (/^[a-z0-9-]+$/.test(body)) return body;
    const existing = this.#byBody.get(body);
    if (existing) return existing;
    const name = this.reserve(hint);
    this.define(name, body);
    return name;
  }

  /** `expr` repeated min..max times (max undefined: unbounded), within llama.cpp's limits. */
  repeat(expr: string, min: number, max: number | undefined, hint: string, keyword: string, path: string): string {
    if (expr === "" || max === 0) return "";
    if (min > MAX_TOTAL || (max !== undefined && max > MAX_TOTAL)) {
      throw new UnsupportedSchemaError(keyword, path, `repetition counts above ${MAX_TOTAL} are not supported`);
    }
    // Repeating a group makes llama.cpp copy every rule inside it; a named rule is one symbol.
    const atom = isAtom(expr) ? expr : this.rule(hint, expr);
    if (min === 1 && max === 1) return atom;
    if (min <= MAX_COUNT && (max === undefined || max <= MAX_COUNT)) return `${atom}${quantifier(min, max)}`;
    // Larger counts: blocks of BLOCK repetitions, then the remainder.
    const block = this.rule(`${hint}-x${BLOCK}`, `${atom}{${BLOCK}}`);
    const parts: string[] = [];
    const fixedBlocks = Math.floor(min / BLOCK);
    if (fixedBlocks > 0) parts.push(`${block}${quantifier(fixedBlocks, fixedBlocks)}`);
    if (min % BLOCK > 0) parts.push(`${atom}${quantifier(min % BLOCK, min % BLOCK)}`);
    if (max === undefined) {
      parts.push(`${atom}*`);
    } else if (max > min) {
      const spare = max - min;
      if (spare <= MAX_COUNT) parts.push(`${atom}${quantifier(0, spare)}`);
      else {
        parts.push(`${block}${quantifier(0, Math.floor(spare / BLOCK))}`);
        if (spare % BLOCK > 0) parts.push(`${atom}${quantifier(0, spare % BLOCK)}`);
      }
    }
    return seq(parts);
  }

  /** The grammar text, "root" first. */
  toString(): string {
    const lines: string[] = [];
    const root = this.#rules.get("root");
    if (root) lines.push(`root ::= ${root}`);
    for (const [name, body] of this.#rules) {
      if (name !== "root" && body != null) lines.push(`${name} ::= ${body}`);
    }
    return `${lines.join("\n")}\n`;
  }
}
