// The shared rules every grammar may use: bounded whitespace and any JSON value.
// Each is added on first use under a fixed, reserved name.
import type { GrammarBuilder } from "./gbnf.ts";

/** Integer digits beyond the sign: 16 covers every safe integer and stops endless digits. */
export const MAX_INT_DIGITS = 16;
/** Fraction and exponent digits, bounded for the same reason. */
export const MAX_FRAC_DIGITS = 20;
const MAX_EXP_DIGITS = 2;

const RULES: Record<string, { body: string; uses: string[] }> = {
  // Bounded: a model must not be able to emit whitespace forever.
  space: { body: '("\\n" [ \\t]{0,20} | " ")?', uses: [] },
  char: { body: '[^"\\\\\\x00-\\x1F] | "\\\\" (["\\\\/bfnrt] | "u" [0-9a-fA-F]{4})', uses: [] },
  string: { body: '"\\"" char* "\\""', uses: ["char"] },
  boolean: { body: '"true" | "false"', uses: [] },
  integer: { body: `"-"? ("0" | [1-9] [0-9]{0,${MAX_INT_DIGITS - 1}})`, uses: [] },
  number: {
    body: `"-"? ("0" | [1-9] [0-9]{0,${MAX_INT_DIGITS - 1}}) ("." [0-9]{1,${MAX_FRAC_DIGITS}})? ([eE] [-+]? [0-9]{1,${MAX_EXP_DIGITS}})?`,
    uses: [],
  },
  member: { body: 'string space ":" space value space', uses: ["string", "space", "value"] },
  object: { body: '"{" space (member ("," space member)*)? "}"', uses: ["space", "member"] },
  array: { body: '"[" space (value space ("," space value space)*)? "]"', uses: ["space", "value"] },
  value: { body: 'object | array | string | number | boolean | "null"', uses: ["object", "array", "string", "number", "boolean"] },
};

export const PRIMITIVE_NAMES: readonly string[] = Object.keys(RULES);

/** Adds primitive `name` (and what it uses) to the grammar; returns its name. */
export function primitive(builder: GrammarBuilder, name: keyof typeof RULES & string): string {
  const rule = RULES[name];
  if (!rule) throw new Error(`no primitive rule ${name}`);
  if (!builder.isDefined(name)) {
    builder.define(name, rule.body);
    for (const used of rule.uses) primitive(builder, used);
  }
  return name;
}
