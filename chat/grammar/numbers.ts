// Integers and numbers with minimum/maximum as exact GBNF digit patterns. Bounded numbers are
// written without an exponent (a subset of JSON's spellings, but every one is in range).
import { UnsupportedSchemaError } from "./errors.ts";
import { alt, literal, optional, seq } from "./gbnf.ts";
import { MAX_FRAC_DIGITS, MAX_INT_DIGITS } from "./primitives.ts";

const TEN = 10n;
const LARGEST = TEN ** BigInt(MAX_INT_DIGITS) - 1n;

function anyDigits(n: number): string {
  return n === 0 ? "" : n === 1 ? "[0-9]" : `[0-9]{${n}}`;
}

function digitRange(a: number, b: number): string {
  return a === b ? literal(String(a)) : `[${a}-${b}]`;
}

/** Digit strings of lo's length between lo and hi (same length). */
function sameLength(lo: string, hi: string): string {
  if (lo === hi) return lo === "" ? "" : literal(lo);
  let common = 0;
  while (lo[common] === hi[common]) common++;
  if (common > 0) return seq([literal(lo.slice(0, common)), sameLength(lo.slice(common), hi.slice(common))]);
  const rest = lo.length - 1;
  const loRest = lo.slice(1);
  const hiRest = hi.slice(1);
  const lo0 = Number(lo[0]);
  const hi0 = Number(hi[0]);
  const parts: string[] = [];
  // Split into: lo's first digit, the whole digits between, hi's first digit.
  const from = /^0*$/.test(loRest) ? lo0 : lo0 + 1;
  const to = /^9*$/.test(hiRest) ? hi0 : hi0 - 1;
  if (from !== lo0) parts.push(seq([literal(lo[0]!), sameLength(loRest, "9".repeat(rest))]));
  if (from <= to) parts.push(seq([digitRange(from, to), anyDigits(rest)]));
  if (to !== hi0) parts.push(seq([literal(hi[0]!), sameLength("0".repeat(rest), hiRest)]));
  return alt(parts);
}

/** Alternatives for natural numbers lo..hi without leading zeros (hi undefined: up to LARGEST). */
function naturals(lo: bigint, hi: bigint | undefined): string[] {
  const top = hi === undefined || hi > LARGEST ? LARGEST : hi;
  if (lo > top) return [];
  const parts: string[] = [];
  const loLen = lo.toString().length;
  const topLen = top.toString().length;
  for (let len = loLen; len <= topLen; len++) {
    const first = len === 1 ? 0n : TEN ** BigInt(len - 1);
    const last = TEN ** BigInt(len) - 1n;
    const a = lo > first ? lo : first;
    const b = top < last ? top : last;
    if (hi === undefined && a === first && len > 1) {
      // Every longer number: one pattern for all remaining lengths.
      parts.push(seq(["[1-9]", len === topLen ? anyDigits(len - 1) : `[0-9]{${len - 1},${topLen - 1}}`]));
      break;
    }
    parts.push(sameLength(a.toString(), b.toString()));
  }
  return parts;
}

/** Integers in [min, max] (either may be undefined: unbounded). */
export function integerRange(min: bigint | undefined, max: bigint | undefined, path: string): string {
  const parts: string[] = [];
  if (max === undefined || max >= 0n) parts.push(...naturals(min !== undefined && min > 0n ? min : 0n, max));
  if (min === undefined || min < 0n) {
    // Negative values -v with v in [max(1, -max), -min].
    const low = max !== undefined && max < 0n ? -max : 1n;
    const negatives = naturals(low, min === undefined ? undefined : -min);
    if (negatives.length > 0) parts.push(seq(['"-"', alt(negatives)]));
  }
  if (parts.length === 0) throw new UnsupportedSchemaError("minimum", path, "no integer satisfies minimum and maximum");
  return alt(parts);
}

/** A non-negative decimal bound: integer part, fraction digits without trailing zeros. */
interface Magnitude {
  int: bigint;
  frac: string;
  exclusive: boolean;
}

interface FracBound {
  digits: string;
  exclusive: boolean;
}

/** Fraction digit strings (after "."): `empty` when no fraction at all is allowed. */
interface Fraction {
  empty: boolean;
  digits: string | null;
}

const ANY_FRACTION: Fraction = { empty: true, digits: `[0-9]{1,${MAX_FRAC_DIGITS}}` };
const TAIL = `[0-9]{0,${MAX_FRAC_DIGITS}}`;

