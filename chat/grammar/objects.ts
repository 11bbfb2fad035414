// Object grammars: declared properties in declared order (required ones always, optional
// ones may be skipped), then any additional properties. Separators are placed so that every
// token is followed by exactly one `space`, which keeps the grammar unambiguous.
import { type CharSet, RAW_JSON_CHARS, classOf, subtract } from "./charset.ts";
import { alt, type GrammarBuilder, literal, optional, seq } from "./gbnf.ts";
import { primitive } from "./primitives.ts";

export interface Member {
  name: string;
  /** GBNF for the value. */
  value: string;
  required: boolean;
}

export interface Additional {
  /** GBNF for the key, quotes included. */
  key: string;
  value: string;
}

/** The object grammar; `additional` null when no other properties are allowed. */
export function objectGrammar(b: GrammarBuilder, hint: string, members: Member[], additional: Additional | null): string {
  const space = primitive(b, "space");
  const comma = seq(['","', space]);
  const kv = members.map((m) => b.rule(`${hint}-${m.name}-kv`, seq([literal(JSON.stringify(m.name)), space, '":"', space, m.value, space])));
  const extra = additional && b.rule(`${hint}-additional-kv`, seq([additional.key, space, '":"', space, additional.value, space]));
  const extrasAfter = extra ? `${b.rule(`${hint}-additional-next`, seq([comma, extra]))}*` : "";

  const firstRequired = members.findIndex((m) => m.required);
  // The first member written is an optional one before the first required, or that one.
  const lastStart = firstRequired < 0 ? members.length - 1 : firstRequired;
  // after[i]: the members from i on, once something has been written (each needs a comma).
  // Where several starts share a tail, it is a named rule, so the grammar stays linear in size.
  const after: string[] = [];
  after[members.length] = extrasAfter;
  for (let i = members.length - 1; i >= 0; i--) {
    const item = seq([comma, kv[i]!]);
    const body = seq([members[i]!.required ? item : optional(item), after[i + 1]!]);
    const shared = lastStart > 0 && i >= 1 && i <= lastStart + 1;
    after[i] = shared ? b.rule(`${hint}-after-${members[i - 1]!.name}`, body) : body;
  }
  const starts: string[] = [];
  for (let i = 0; i <= lastStart; i++) starts.push(seq([kv[i]!, after[i + 1]!]));
  if (firstRequired < 0) starts.push(extra ? optional(seq([extra, extrasAfter])) : "");
  return seq(['"{"', space, alt(starts), '"}"']);
}

interface TrieNode {
  end: boolean;
  children: Map<number, TrieNode>;
}

/**
 * A JSON string key that is none of `names`, so an additional property can never repeat a
 * declared one. Written without escapes (a subset of keys) so that no escape can spell a name.
 */
export function keyExcluding(b: GrammarBuilder, hint: string, names: string[]): string {
  if (names.length === 0) return primitive(b, "string");
  const root: TrieNode = { end: false, children: new Map() };
  for (const name of names) {
    let node = root;
    for (const ch of name) {
      const cp = ch.codePointAt(0)!;
      let next = node.children.get(cp);
      if (!next) node.children.set(cp, (next = { end: false, children: new Map() }));
      node = next;
    }
    node.end = true;
  }
  const anyRest = b.rule("key-rest", `${classOf(RAW_JSON_CHARS)}* "\\""`);
  let count = 0;
  const visit = (node: TrieNode): string => {
    const parts: string[] = node.end ? [] : ['"\\""'];
    const taken: CharSet = [];
    for (const [cp, child] of node.children) {
      if (!RAW_JSON_CHARS.some(([lo, hi]) => cp >= lo && cp <= hi)) continue; // needs an escape: unreachable
      taken.push([cp, cp]);
      parts.push(seq([literal(String.fromCodePoint(cp)), visit(child)]));
    }
    const others = subtract(RAW_JSON_CHARS, taken.sort((x, y) => x[0] - y[0]));
    if (others.length > 0) parts.push(seq([classOf(others), anyRest]));
    return b.rule(`${hint}-key-${count++}`, alt(parts));
  };
  return seq(['"\\""', visit(root)]);
}
