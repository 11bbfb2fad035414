// Reading the numeric keywords of a schema: counts (minLength, maxItems, ...) and the tightest
// numeric bounds.
import { UnsupportedSchemaError } from "./errors.ts";
import type { SchemaObject } from "./keywords.ts";
import type { NumberBound } from "./numbers.ts";

export function count(schema: SchemaObject, keyword: string, path: string): number | undefined {
  const value = schema[keyword];
  if (value === undefined) return undefined;
  if (!Number.isInteger(value) || (value as number) < 0) throw new UnsupportedSchemaError(keyword, path, "must be a non-negative integer");
  return value as number;
}

/** The tightest lower and upper bounds among minimum/exclusiveMinimum/maximum/exclusiveMaximum
 *  (draft 4's boolean exclusiveMinimum/exclusiveMaximum included). */
export function bounds(schema: SchemaObject, path: string): { min?: NumberBound; max?: NumberBound } {
  const read = (keyword: string): number | undefined => {
    const v = schema[keyword];
    if (v === undefined || typeof v === "boolean") return undefined;
    if (typeof v !== "number" || !Number.isFinite(v)) throw new UnsupportedSchemaError(keyword, path, "must be a number");
    return v;
  };
  const pick = (inclusive: number | undefined, exclusive: number | undefined, draft4: unknown, lower: boolean): NumberBound | undefined => {
    const candidates: NumberBound[] = [];
    if (inclusive !== undefined) candidates.push({ value: inclusive, exclusive: draft4 === true });
    if (exclusive !== undefined) candidates.push({ value: exclusive, exclusive: true });
    // The tighter bound wins; at equal values the exclusive one is tighter.
    return candidates.sort((a, b) => (a.value - b.value) * (lower ? -1 : 1) || Number(b.exclusive) - Number(a.exclusive))[0];
  };
  return {
    min: pick(read("minimum"), read("exclusiveMinimum"), schema.exclusiveMinimum, true),
    max: pick(read("maximum"), read("exclusiveMaximum"), schema.exclusiveMaximum, false),
  };
}