/** Fraction digit strings d with lo <= 0.d <= hi (strict where marked); hi undefined: < 1. */
function fraction(lo: FracBound, hi: FracBound | undefined): Fraction {
  if (!hi) {
    if (lo.digits === "") {
      return lo.exclusive ? { empty: false, digits: `"0"{0,${MAX_FRAC_DIGITS}} [1-9] ${TAIL}` } : ANY_FRACTION;
    }
  } else if (lo.digits === "" && hi.digits === "") {
    return lo.exclusive || hi.exclusive ? { empty: false, digits: null } : { empty: true, digits: `"0"{1,${MAX_FRAC_DIGITS}}` };
  }
  const l0 = Number(lo.digits[0] ?? "0");
  const loRest = { digits: lo.digits.slice(1), exclusive: lo.exclusive };
  const parts: string[] = [];
  const follow = (digit: number, rest: Fraction) => {
    if (rest.digits === null && !rest.empty) return;
    parts.push(seq([literal(String(digit)), rest.digits === null ? "" : rest.empty ? optional(rest.digits) : rest.digits]));
  };
  if (!hi) {
    follow(l0, fraction(loRest, undefined));
    if (l0 < 9) parts.push(seq([digitRange(l0 + 1, 9), TAIL]));
  } else {
    const h0 = Number(hi.digits[0] ?? "0");
    const hiRest = { digits: hi.digits.slice(1), exclusive: hi.exclusive };
    if (l0 === h0) follow(l0, fraction(loRest, hiRest));
    else {
      follow(l0, fraction(loRest, undefined));
      if (l0 + 1 <= h0 - 1) parts.push(seq([digitRange(l0 + 1, h0 - 1), TAIL]));
      follow(h0, fraction({ digits: "", exclusive: false }, hiRest));
    }
  }
  return { empty: lo.digits === "" && !lo.exclusive, digits: parts.length > 0 ? alt(parts) : null };
}

function withFraction(intPart: string, f: Fraction): string | null {
  if (f.digits === null) return f.empty ? intPart : null;
  const dotted = seq(['"."', f.digits]);
  return seq([intPart, f.empty ? optional(dotted) : dotted]);
}

/** Magnitudes (no sign) between lo and hi (hi undefined: unbounded). */
function magnitudes(lo: Magnitude, hi: Magnitude | undefined): string[] {
  const out: (string | null)[] = [];
  const loFrac = { digits: lo.frac, exclusive: lo.exclusive };
  if (hi && hi.int === lo.int) {
    if (compareMagnitude(lo, hi) > 0) return [];
    out.push(withFraction(literal(lo.int.toString()), fraction(loFrac, { digits: hi.frac, exclusive: hi.exclusive })));
  } else {
    if (hi && hi.int < lo.int) return [];
    out.push(withFraction(literal(lo.int.toString()), fraction(loFrac, undefined)));
    const between = naturals(lo.int + 1n, hi ? hi.int - 1n : undefined);
    if (between.length > 0) out.push(withFraction(alt(between), ANY_FRACTION));
    if (hi) out.push(withFraction(literal(hi.int.toString()), fraction({ digits: "", exclusive: false }, { digits: hi.frac, exclusive: hi.exclusive })));
  }
  return out.filter((p): p is string => p !== null);
}

function compareMagnitude(a: Magnitude, b: Magnitude): number {
  if (a.int !== b.int) return a.int < b.int ? -1 : 1;
  const width = Math.max(a.frac.length, b.frac.length);
  const x = a.frac.padEnd(width, "0");
  const y = b.frac.padEnd(width, "0");
  return x < y ? -1 : x > y ? 1 : 0;
}

/** A finite number as sign, integer digits and fraction digits, exactly as JavaScript prints it. */
function decimal(value: number): { negative: boolean; int: bigint; frac: string } {
  const [mantissa, exponentText] = Math.abs(value).toString().split("e");
  const exponent = Number(exponentText ?? 0);
  const [whole, part = ""] = mantissa!.split(".");
  let digits = whole! + part;
  let point = whole!.length + exponent;
  if (point < 0) {
    digits = "0".repeat(-point) + digits;
    point = 0;
  }
  digits = digits.padEnd(point, "0");
  return { negative: value < 0, int: BigInt(digits.slice(0, point) || "0"), frac: digits.slice(point).replace(/0+$/, "") };
}

export interface NumberBound {
  value: number;
  exclusive: boolean;
}

/** Numbers (JSON number syntax without exponent) within the given bounds. */
export function numberRange(min: NumberBound | undefined, max: NumberBound | undefined, path: string): string {
  // Bounds beyond what the digits can spell either constrain nothing or everything.
  const limit = Number(LARGEST);
  if (min && min.value < -limit) min = undefined;
  if (max && max.value > limit) max = undefined;
  if ((min && min.value > limit) || (max && max.value < -limit)) {
    throw new UnsupportedSchemaError(min && min.value > limit ? "minimum" : "maximum", path, "bound too large");
  }
  const lo = min && { ...decimal(min.value), exclusive: min.exclusive };
  const hi = max && { ...decimal(max.value), exclusive: max.exclusive };
  const parts: string[] = [];
  // Non-negative side: [max(lo, 0), hi].
  if (!hi || !hi.negative) {
    const from: Magnitude = lo && !lo.negative ? lo : { int: 0n, frac: "", exclusive: false };
    parts.push(...magnitudes(from, hi));
  }
  // Negative side, as magnitudes: (max(0, -hi), -lo]; zero stays on the other side.
  if (!lo || lo.negative) {
    const from: Magnitude = hi && hi.negative ? hi : { int: 0n, frac: "", exclusive: true };
    const negatives = magnitudes(from, lo);
    if (negatives.length > 0) parts.push(seq(['"-"', alt(negatives)]));
  }
  if (parts.length === 0) throw new UnsupportedSchemaError("minimum", path, "no number satisfies minimum and maximum");
  return alt(parts);
}
