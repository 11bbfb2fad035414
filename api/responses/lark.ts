// A Lark grammar (custom tools' `format: {type: "grammar", syntax: "lark"}`) as one regular
// expression, when the language is regular: rules are inlined from `start`, so recursion,
// %ignore, templates and case-insensitive literals cannot be translated and are named instead.
// The regex then goes through the JSON-schema pattern compiler, which writes the GBNF.

export type LarkTranslation = { regex: string } | { error: string };

/** Terminals of Lark's common.lark that grammars import, as regexes. */
const COMMON: Record<string, string> = {
  LF: "\\n",
  CR: "\\r",
  NEWLINE: "(?:\\r?\\n)+",
  WS: "[ \\t\\f\\r\\n]+",
  WS_INLINE: "[ \\t]+",
  DIGIT: "[0-9]",
  HEXDIGIT: "[0-9a-fA-F]",
  INT: "[0-9]+",
  SIGNED_INT: "[+-]?[0-9]+",
  DECIMAL: "(?:[0-9]+\\.[0-9]*|\\.[0-9]+)",
  LCASE_LETTER: "[a-z]",
  UCASE_LETTER: "[A-Z]",
  LETTER: "[a-zA-Z]",
  WORD: "[a-zA-Z]+",
  CNAME: "[_a-zA-Z][_a-zA-Z0-9]*",
  ESCAPED_STRING: '"(?:[^"\\\\]|\\\\.)*"',
};

type Token = { kind: "name" | "string" | "regex" | "number" | "op"; text: string; flags?: string };

class Untranslatable extends Error {}

export function larkToRegex(source: string): LarkTranslation {
  try {
    const rules = definitions(source);
    if (!rules.has("start")) throw new Untranslatable("no 'start' rule");
    return { regex: new Inliner(rules).rule("start") };
  } catch (err) {
    if (err instanceof Untranslatable) return { error: err.message };
    throw err;
  }
}

/** name -> its tokens after the colon, continuation lines joined; imports resolved to COMMON. */
function definitions(source: string): Map<string, Token[]> {
  const rules = new Map<string, Token[]>();
  let current: Token[] | undefined;
  for (const rawLine of source.split("\n")) {
    const line = rawLine.replace(/(^|\s)\/\/.*$/, "");
    if (!line.trim()) continue;
    const continued = /^\s/.test(line) || line.trim().startsWith("|");
    if (continued) {
      if (!current) throw new Untranslatable(`a line continues nothing: '${line.trim()}'`);
      current.push(...tokenize(line));
      continue;
    }
    const trimmed = line.trim();
    if (trimmed.startsWith("%")) {
      directive(trimmed, rules);
      current = undefined;
      continue;
    }
    const head = /^[?!]?([A-Za-z_][A-Za-z0-9_]*)(?:\.-?\d+)?\s*(\{[^}]*\})?\s*:(.*)$/.exec(trimmed);
    if (!head) throw new Untranslatable(`cannot read the line '${trimmed}'`);
    if (head[2]) throw new Untranslatable(`rule templates (${head[1]}${head[2]})`);
    current = tokenize(head[3]!);
    rules.set(head[1]!, current);
  }
  return rules;
}

function directive(line: string, rules: Map<string, Token[]>): void {
  const imp = /^%import\s+common\s*(?:\.\s*([A-Z_]+)(?:\s*->\s*([A-Za-z_]+))?|\(([^)]*)\))\s*$/.exec(line);
  if (imp) {
    const names = imp[1] ? [[imp[1], imp[2] ?? imp[1]]] : imp[3]!.split(",").map((n) => [n.trim(), n.trim()]);
    for (const [name, as] of names) {
      const regex = COMMON[name!];
      if (!regex) throw new Untranslatable(`%import common.${name}`);
      rules.set(as!, [{ kind: "regex", text: regex, flags: "" }]);
    }
    return;
  }
  // %ignore lets text appear anywhere between tokens; %declare needs a custom lexer.
  throw new Untranslatable(line.split(/\s/)[0]!);
}

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  const re = /\s*(?:("(?:[^"\\]|\\.)*")(i?)|\/((?:[^/\\\n]|\\.)+)\/([imsux]*)|([?!]?[A-Za-z_][A-Za-z0-9_]*)|(\d+)|(->|\.\.|[|()[\]?*+~]))/y;
  let at = 0;
  while (at < text.length) {
    if (!text.slice(at).trim()) break;
    re.lastIndex = at;
    const m = re.exec(text);
    if (!m) throw new Untranslatable(`cannot read '${text.slice(at).trim()}'`);
    at = re.lastIndex;
    if (m[1]) {
      if (m[2]) throw new Untranslatable(`case-insensitive literal ${m[1]}i`);
      tokens.push({ kind: "string", text: JSON.parse(m[1]) as string });
    } else if (m[3] !== undefined) tokens.push({ kind: "regex", text: m[3], flags: m[4] });
    else if (m[5]) tokens.push({ kind: "name", text: m[5].replace(/^[?!]/, "") });
    else if (m[6]) tokens.push({ kind: "number", text: m[6] });
    else tokens.push({ kind: "op", text: m[7]! });
  }
  return tokens;
}

