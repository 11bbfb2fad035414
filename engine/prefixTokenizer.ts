// Tokenizes a prompt that extends one tokenized before by reusing that prompt's tokens. Agents and
// chat clients send the whole conversation every turn, so most of a prompt's text was tokenized
// the turn before; measured here, a 1,800-token Qwen prompt took 4-7 ms in the tokenizer process
// on the path of every later turn, a few percent of its time to first token.
//
// Why reuse is exact: with parse_special, llama.cpp first splits the text at every special token
// (<|im_start|>, ...) and tokenizes each stretch of text between them on its own (SPM adds its
// space prefix after a special token, so that too depends only on the stretch). So the tokens of
// the text before a special token are the tokens of that text alone, and a new prompt that shares
// the text up to a special token shares its tokens up to there; only the rest is tokenized.
// Tokens that could make a split ambiguous are never used as cut points (see splitTokens).
import { TokenAttr, VocabType, type SpecialToken } from "../ffi/vocab.ts";

/** What reuse needs to know of a vocabulary. */
export interface VocabTraits {
  type: number;
  addBos: boolean;
  /** Tokenizing with add_special appends EOS or SEP: no prefix of such a result is a prefix of another. */
  addsAtEnd: boolean;
  special: SpecialToken[];
}

export interface PrefixTokenizerLimits {
  /** Prompts remembered. */
  entries: number;
  /** Their text, in UTF-16 code units, all together. */
  chars: number;
}

const DEFAULT_LIMITS: PrefixTokenizerLimits = { entries: 16, chars: 16 * 1024 * 1024 };

/** A place a remembered prompt can be cut: the split token `index` starts at text `offset`. */
interface Cut {
  offset: number;
  index: number;
}

interface Entry {
  text: string;
  addSpecial: boolean;
  tokens: Int32Array;
  cuts: Cut[];
}

export class PrefixTokenizer {
  readonly #splitters: Map<number, string>;
  /** The longest special token's text: a cut this far inside the shared text cannot be part of a longer match in the new one. */
  readonly #margin: number;
  readonly #addBos: boolean;
  #entries: Entry[] = [];
  #chars = 0;
  /** Tokens the last call took from a remembered prompt. */
  lastReused = 0;

  constructor(
    traits: VocabTraits,
    private readonly tokenize: (text: string, addSpecial: boolean) => Int32Array,
    private readonly limits: PrefixTokenizerLimits = DEFAULT_LIMITS,
  ) {
    this.#splitters = splitTokens(traits);
    this.#margin = traits.special.reduce((longest, t) => Math.max(longest, t.text.length), 0);
    this.#addBos = traits.addBos;
  }

  /** Whether this vocabulary allows reuse at all. */
  get reuses(): boolean {
    return this.#splitters.size > 0;
  }

  /** The prompt's tokens, as `tokenize(text, addSpecial)` gives them. */
  tokens(text: string, addSpecial: boolean): Int32Array {
    const reused = this.reuses ? this.#reuse(text, addSpecial) : undefined;
    let tokens: Int32Array;
    let cuts: Cut[] = [];
    if (reused) {
      const cut = reused.entry.cuts[reused.at]!;
      const rest = this.tokenize(text.slice(cut.offset), false);
      tokens = new Int32Array(cut.index + rest.length);
      tokens.set(reused.entry.tokens.subarray(0, cut.index));
      tokens.set(rest, cut.index);
      // The cuts before this one are the remembered prompt's; only the new text is searched.
      cuts = reused.entry.cuts.slice(0, reused.at).concat(this.#cuts(text, tokens, cut.index, cut.offset));
      this.lastReused = cut.index;
    } else {
      tokens = this.tokenize(text, addSpecial);
      // A BOS that add_special put in front is not in the text.
      if (this.reuses) cuts = this.#cuts(text, tokens, addSpecial && this.#addBos ? 1 : 0, 0);
      this.lastReused = 0;
    }
    this.#remember({ text, addSpecial, tokens, cuts });
    return tokens;
  }

  /** The remembered prompt and its cut (by position in its cuts) that leave the least text to tokenize. */
  #reuse(text: string, addSpecial: boolean): { entry: Entry; at: number } | undefined {
    let best: { entry: Entry; at: number } | undefined;
    for (const entry of this.#entries) {
      if (entry.addSpecial !== addSpecial) continue;
      const at = lastCutAtOrBefore(entry.cuts, commonPrefixLength(entry.text, text) - this.#margin);
      if (at >= 0 && entry.cuts[at]!.index > (best ? best.entry.cuts[best.at]!.index : 0)) best = { entry, at };
    }
    return best;
  }

  #remember(entry: Entry): void {
    if (!this.reuses || entry.text.length > this.limits.chars) return;
    const same = this.#entries.findIndex((e) => e.addSpecial === entry.addSpecial && e.text === entry.text);
    if (same >= 0) this.#chars -= this.#entries.splice(same, 1)[0]!.text.length;
    this.#entries.push(entry);
    this.#chars += entry.text.length;
    while (this.#entries.length > this.limits.entries || this.#chars > this.limits.chars) {
      this.#chars -= this.#entries.shift()!.text.length;
    }
  }

