// TypeBox validation errors -> ApiError(400) naming the field the way OpenAI does
// ("messages[0].content") with a message a person can act on.
import type { ValidationError } from "elysia";
import { ValueErrorType, type ValueError } from "@sinclair/typebox/errors";
import { Value } from "@sinclair/typebox/value";
import type { TSchema } from "@sinclair/typebox";
import { ApiError } from "./errors.ts";

/**
 * Elysia normalizes the body before validating it (a string `messages` arrives as an array of
 * objects), so its error can name the wrong field: validate the client's original body again.
 */
export function validationErrorFor(schema: TSchema, original: unknown): ApiError | undefined {
  const first = Value.Errors(schema, original).First();
  return first && fromValueError(first);
}

export function validationError(err: ValidationError): ApiError {
  const raw: ValueError | undefined = err?.valueError ?? safeFirst(err);
  if (!raw) return new ApiError("invalid_request", "invalid_request", "The request body is invalid.");
  return fromValueError(raw);
}

function fromValueError(raw: ValueError): ApiError {
  const ve = refine(raw);
  const param = toParam(ve.path);
  if (!param) return new ApiError("invalid_request", "invalid_request", "The request body must be a JSON object.");
  // A schema closed with additionalProperties: false names the stray key (Elysia would strip it).
  if (ve.type === ValueErrorType.ObjectAdditionalProperties)
    return new ApiError("invalid_request", "unknown_parameter", `Unknown parameter: '${param}'.`, param);
  if (ve.type === ValueErrorType.ObjectRequiredProperty || ve.value === undefined)
    return new ApiError("invalid_request", "missing_required_parameter", `Missing required parameter: '${param}'.`, param);
  const expected = describe(ve.schema as Described);
  if (isTypeError(ve.type))
    return new ApiError("invalid_request", "invalid_type", `Invalid type for '${param}': expected ${expected}.`, param);
  return new ApiError("invalid_request", "invalid_value", `Invalid value for '${param}': ${lowerFirst(ve.message)}.`, param);
}

function safeFirst(err: ValidationError): ValueError | undefined {
  try {
    return err?.all?.[0] as ValueError | undefined;
  } catch {
    return undefined;
  }
}

/** A nullable union reports "expected union value" even for a range error: descend into the one
 *  variant of the value's own type for the precise error. Several candidates stay ambiguous. */
function refine(ve: ValueError): ValueError {
  if (ve.type !== ValueErrorType.Union) return ve;
  let anyOf = ((ve.schema as { anyOf?: TSchema[] }).anyOf ?? []).filter((v) => accepts(v as Described, ve.value));
  if (anyOf.length > 1) anyOf = anyOf.filter((v) => tagMatches(v as Described, ve.value));
  if (anyOf.length !== 1) return ve;
  const first = Value.Errors(anyOf[0]!, ve.value).First();
  return first ? refine({ ...first, path: ve.path + first.path }) : ve;
}

/** Objects told apart by a literal `type` ({"type":"json_schema",...}): whether the value carries
 *  this variant's tag (nested unions: any of theirs). */
function tagMatches(schema: Described, value: unknown): boolean {
  if (!schema) return false;
  if (Array.isArray(schema.anyOf)) return schema.anyOf.some((s) => tagMatches(s as Described, value));
  const tag = (schema as { properties?: { type?: { const?: unknown } } }).properties?.type?.const;
  return tag !== undefined && (value as { type?: unknown }).type === tag;
}

/** Whether a schema accepts the JSON type of a value (ignoring constraints). */
function accepts(schema: Described, value: unknown): boolean {
  if (!schema) return false;
  if (Array.isArray(schema.anyOf)) return schema.anyOf.some((s) => accepts(s as Described, value));
  if (schema.const !== undefined) return typeof schema.const === typeof value;
  switch (schema.type) {
    case "null":
      return value === null;
    case "array":
      return Array.isArray(value);
    case "object":
      return typeof value === "object" && value !== null && !Array.isArray(value);
    case "integer":
      return typeof value === "number";
    default:
      return typeof value === schema.type;
  }
}

/** "/messages/0/content" -> "messages[0].content" (OpenAI's own param style). */
export function toParam(path: string): string {
  return path
    .split("/")
    .filter(Boolean)
    .map((seg) => seg.replace(/~1/g, "/").replace(/~0/g, "~"))
    .reduce((acc, seg) => (/^\d+$/.test(seg) ? `${acc}[${seg}]` : acc ? `${acc}.${seg}` : seg), "");
}

const TYPE_ERRORS = new Set([
  ValueErrorType.Array,
  ValueErrorType.Boolean,
  ValueErrorType.Integer,
  ValueErrorType.Literal,
  ValueErrorType.Null,
  ValueErrorType.Number,
  ValueErrorType.Object,
  ValueErrorType.String,
  ValueErrorType.Union,
]);
const isTypeError = (t: ValueErrorType) => TYPE_ERRORS.has(t);

type Described = { type?: unknown; const?: unknown; anyOf?: unknown[] } | undefined;

/** A short human description of what a schema accepts, for error messages. */
function describe(schema: Described): string {
  const parts = [...new Set(leaves(schema))];
  if (parts.length === 0) return "a valid value";
  return parts.length > 1 ? `${parts.slice(0, -1).join(", ")} or ${parts.at(-1)}` : parts[0]!;
}

function leaves(schema: Described): string[] {
  if (!schema) return [];
  if (schema.const !== undefined) return [JSON.stringify(schema.const)];
  if (Array.isArray(schema.anyOf)) return schema.anyOf.flatMap((s) => leaves(s as Described));
  if (typeof schema.type === "string") return [schema.type === "integer" ? "an integer" : schema.type];
  return [];
}

const lowerFirst = (s: string) => s.charAt(0).toLowerCase() + s.slice(1);
