// Array grammars: positional items (prefixItems), then items of one schema, with the total
// count between minItems and maxItems.
import { type GrammarBuilder, optional, seq } from "./gbnf.ts";
import { primitive } from "./primitives.ts";

export interface ArrayShape {
  /** GBNF per leading position. */
  prefix: string[];
  /** GBNF for every later item; null when no more are allowed. */
  rest: string | null;
  minItems: number;
  maxItems: number | undefined;
}

export function arrayGrammar(b: GrammarBuilder, hint: string, shape: ArrayShape, path: string): string {
  const space = primitive(b, "space");
  const comma = seq(['","', space]);
  const { prefix, rest, minItems } = shape;
  const maxItems = shape.maxItems ?? Number.POSITIVE_INFINITY;

  // Items from position i on, given i items written before.
  const from = (i: number): string => {
    if (i >= maxItems) return "";
    if (i < prefix.length) {
      const item = seq([i > 0 ? comma : "", prefix[i]!, space, from(i + 1)]);
      return i < minItems ? item : optional(item);
    }
    if (rest === null) return "";
    const low = Math.max(0, minItems - i);
    const high = shape.maxItems === undefined ? undefined : shape.maxItems - i;
    const next = seq([comma, rest, space]);
    if (i > 0) return b.repeat(next, low, high, `${hint}-item`, "maxItems", path);
    // The first item has no comma before it.
    const first = seq([rest, space]);
    const more = b.repeat(next, Math.max(0, low - 1), high === undefined ? undefined : high - 1, `${hint}-item`, "maxItems", path);
    const some = seq([first, more]);
    return low === 0 ? optional(some) : some;
  };
  return seq(['"["', space, from(0), '"]"']);
}
