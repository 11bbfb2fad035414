// Which JSON Schema keywords are honoured, ignored or refused, and for which instance types.
// Keywords outside every list are not JSON Schema (vendor extensions): validators ignore them,
// so the grammar may as well.
import { UnsupportedSchemaError } from "./errors.ts";

/** Annotations and containers: they never constrain the value here. */
export const IGNORED = new Set([
  "title", "description", "examples", "default", "deprecated", "readOnly", "writeOnly",
  "$schema", "$id", "id", "$comment", "$anchor", "$dynamicAnchor", "$recursiveAnchor", "$vocabulary",
  "$defs", "definitions", "contentEncoding", "contentMediaType", "contentSchema",
]);

/** Refused wherever they appear. */
const ALWAYS_REFUSED = ["not", "if", "then", "else", "$dynamicRef", "$recursiveRef"];

/** Keywords that only constrain values of one type; refused ones are checked per type. */
export const TYPE_KEYWORDS = {
  string: { honoured: ["minLength", "maxLength", "pattern", "format"], refused: [] as string[] },
  number: { honoured: ["minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"], refused: ["multipleOf"] },
  array: {
    honoured: ["items", "prefixItems", "additionalItems", "minItems", "maxItems"],
    refused: ["uniqueItems", "contains", "minContains", "maxContains", "unevaluatedItems"],
  },
  object: {
    honoured: ["properties", "required", "additionalProperties"],
    refused: [
      "patternProperties", "propertyNames", "minProperties", "maxProperties", "dependentRequired",
      "dependentSchemas", "dependencies", "unevaluatedProperties",
    ],
  },
} as const;

export type SchemaObject = Record<string, unknown>;

export function refuseAlways(schema: SchemaObject, path: string): void {
  for (const keyword of ALWAYS_REFUSED) {
    if (keyword in schema) throw new UnsupportedSchemaError(keyword, path);
  }
}

/** Throws for a refused keyword of `type` unless its value constrains nothing (or the caller
 *  found it satisfied: `satisfied`). */
export function refuseForType(schema: SchemaObject, type: keyof typeof TYPE_KEYWORDS, path: string, satisfied: string[] = []): void {
  for (const keyword of TYPE_KEYWORDS[type].refused) {
    if (!(keyword in schema) || satisfied.includes(keyword) || isVacuous(keyword, schema[keyword])) continue;
    throw new UnsupportedSchemaError(keyword, path);
  }
}

function isVacuous(keyword: string, value: unknown): boolean {
  switch (keyword) {
    case "uniqueItems": return value === false;
    case "minProperties": case "minContains": return value === 0;
    case "dependentRequired": case "dependentSchemas": case "dependencies": case "patternProperties":
      return isPlainObject(value) && Object.keys(value).length === 0;
    case "propertyNames": case "unevaluatedProperties": case "unevaluatedItems": return value === true;
    default: return false;
  }
}

/** Instance types implied by the keywords present, for a schema without "type". */
export function impliedTypes(schema: SchemaObject): string[] {
  const types: string[] = [];
  for (const [type, { honoured, refused }] of Object.entries(TYPE_KEYWORDS)) {
    if ([...honoured, ...refused].some((k) => k in schema)) types.push(type);
  }
  return types;
}

export function isPlainObject(value: unknown): value is SchemaObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
