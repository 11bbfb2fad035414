// enum/const: the listed values, kept only where they also meet the schema's own type and
// simple limits (a literal outside them would make the grammar wider than the schema).
import { UnsupportedSchemaError } from "./errors.ts";
import { alt, literal } from "./gbnf.ts";
import { isPlainObject, type SchemaObject } from "./keywords.ts";
import { deepEqual } from "./merge.ts";

export function hasType(value: unknown, type: string): boolean {
  switch (type) {
    case "null": return value === null;
    case "boolean": return typeof value === "boolean";
    case "string": return typeof value === "string";
    case "number": return typeof value === "number";
    case "integer": return Number.isInteger(value);
    case "array": return Array.isArray(value);
    default: return isPlainObject(value);
  }
}

function matches(pattern: string, value: string): boolean {
  // Unicode mode as JSON Schema asks, else the legacy dialect some schemas are written in.
  for (const flags of ["u", ""]) {
    try {
      return new RegExp(pattern, flags).test(value);
    } catch {}
  }
  return false;
}

/** The scalar and size limits of `schema` that `value` meets (deeper keywords are not checked). */
function withinLimits(value: unknown, s: SchemaObject): boolean {
  const num = (k: string) => (typeof s[k] === "number" ? (s[k] as number) : undefined);
  if (typeof value === "string") {
    const length = [...value].length;
    if (length < (num("minLength") ?? 0) || length > (num("maxLength") ?? Number.POSITIVE_INFINITY)) return false;
    if (typeof s.pattern === "string" && !matches(s.pattern, value)) return false;
  }
  if (typeof value === "number") {
    const min = num("minimum");
    const max = num("maximum");
    if (min !== undefined && (s.exclusiveMinimum === true ? value <= min : value < min)) return false;
    if (max !== undefined && (s.exclusiveMaximum === true ? value >= max : value > max)) return false;
    if (num("exclusiveMinimum") !== undefined && value <= num("exclusiveMinimum")!) return false;
    if (num("exclusiveMaximum") !== undefined && value >= num("exclusiveMaximum")!) return false;
  }
  if (Array.isArray(value)) {
    if (value.length < (num("minItems") ?? 0) || value.length > (num("maxItems") ?? Number.POSITIVE_INFINITY)) return false;
  }
  if (isPlainObject(value) && Array.isArray(s.required) && !s.required.every((k) => typeof k === "string" && k in value)) return false;
  return true;
}

export function literalsGrammar(schema: SchemaObject, types: string[], path: string): string {
  let values: unknown[];
  if ("const" in schema) {
    values = [schema.const];
    if (Array.isArray(schema.enum) && !schema.enum.some((v) => deepEqual(v, schema.const))) values = [];
  } else if (Array.isArray(schema.enum)) values = schema.enum;
  else throw new UnsupportedSchemaError("enum", path, "must be an array");
  const allowed = values.filter((v) => (types.length === 0 || types.some((t) => hasType(v, t))) && withinLimits(v, schema));
  if (allowed.length === 0) throw new UnsupportedSchemaError("const" in schema ? "const" : "enum", path, "no value satisfies the schema");
  return alt(allowed.map((v) => literal(JSON.stringify(v))));
}