  /** Where each split token of `tokens` from `index` on starts in `text`, searched from `offset`.
   *  Every occurrence of a split token's text is that token (splitTokens), so the next
   *  occurrence after the last one found is the next one. */
  #cuts(text: string, tokens: Int32Array, index: number, offset: number): Cut[] {
    const cuts: Cut[] = [];
    for (let from = offset; index < tokens.length; index++) {
      const split = this.#splitters.get(tokens[index]!);
      if (split === undefined) continue;
      const at = text.indexOf(split, from);
      if (at < 0) break;
      cuts.push({ offset: at, index });
      from = at + split.length;
    }
    return cuts;
  }
}

/**
 * The special tokens a prompt may be cut at, by id. Only where llama.cpp tokenizes each stretch
 * between special tokens alone (SPM, BPE) and adds nothing at the end. A cut token must also:
 * - not strip the whitespace before it (LSTRIP): that whitespace belongs to the stretch before;
 * - have a text that no other special token's text contains or overlaps (its first character
 *   appears in none of them past their start, its last before their end), so that every
 *   occurrence of its text in a prompt is that token, and its place is found by searching;
 * - have no whitespace at its ends (the stripping of a neighbour could take it) and be the only
 *   token with that text.
 */
export function splitTokens(traits: VocabTraits): Map<number, string> {
  const splitters = new Map<number, string>();
  if ((traits.type !== VocabType.SPM && traits.type !== VocabType.BPE) || traits.addsAtEnd) return splitters;
  const afterStart = new Set<string>();
  const beforeEnd = new Set<string>();
  const tokensWithText = new Map<string, number>();
  for (const { text } of traits.special) {
    for (let i = 1; i < text.length; i++) afterStart.add(text[i]!);
    for (let i = 0; i < text.length - 1; i++) beforeEnd.add(text[i]!);
    tokensWithText.set(text, (tokensWithText.get(text) ?? 0) + 1);
  }
  for (const { id, text, attr } of traits.special) {
    if (!(attr & (TokenAttr.CONTROL | TokenAttr.USER_DEFINED)) || attr & TokenAttr.LSTRIP) continue;
    if (text.length < 2 || text.trim() !== text || tokensWithText.get(text) !== 1) continue;
    if (afterStart.has(text[0]!) || beforeEnd.has(text[text.length - 1]!)) continue;
    splitters.set(id, text);
  }
  return splitters;
}

/** The length of the longest common prefix of two strings, compared a block at a time. */
export function commonPrefixLength(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  const BLOCK = 1024;
  let i = 0;
  while (i + BLOCK <= n && a.substring(i, i + BLOCK) === b.substring(i, i + BLOCK)) i += BLOCK;
  while (i < n && a.charCodeAt(i) === b.charCodeAt(i)) i++;
  return i;
}

/** The position of the last cut whose offset is at most `limit` (cuts are in offset order); -1 for none. */
function lastCutAtOrBefore(cuts: Cut[], limit: number): number {
  let lo = 0;
  let hi = cuts.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (cuts[mid]!.offset <= limit) lo = mid + 1;
    else hi = mid;
  }
  return lo - 1;
}
