// JSON Schema → GBNF for structured output (response_format json_schema / json_object), for
// llama.cpp's grammar sampler with root rule "root".
//
// Honoured: type (and type lists), properties/required/additionalProperties (declared order,
// optional members skippable), items/prefixItems/additionalItems/minItems/maxItems, enum,
// const, anyOf/oneOf (as alternatives), allOf and $ref-with-siblings (merged), local $ref
// (recursion allowed), minLength/maxLength, pattern (regex subset), format (date, time,
// date-time, duration, uuid, email, hostname, ipv4), minimum/maximum/exclusive* on integers and
// numbers (bounded numbers are written without exponent). Annotations and non-standard
// keywords are ignored. Everything else that could constrain a value throws
// UnsupportedSchemaError: see keywords.ts for the list.
import { type ConvertOptions, SchemaConverter } from "./schema.ts";

export { UnsupportedSchemaError } from "./errors.ts";
export type { ConvertOptions as JsonSchemaGrammarOptions } from "./schema.ts";

/** GBNF whose "root" matches JSON documents valid for `schema` (a subset of their spellings:
 *  declared key order, bounded whitespace and digits); throws UnsupportedSchemaError for any
 *  keyword it cannot honour. */
export function jsonSchemaToGrammar(schema: unknown, options: ConvertOptions = {}): string {
  return new SchemaConverter(schema, options).convert();
}

/** Any JSON object: response_format {type: "json_object"}. */
export const JSON_OBJECT_GRAMMAR: string = jsonSchemaToGrammar({ type: "object" });
