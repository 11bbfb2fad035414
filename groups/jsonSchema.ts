// The tools' argument schemas, compiled once with Ajv (JSON Schema 2020-12; draft-07 schemas read
// the same for what tools use). The model's arguments are checked before any call is made.
import Ajv2020, { type ValidateFunction } from "ajv/dist/2020.js";

const ajv = new Ajv2020({ allErrors: true, strict: false, validateFormats: false });
const cache = new Map<string, ValidateFunction>();

/** The schema's validator, or why it does not compile. */
export function compileSchema(schema: Record<string, unknown>): ValidateFunction | string {
  const key = JSON.stringify(schema);
  const hit = cache.get(key);
  if (hit) return hit;
  try {
    const validate = ajv.compile(schema);
    cache.set(key, validate);
    return validate;
  } catch (error) {
    return (error as Error).message;
  }
}

/** Undefined when `value` matches; else what is wrong, one line per problem (at most 5). */
export function schemaErrors(schema: Record<string, unknown>, value: unknown): string | undefined {
  const validate = compileSchema(schema);
  if (typeof validate === "string") return `the tool's schema does not compile: ${validate}`;
  if (validate(value)) return undefined;
  return (validate.errors ?? [])
    .slice(0, 5)
    .map((e) => `${e.instancePath || "(arguments)"} ${e.message ?? "is invalid"}`)
    .join("; ");
}
