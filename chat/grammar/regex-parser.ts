// A parser for a practical subset of ECMAScript regular expressions (JSON Schema "pattern"):
// literals, escapes, classes, ".", groups, alternation, ?, *, +, {m,n} (lazy forms too:
// laziness does not change what matches) and ^/$. Lookarounds, backreferences, word
// boundaries and Unicode property escapes are refused.
import { UnsupportedSchemaError } from "./errors.ts";
import { type CharSet, chars, complement, normalize } from "./charset.ts";

export type Node =
  | { kind: "set"; set: CharSet }
  | { kind: "seq"; items: Node[] }
  | { kind: "alt"; options: Node[] }
  | { kind: "repeat"; node: Node; min: number; max: number | undefined }
  | { kind: "anchor"; which: "^" | "$" };

const DIGIT = chars("0123456789");
const WORD = normalize([[0x30, 0x39], [0x41, 0x5a], [0x5f, 0x5f], [0x61, 0x7a]]);
const SPACE = normalize([
  [0x09, 0x0d], [0x20, 0x20], [0xa0, 0xa0], [0x1680, 0x1680], [0x2000, 0x200a],
  [0x2028, 0x2029], [0x202f, 0x202f], [0x205f, 0x205f], [0x3000, 0x3000], [0xfeff, 0xfeff],
]);
const LINE_TERMINATORS = normalize([[0x0a, 0x0a], [0x0d, 0x0d], [0x2028, 0x2029]]);
const CONTROL_ESCAPES: Record<string, number> = { n: 0x0a, r: 0x0d, t: 0x09, f: 0x0c, v: 0x0b, "0": 0 };

export class Parser {
  #pos = 0;

  constructor(readonly source: string, readonly path: string) {}

  parse(): Node {
    const node = this.#alternation();
    if (this.#pos < this.source.length) this.#fail(`unbalanced ")" at offset ${this.#pos}`);
    return node;
  }

  #fail(detail: string): never {
    throw new UnsupportedSchemaError("pattern", this.path, `${detail} in /${this.source}/`);
  }

  #peek(offset = 0): string | undefined {
    return this.source[this.#pos + offset];
  }

