// "allOf" by merging: the conjunction of several object-shaped schemas as one schema.
// Parts arrive without "$ref" or "allOf" at their top (the walker flattens them first).
import { UnsupportedSchemaError } from "./errors.ts";
import { IGNORED, isPlainObject, type SchemaObject } from "./keywords.ts";

const LOWER = new Set(["minimum", "exclusiveMinimum", "minLength", "minItems", "minProperties"]);
const UPPER = new Set(["maximum", "exclusiveMaximum", "maxLength", "maxItems", "maxProperties"]);
/** anyOf × anyOf multiplies branches: keep the product small. */
const MAX_BRANCHES = 64;

export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) || Array.isArray(b)) {
    return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((x, i) => deepEqual(x, b[i]));
  }
  if (!isPlainObject(a) || !isPlainObject(b)) return false;
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((k) => k in b && deepEqual(a[k], b[k]));
}

const both = (a: unknown, b: unknown) => ({ allOf: [a, b] });

function typeSet(type: unknown): Set<string> {
  return new Set(Array.isArray(type) ? (type as string[]) : [type as string]);
}

function combine(keyword: string, a: unknown, b: unknown, path: string): unknown {
  if (deepEqual(a, b)) return a;
  const conflict = (detail = "the parts disagree") => new UnsupportedSchemaError("allOf", path, `"${keyword}": ${detail}`);
  if (LOWER.has(keyword) && typeof a === "number" && typeof b === "number") return Math.max(a, b);
  if (UPPER.has(keyword) && typeof a === "number" && typeof b === "number") return Math.min(a, b);
  switch (keyword) {
    case "type": {
      const x = typeSet(a);
      const y = typeSet(b);
      const out = [...x].filter((t) => y.has(t) || (t === "integer" && y.has("number")));
      for (const t of y) if (t === "integer" && x.has("number") && !out.includes(t)) out.push(t);
      if (out.length === 0) throw conflict("the allOf parts share no type");
      return out;
    }
    case "properties": {
      const out: SchemaObject = { ...(a as SchemaObject) };
      for (const [name, schema] of Object.entries(b as SchemaObject)) out[name] = name in out ? both(out[name], schema) : schema;
      return out;
    }
    case "required": return [...new Set([...(a as string[]), ...(b as string[])])];
    case "additionalProperties":
      if (a === false || b === false) return false;
      return a === true ? b : b === true ? a : both(a, b);
    case "items":
      if (Array.isArray(a) || Array.isArray(b)) throw conflict();
      return both(a, b);
    case "enum": {
      const out = (a as unknown[]).filter((x) => (b as unknown[]).some((y) => deepEqual(x, y)));
      if (out.length === 0) throw conflict("no value is in every enum");
      return out;
    }
    case "anyOf": {
      const product = (a as unknown[]).flatMap((x) => (b as unknown[]).map((y) => both(x, y)));
      if (product.length > MAX_BRANCHES) throw conflict("too many combinations of anyOf/oneOf");
      return product;
    }
    default: throw conflict();
  }
}

function wellFormed(keyword: string, value: unknown): boolean {
  switch (keyword) {
    case "type": return typeof value === "string" || (Array.isArray(value) && value.every((t) => typeof t === "string"));
    case "properties": return isPlainObject(value);
    case "required": return Array.isArray(value) && value.every((r) => typeof r === "string");
    case "enum": case "anyOf": return Array.isArray(value);
    default: return true;
  }
}

/** One schema equivalent to all of `parts` (oneOf is read as anyOf, as everywhere here). */
export function mergeSchemas(parts: SchemaObject[], path: string): SchemaObject {
  const merged: SchemaObject = {};
  for (const part of parts) {
    for (const [rawKey, value] of Object.entries(part)) {
      if (IGNORED.has(rawKey)) continue;
      const key = rawKey === "oneOf" ? "anyOf" : rawKey;
      if (!wellFormed(key, value)) throw new UnsupportedSchemaError(rawKey, path, "malformed value");
      merged[key] = key in merged ? combine(key, merged[key], value, path) : value;
    }
  }
  // A part's additionalProperties also governs properties that only other parts declare.
  const properties = isPlainObject(merged.properties) ? { ...merged.properties } : undefined;
  if (properties) {
    for (const part of parts) {
      const extra = part.additionalProperties;
      if (extra === undefined || extra === true) continue;
      const own = isPlainObject(part.properties) ? part.properties : {};
      for (const name of Object.keys(properties)) {
        if (name in own) continue;
        if (extra === false) {
          if (Array.isArray(merged.required) && merged.required.includes(name)) {
            throw new UnsupportedSchemaError("allOf", path, `"${name}" is required but another part forbids it`);
          }
          delete properties[name];
        } else properties[name] = both(properties[name], extra);
      }
    }
    merged.properties = properties;
  }
  return merged;
}
