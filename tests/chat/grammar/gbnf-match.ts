// Test oracle: a small GBNF recognizer (the subset the converter emits), to check exactly which
// strings a grammar accepts without a model. The model tests prove llama.cpp parses the same text.

type Node =
  | { t: "lit"; cps: number[] }
  | { t: "class"; ranges: [number, number][]; negated: boolean }
  | { t: "ref"; name: string }
  | { t: "seq"; items: Node[] }
  | { t: "alt"; options: Node[] }
  | { t: "rep"; node: Node; min: number; max: number };

class Parser {
  pos = 0;
  constructor(readonly s: string) {}

  fail(msg: string): never {
    throw new Error(`${msg} at ${this.pos} in ${this.s}`);
  }

  ws() {
    while (this.s[this.pos] === " ") this.pos++;
  }

  alternatives(): Node {
    const options = [this.sequence()];
    while (this.s[this.pos] === "|") {
      this.pos++;
      options.push(this.sequence());
    }
    return options.length === 1 ? options[0]! : { t: "alt", options };
  }

  sequence(): Node {
    const items: Node[] = [];
    for (this.ws(); this.pos < this.s.length && this.s[this.pos] !== "|" && this.s[this.pos] !== ")"; this.ws()) {
      let node = this.primary();
      for (let q = this.s[this.pos]; q === "*" || q === "+" || q === "?" || q === "{"; q = this.s[this.pos]) {
        this.pos++;
        if (q === "*") node = { t: "rep", node, min: 0, max: Infinity };
        else if (q === "+") node = { t: "rep", node, min: 1, max: Infinity };
        else if (q === "?") node = { t: "rep", node, min: 0, max: 1 };
        else {
          const m = /^(\d+)(,(\d*))?\}/.exec(this.s.slice(this.pos)) ?? this.fail("bad braces");
          this.pos += m[0].length;
          const min = Number(m[1]);
          node = { t: "rep", node, min, max: m[2] === undefined ? min : m[3] === "" ? Infinity : Number(m[3]) };
        }
      }
      items.push(node);
    }
    return { t: "seq", items };
  }

  char(): number {
    const s = this.s;
    if (s[this.pos] === "\\") {
      const c = s[this.pos + 1]!;
      this.pos += 2;
      const hex = (n: number) => {
        const v = Number.parseInt(s.slice(this.pos, this.pos + n), 16);
        this.pos += n;
        return v;
      };
      if (c === "x") return hex(2);
      if (c === "u") return hex(4);
      if (c === "U") return hex(8);
      const named: Record<string, number> = { t: 9, r: 13, n: 10, "\\": 92, '"': 34, "[": 91, "]": 93, "-": 45 };
      return named[c] ?? this.fail(`unknown escape \\${c}`);
    }
    const cp = s.codePointAt(this.pos)!;
    this.pos += cp > 0xffff ? 2 : 1;
    return cp;
  }

  primary(): Node {
    const c = this.s[this.pos];
    if (c === '"') {
      this.pos++;
      const cps: number[] = [];
      while (this.s[this.pos] !== '"') cps.push(this.char());
      this.pos++;
      return { t: "lit", cps };
    }
    if (c === "[") {
      this.pos++;
      const negated = this.s[this.pos] === "^";
      if (negated) this.pos++;
      const ranges: [number, number][] = [];
      while (this.s[this.pos] !== "]") {
        const lo = this.char();
        if (this.s[this.pos] === "-" && this.s[this.pos + 1] !== "]") {
          this.pos++;
          ranges.push([lo, this.char()]);
        } else ranges.push([lo, lo]);
      }
      this.pos++;
      return { t: "class", ranges, negated };
    }
    if (c === "(") {
      this.pos++;
      const inner = this.alternatives();
      if (this.s[this.pos] !== ")") this.fail("expected )");
      this.pos++;
      return inner;
    }
    const m = /^[a-zA-Z0-9-]+/.exec(this.s.slice(this.pos)) ?? this.fail("unexpected character");
    this.pos += m[0].length;
    return { t: "ref", name: m[0] };
  }
}

export class Gbnf {
  readonly rules = new Map<string, Node>();

  constructor(text: string) {
    for (const line of text.split("\n")) {
      if (!line.trim()) continue;
      const m = /^([a-zA-Z0-9-]+) ::= (.*)$/.exec(line);
      if (!m) throw new Error(`bad rule line: ${line}`);
      if (this.rules.has(m[1]!)) throw new Error(`rule ${m[1]} defined twice`);
      const parser = new Parser(m[2]!);
      const node = parser.alternatives();
      if (parser.pos !== m[2]!.length) parser.fail("trailing text");
      this.rules.set(m[1]!, node);
    }
    for (const [name, node] of this.rules) this.#checkRefs(node, name);
  }

  #checkRefs(node: Node, owner: string): void {
    if (node.t === "ref" && !this.rules.has(node.name)) throw new Error(`${owner} uses undefined rule ${node.name}`);
    if (node.t === "seq") node.items.forEach((n) => this.#checkRefs(n, owner));
    if (node.t === "alt") node.options.forEach((n) => this.#checkRefs(n, owner));
    if (node.t === "rep") this.#checkRefs(node.node, owner);
  }

  /** Whether the root rule matches the whole of `text`. */
  accepts(text: string): boolean {
    return this.#match(text, false);
  }

  /** Whether `text` can be continued into a match (generation cut short by a token limit). */
  acceptsPrefix(text: string): boolean {
    return this.#match(text, true);
  }

  #match(text: string, prefix: boolean): boolean {
    const input = [...text].map((c) => c.codePointAt(0)!);
    const memo = new Map<string, Set<number>>();
    const ends = (node: Node, pos: number): Set<number> => {
      // Prefix mode: at the end of the input every symbol may still be matched by what follows
      // (the converter never emits a rule that matches nothing).
      if (prefix && pos === input.length) return new Set([pos]);
      switch (node.t) {
        case "lit": {
          const fits = node.cps.every((cp, i) => input[pos + i] === cp || (prefix && pos + i >= input.length));
          return fits ? new Set([Math.min(pos + node.cps.length, input.length)]) : new Set();
        }
        case "class": {
          const cp = input[pos];
          if (cp === undefined) return new Set();
          const inside = node.ranges.some(([lo, hi]) => cp >= lo && cp <= hi);
          return inside !== node.negated ? new Set([pos + 1]) : new Set();
        }
        case "ref": {
          const key = `${node.name}@${pos}`;
          const known = memo.get(key);
          if (known) return known;
          memo.set(key, new Set()); // left recursion would see nothing
          const result = ends(this.rules.get(node.name)!, pos);
          memo.set(key, result);
          return result;
        }
        case "seq": {
          let current = new Set([pos]);
          for (const item of node.items) {
            const next = new Set<number>();
            for (const p of current) for (const e of ends(item, p)) next.add(e);
            current = next;
          }
          return current;
        }
        case "alt": {
          const out = new Set<number>();
          for (const o of node.options) for (const e of ends(o, pos)) out.add(e);
          return out;
        }
        case "rep": {
          const out = new Set<number>();
          let frontier = new Set([pos]);
          for (let k = 0; frontier.size > 0; k++) {
            if (k >= node.min) for (const p of frontier) out.add(p);
            if (k === node.max) break;
            const next = new Set<number>();
            for (const p of frontier) for (const e of ends(node.node, p)) if (k + 1 <= node.min || !out.has(e)) next.add(e);
            frontier = next;
          }
          return out;
        }
      }
    };
    return ends({ t: "ref", name: "root" }, 0).has(input.length);
  }
}
