// String formats as GBNF for the content between the quotes. Correct in shape, approximate
// in detail (e.g. 29 February is always allowed), and never needing JSON escapes.
import type { GrammarBuilder } from "./gbnf.ts";

const HOUR = '([01] [0-9] | "2" [0-3])';
const MINUTE = "[0-5] [0-9]";
const DAY = '("0" [1-9] | [12] [0-9])';
// Days per month: 31 for 01 03 05 07 08 10 12, 30 for 04 06 09 11, 29 for 02.
const MONTH_DAY =
  `(("0" [13578] | "1" [02]) "-" (${DAY} | "3" [01]) | ("0" [469] | "11") "-" (${DAY} | "30") | "02-" ${DAY})`;
// Bounded everywhere (RFC 1035/5321 sizes, roughly) so that a model must finish the string.
// A label: alphanumerics, single inner hyphens (narrower than the RFC, never wider).
const LABEL = '[a-zA-Z0-9] ("-"? [a-zA-Z0-9]){0,62}';
const ATEXT = "[a-zA-Z0-9!#$%&'*+/=?\\x5E_`{|}~\\-]";
const DURATION_NUMBER = "[0-9]{1,10}";

type Rule = { body: string; uses?: string[] };

/** ISO 8601 duration parts in order, at least one: "nA (nB)? (nC)? | nB (nC)? | nC". */
function durationParts(a: string, b: string, c: string): string {
  const n = (unit: string) => `${DURATION_NUMBER} "${unit}"`;
  return `${n(a)} (${n(b)})? (${n(c)})? | ${n(b)} (${n(c)})? | ${n(c)}`;
}

const FORMATS: Record<string, Rule> = {
  date: { body: `[0-9]{4} "-" ${MONTH_DAY}` },
  time: { body: `${HOUR} ":" ${MINUTE} ":" ${MINUTE} ("." [0-9]{1,9})? ("Z" | [+-] ${HOUR} ":" ${MINUTE})` },
  "date-time": { body: 'date "T" time', uses: ["date", "time"] },
  uuid: { body: '[0-9a-f]{8} "-" [0-9a-f]{4} "-" [0-9a-f]{4} "-" [0-9a-f]{4} "-" [0-9a-f]{12}' },
  "dns-label": { body: LABEL },
  hostname: { body: 'dns-label ("." dns-label){0,9}', uses: ["dns-label"] },
  // Dot-atom local part (no leading, trailing or double dots), then a domain of 2 to 6 labels.
  email: { body: `${ATEXT} ("."? ${ATEXT}){0,63} "@" dns-label ("." dns-label){1,5}`, uses: ["dns-label"] },
  ipv4: { body: 'ipv4-octet "." ipv4-octet "." ipv4-octet "." ipv4-octet', uses: ["ipv4-octet"] },
  "ipv4-octet": { body: '"25" [0-5] | "2" [0-4] [0-9] | "1" [0-9] [0-9] | [1-9] [0-9] | [0-9]' },
  duration: {
    body: `"P" (duration-date ("T" duration-time)? | "T" duration-time | ${DURATION_NUMBER} "W")`,
    uses: ["duration-date", "duration-time"],
  },
  "duration-date": { body: durationParts("Y", "M", "D") },
  "duration-time": { body: durationParts("H", "M", "S") },
};

export const SUPPORTED_FORMATS = ["date", "time", "date-time", "duration", "uuid", "email", "hostname", "ipv4"] as const;

/** Rule names the formats define; reserved so that no other rule takes them. */
export const FORMAT_RULE_NAMES = Object.keys(FORMATS);

/** The rule for `format`'s string content, or undefined for a format we do not know. */
export function formatRule(builder: GrammarBuilder, format: string): string | undefined {
  if (!(SUPPORTED_FORMATS as readonly string[]).includes(format)) return undefined;
  define(builder, format);
  return format;
}

function define(builder: GrammarBuilder, name: string): void {
  if (builder.isDefined(name)) return;
  const rule = FORMATS[name]!;
  builder.define(name, rule.body);
  for (const used of rule.uses ?? []) define(builder, used);
}
