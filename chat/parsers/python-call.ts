// Llama 3.1 built-in tool calls: `brave_search.call(query="...", count=3)` keyword arguments
// written as Python literals, turned into a JSON arguments object.

function literal(src: string, pos: number): { value: unknown; end: number } | undefined {
  const q = src[pos];
  if (q === '"' || q === "'") {
    let out = "";
    for (let i = pos + 1; i < src.length; i++) {
      const ch = src[i]!;
      if (ch === q) return { value: out, end: i + 1 };
      if (ch === "\\" && i + 1 < src.length) {
        const e = src[++i]!;
        out += e === "n" ? "\n" : e === "t" ? "\t" : e === "r" ? "\r" : e;
      } else out += ch;
    }
    return undefined;
  }
  const m = /^[^,)]*/.exec(src.slice(pos))![0];
  const word = m.trim();
  if (!word) return undefined;
  const end = pos + m.length;
  if (word === "True" || word === "False") return { value: word === "True", end };
  if (word === "None") return { value: null, end };
  const n = Number(word);
  if (Number.isFinite(n)) return { value: n, end };
  try {
    return { value: JSON.parse(word), end };
  } catch {
    return { value: word, end };
  }
}

/** `k="v", n=1` (the text between the parentheses) to an object; undefined when it is not that. */
export function parseKwargs(src: string): Record<string, unknown> | undefined {
  const out: Record<string, unknown> = {};
  let pos = 0;
  for (;;) {
    const m = /^\s*(?:([A-Za-z_]\w*)\s*=\s*)?/.exec(src.slice(pos))!;
    if (pos + m[0].length >= src.length && !m[1]) return /^\s*$/.test(src.slice(pos)) ? out : undefined;
    if (!m[1]) return undefined;
    pos += m[0].length;
    const v = literal(src, pos);
    if (!v) return undefined;
    out[m[1]] = v.value;
    const rest = /^\s*(,?)/.exec(src.slice(v.end))!;
    pos = v.end + rest[0].length;
    if (!rest[1]) return /^\s*$/.test(src.slice(pos)) ? out : undefined;
  }
}

/** Index just past the `)` closing a call whose `(` was already read, or -1 if not there yet. */
export function closingParen(src: string, from: number, state: { quote: string; esc: boolean; depth: number }): number {
  for (let i = from; i < src.length; i++) {
    const ch = src[i]!;
    if (state.quote) {
      if (state.esc) state.esc = false;
      else if (ch === "\\") state.esc = true;
      else if (ch === state.quote) state.quote = "";
    } else if (ch === '"' || ch === "'") state.quote = ch;
    else if (ch === "(") state.depth++;
    else if (ch === ")" && state.depth-- === 0) return i + 1;
  }
  return -1;
}