const escapeRegex = (s: string) => s.replace(/[.*+?^${}()|[\]\\/-]/g, "\\$&").replace(/\n/g, "\\n").replace(/\r/g, "\\r").replace(/\t/g, "\\t");

/** Inlines rules into one regex; a rule met again while it is being inlined is recursion. */
class Inliner {
  private readonly active = new Set<string>();
  private readonly done = new Map<string, string>();
  private tokens: Token[] = [];
  private pos = 0;

  constructor(private readonly rules: Map<string, Token[]>) {}

  rule(name: string): string {
    const cached = this.done.get(name);
    if (cached !== undefined) return cached;
    const body = this.rules.get(name);
    if (!body) throw new Untranslatable(`'${name}' is used but not defined`);
    if (this.active.has(name)) throw new Untranslatable(`'${name}' is recursive`);
    this.active.add(name);
    const [saved, savedPos] = [this.tokens, this.pos];
    this.tokens = body;
    this.pos = 0;
    const regex = this.alternatives();
    if (this.pos < this.tokens.length) throw new Untranslatable(`unexpected '${this.tokens[this.pos]!.text}' in '${name}'`);
    [this.tokens, this.pos] = [saved, savedPos];
    this.active.delete(name);
    this.done.set(name, regex);
    return regex;
  }

  private peek = () => this.tokens[this.pos];
  private isOp = (text: string) => this.peek()?.kind === "op" && this.peek()!.text === text;

  private alternatives(): string {
    const options = [this.sequence()];
    while (this.isOp("|")) {
      this.pos++;
      options.push(this.sequence());
    }
    return options.length === 1 ? options[0]! : `(?:${options.join("|")})`;
  }

  private sequence(): string {
    let out = "";
    for (;;) {
      const tok = this.peek();
      if (!tok || (tok.kind === "op" && ["|", ")", "]"].includes(tok.text))) return out;
      if (tok.kind === "op" && tok.text === "->") {
        // An alias names the tree node; the text it matches is the same.
        this.pos += 2;
        continue;
      }
      out += this.repeated();
    }
  }

  private repeated(): string {
    const atom = this.atom();
    const tok = this.peek();
    if (tok?.kind !== "op") return atom;
    if (tok.text === "?" || tok.text === "*" || tok.text === "+") {
      this.pos++;
      return `(?:${atom})${tok.text}`;
    }
    if (tok.text === "~") {
      this.pos++;
      const min = this.number();
      if (!this.isOp("..")) return `(?:${atom}){${min}}`;
      this.pos++;
      return `(?:${atom}){${min},${this.number()}}`;
    }
    return atom;
  }

  private number(): string {
    const tok = this.tokens[this.pos++];
    if (tok?.kind !== "number") throw new Untranslatable("a repeat count is missing");
    return tok.text;
  }

  private atom(): string {
    const tok = this.tokens[this.pos++];
    if (!tok) throw new Untranslatable("an expression ends early");
    switch (tok.kind) {
      case "string": {
        if (!this.isOp("..")) return escapeRegex(tok.text);
        this.pos++;
        const to = this.tokens[this.pos++];
        if (to?.kind !== "string" || [...tok.text].length !== 1 || [...to.text].length !== 1) throw new Untranslatable("a range needs two one-character literals");
        return `[${escapeRegex(tok.text)}-${escapeRegex(to.text)}]`;
      }
      case "regex":
        if (tok.flags) throw new Untranslatable(`regex flags /${tok.text}/${tok.flags}`);
        return `(?:${tok.text})`;
      case "name":
        return this.rule(tok.text);
      case "op":
        if (tok.text === "(" || tok.text === "[") {
          const inner = this.alternatives();
          const close = tok.text === "(" ? ")" : "]";
          if (!this.isOp(close)) throw new Untranslatable(`'${tok.text}' is not closed`);
          this.pos++;
          return tok.text === "(" ? `(?:${inner})` : `(?:${inner})?`;
        }
    }
    throw new Untranslatable(`unexpected '${tok.text}'`);
  }
}
