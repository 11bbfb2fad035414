// JSON Schema "pattern" compiled to GBNF over the JSON-encoded string content: a regex class
// means decoded characters, so '"', '\\' and control characters appear in their escaped form.
import { UnsupportedSchemaError } from "./errors.ts";
import { alt, literal, seq, type GrammarBuilder } from "./gbnf.ts";
import { jsonChar, jsonCharSet } from "./charset.ts";
import { type Node, Parser } from "./regex-parser.ts";
import { primitive } from "./primitives.ts";

/** Compiles the tree; null stands for "matches nothing" (e.g. [^\s\S]). */
class Compiler {
  constructor(readonly builder: GrammarBuilder, readonly hint: string, readonly path: string) {}

  compile(node: Node): string | null {
    switch (node.kind) {
      case "set": {
        if (node.set.length === 0) return null;
        const [lo, hi] = node.set[0]!;
        return node.set.length === 1 && lo === hi ? literal(jsonChar(lo)) : jsonCharSet(node.set);
      }
      case "seq": {
        const parts = node.items.map((item) => this.compile(item));
        return parts.includes(null) ? null : seq(parts as string[]);
      }
      case "alt": {
        const options = node.options.map((o) => this.compile(o)).filter((o): o is string => o !== null);
        return options.length === 0 ? null : alt(options);
      }
      case "repeat": {
        const inner = this.compile(node.node);
        if (inner === null) return node.min === 0 ? "" : null;
        return this.builder.repeat(inner, node.min, node.max, `${this.hint}-rep`, "pattern", this.path);
      }
      case "anchor": throw new UnsupportedSchemaError("pattern", this.path, `"${node.which}" is only supported at the start or end`);
    }
  }
}

function isRegExp(pattern: string): boolean {
  // Either dialect: Unicode mode rejects identity escapes such as "\-" that many schemas use.
  for (const flags of ["", "u"]) {
    try {
      new RegExp(pattern, flags);
      return true;
    } catch {}
  }
  return false;
}

/** GBNF for the content (between the quotes) of JSON strings that match `pattern`. */
export function patternToGrammar(builder: GrammarBuilder, pattern: string, hint: string, path: string): string {
  if (!isRegExp(pattern)) throw new UnsupportedSchemaError("pattern", path, `invalid regular expression /${pattern}/`);
  const tree = new Parser(pattern, path).parse();
  const compiler = new Compiler(builder, hint, path);
  const options = tree.kind === "alt" ? tree.options : [tree];
  // JSON Schema patterns are unanchored: a side without ^ or $ may hold any other text.
  const anyText = `${primitive(builder, "char")}*`;
  const compiled: string[] = [];
  for (const option of options) {
    const items = option.kind === "seq" ? [...option.items] : [option];
    const isAnchor = (node: Node | undefined, which: string) => node?.kind === "anchor" && node.which === which;
    let start = false;
    let end = false;
    while (isAnchor(items[0], "^")) {
      items.shift();
      start = true;
    }
    while (isAnchor(items.at(-1), "$")) {
      items.pop();
      end = true;
    }
    const body = compiler.compile({ kind: "seq", items });
    if (body !== null) compiled.push(seq([start ? "" : anyText, body, end ? "" : anyText]));
  }
  if (compiled.length === 0) throw new UnsupportedSchemaError("pattern", path, `/${pattern}/ matches nothing`);
  return alt(compiled);
}
