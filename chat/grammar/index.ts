// JSON Schema → GBNF for structured output (response_format json_schema / json_object),
// for llama.cpp's grammar sampler with root rule "root".
import { type ConvertOptions, SchemaConverter } from "./schema.ts";

export { UnsupportedSchemaError } from "./errors.ts";
export type { ConvertOptions as JsonSchemaGrammarOptions } from "./schema.ts";

/** GBNF whose "root" matches JSON documents valid for `schema`; throws UnsupportedSchemaError
 *  for any keyword it cannot honour. */
export function jsonSchemaToGrammar(schema: unknown, options: ConvertOptions = {}): string {
  return new SchemaConverter(schema, options).convert();
}

/** Any JSON object: response_format {type: "json_object"}. */
export const JSON_OBJECT_GRAMMAR: string = jsonSchemaToGrammar({ type: "object" });