  #alternation(): Node {
    const options = [this.#sequence()];
    while (this.#peek() === "|") {
      this.#pos++;
      options.push(this.#sequence());
    }
    return options.length === 1 ? options[0]! : { kind: "alt", options };
  }

  #sequence(): Node {
    const items: Node[] = [];
    for (let c = this.#peek(); c !== undefined && c !== "|" && c !== ")"; c = this.#peek()) {
      items.push(this.#quantified(this.#atom()));
    }
    return { kind: "seq", items };
  }

  #quantified(node: Node): Node {
    for (;;) {
      const c = this.#peek();
      let min: number;
      let max: number | undefined;
      if (c === "*") [min, max] = [0, undefined];
      else if (c === "+") [min, max] = [1, undefined];
      else if (c === "?") [min, max] = [0, 1];
      else if (c === "{" && this.#braces()) {
        const m = /^\{(\d+)(,(\d*))?\}/.exec(this.source.slice(this.#pos))!;
        min = Number(m[1]);
        max = m[2] === undefined ? min : m[3] === "" ? undefined : Number(m[3]);
        this.#pos += m[0].length - 1;
        if (max !== undefined && max < min) this.#fail("quantifier range out of order");
      } else return node;
      this.#pos++;
      if (this.#peek() === "?") this.#pos++; // lazy: same language
      if (node.kind === "anchor") this.#fail("quantified anchor");
      if (node.kind === "repeat") this.#fail("nested quantifier");
      node = { kind: "repeat", node, min, max };
    }
  }

  /** Whether a "{" here starts a quantifier (otherwise it is a literal brace). */
  #braces(): boolean {
    return /^\{\d+(,\d*)?\}/.test(this.source.slice(this.#pos));
  }

  #atom(): Node {
    const c = this.#peek()!;
    if (c === "(") return this.#group();
    if (c === "[") return { kind: "set", set: this.#class() };
    if (c === "^" || c === "$") {
      this.#pos++;
      return { kind: "anchor", which: c };
    }
    if (c === ".") {
      this.#pos++;
      return { kind: "set", set: complement(LINE_TERMINATORS) };
    }
    if (c === "*" || c === "+" || c === "?" || (c === "{" && this.#braces())) this.#fail("nothing to repeat");
    if (c === "\\") return { kind: "set", set: this.#escape(false) };
    const cp = this.source.codePointAt(this.#pos)!;
    this.#pos += cp > 0xffff ? 2 : 1;
    return { kind: "set", set: [[cp, cp]] };
  }

  #group(): Node {
    this.#pos++;
    if (this.#peek() === "?") {
      const head = this.source.slice(this.#pos, this.#pos + 3);
      if (head.startsWith("?:")) this.#pos += 2;
      else if (head.startsWith("?=") || head.startsWith("?!") || head === "?<=" || head === "?<!") this.#fail("lookaround");
      else if (head.startsWith("?<")) {
        const end = this.source.indexOf(">", this.#pos);
        if (end < 0) this.#fail("unterminated group name");
        this.#pos = end + 1;
      } else this.#fail("unsupported group syntax");
    }
    const inner = this.#alternation();
    if (this.#peek() !== ")") this.#fail('missing ")"');
    this.#pos++;
    // Wrapped, so that "(a*)+" is a quantified group rather than a doubled quantifier.
    return { kind: "seq", items: [inner] };
  }

  /** A character class; returns its set of code points. */
  #class(): CharSet {
    this.#pos++;
    const negated = this.#peek() === "^";
    if (negated) this.#pos++;
    const ranges: CharSet = [];
    while (this.#peek() !== "]") {
      if (this.#peek() === undefined) this.#fail('missing "]"');
      const from = this.#classAtom();
      if (this.#peek() === "-" && this.#peek(1) !== "]" && this.#peek(1) !== undefined) {
        this.#pos++;
        const to = this.#classAtom();
        if (from.length !== 1 || to.length !== 1 || from[0]![0] !== from[0]![1] || to[0]![0] !== to[0]![1]) {
          // [\d-x]: the "-" is literal (Annex B).
          ranges.push(...from, [0x2d, 0x2d], ...to);
          continue;
        }
        if (to[0]![0] < from[0]![0]) this.#fail("character class range out of order");
        ranges.push([from[0]![0], to[0]![0]]);
      } else ranges.push(...from);
    }
    this.#pos++;
    const set = normalize(ranges);
    return negated ? complement(set) : set;
  }

  #classAtom(): CharSet {
    if (this.#peek() === "\\") return this.#escape(true);
    const cp = this.source.codePointAt(this.#pos)!;
    this.#pos += cp > 0xffff ? 2 : 1;
    return [[cp, cp]];
  }

  /** An escape sequence after "\"; inside a class "\b" is a backspace. */
  #escape(inClass: boolean): CharSet {
    this.#pos++;
    const c = this.#peek();
    if (c === undefined) this.#fail("trailing backslash");
    this.#pos++;
    const one = (cp: number): CharSet => [[cp, cp]];
    switch (c) {
      case "d": return DIGIT;
      case "D": return complement(DIGIT);
      case "w": return WORD;
      case "W": return complement(WORD);
      case "s": return SPACE;
      case "S": return complement(SPACE);
      case "b":
        if (inClass) return one(0x08);
        return this.#fail("word boundary \\b");
      case "B": return this.#fail("word boundary \\B");
      case "k": return this.#fail("backreference");
      case "p":
      case "P": return this.#fail("Unicode property escape");
      case "c": {
        const letter = this.#peek();
        if (letter && /[A-Za-z]/.test(letter)) {
          this.#pos++;
          return one(letter.charCodeAt(0) % 32);
        }
        return this.#fail("invalid \\c escape");
      }
      case "x": return one(this.#hex(2));
      case "u": {
        if (this.#peek() === "{") {
          const end = this.source.indexOf("}", this.#pos);
          const cp = end > 0 ? Number.parseInt(this.source.slice(this.#pos + 1, end), 16) : Number.NaN;
          if (!(cp >= 0 && cp <= 0x10ffff)) this.#fail("invalid \\u{...} escape");
          this.#pos = end + 1;
          return one(cp);
        }
        let cp = this.#hex(4);
        // A surrogate pair written as two escapes is one character.
        if (cp >= 0xd800 && cp <= 0xdbff && this.source.startsWith("\\u", this.#pos)) {
          const save = this.#pos;
          this.#pos += 2;
          const low = /^[0-9a-fA-F]{4}/.test(this.source.slice(this.#pos)) ? this.#hex(4) : -1;
          if (low >= 0xdc00 && low <= 0xdfff) cp = 0x10000 + ((cp - 0xd800) << 10) + (low - 0xdc00);
          else this.#pos = save;
        }
        return one(cp);
      }
      default:
        if (c in CONTROL_ESCAPES && !(c === "0" && /\d/.test(this.#peek() ?? ""))) return one(CONTROL_ESCAPES[c]!);
        if (/\d/.test(c)) return this.#fail("backreference");
        return one(this.source.codePointAt(this.#pos - 1)!);
    }
  }

  #hex(digits: number): number {
    const text = this.source.slice(this.#pos, this.#pos + digits);
    if (!new RegExp(`^[0-9a-fA-F]{${digits}}$`).test(text)) this.#fail("invalid hex escape");
    this.#pos += digits;
    return Number.parseInt(text, 16);
  }
}
