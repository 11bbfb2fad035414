// Any error -> OpenAI's `{"error": {message, type, param, code}}` body and its HTTP status.
import { NotFoundError, ParseError, ValidationError } from "elysia";
import { ValueErrorType, type ValueError } from "@sinclair/typebox/errors";
import { Value } from "@sinclair/typebox/value";
import type { TSchema } from "@sinclair/typebox";
import { ApiError } from "../errors.ts";
import type { EngineErrorInfo } from "../../engine/types.ts";
import type { OpenAIErrorBody } from "../../schemas/openai-chat.ts";

export interface OpenAIError {
  status: number;
  body: OpenAIErrorBody;
}

/** `code` is Elysia's error code from onError, for errors that are not Elysia's own classes. */
export function toOpenAIError(err: unknown, code?: string | number): OpenAIError {
  const api = toApiError(err, code);
  if (api)
    return {
      status: api.status,
      body: { error: { message: api.message, type: api.type, param: api.param ?? null, code: api.code } },
    };
  // Never leak internals (stack traces, paths) to clients; the server logs the original.
  return {
    status: 500,
    body: { error: { message: "Internal server error.", type: "server_error", param: null, code: "internal_error" } },
  };
}

export function openAIErrorResponse(err: unknown, code?: string | number): Response {
  const { status, body } = toOpenAIError(err, code);
  return Response.json(body, { status });
}

export const engineError = (e: EngineErrorInfo) => new ApiError(e.status, e.code, e.message, e.param);

function toApiError(err: unknown, code?: string | number): ApiError | undefined {
  if (err instanceof ApiError) return err;
  if (err instanceof ValidationError || code === "VALIDATION") return validationError(err as ValidationError);
  if (err instanceof ParseError || code === "PARSE") {
    // A custom parse hook's own ApiError (413, invalid_json) arrives wrapped as the cause.
    const cause = (err as Error | undefined)?.cause;
    if (cause instanceof ApiError) return cause;
    return new ApiError(400, "invalid_json", "We could not parse the JSON body of your request.");
  }
  if (err instanceof NotFoundError || code === "NOT_FOUND")
    return new ApiError(404, "not_found", "The requested resource does not exist.");
  return undefined;
}

function validationError(err: ValidationError): ApiError {
  const raw: ValueError | undefined = err?.valueError ?? safeFirst(err);
  if (!raw) return new ApiError(400, "invalid_request", "The request body is invalid.");
  const ve = refine(raw);
  const param = toParam(ve.path);
  if (!param) return new ApiError(400, "invalid_request", "The request body must be a JSON object.");
  if (ve.type === ValueErrorType.ObjectRequiredProperty)
    return new ApiError(400, "missing_required_parameter", `Missing required parameter: '${param}'.`, param);
  const expected = describe(ve.schema as Described);
  if (isTypeError(ve.type))
    return new ApiError(400, "invalid_type", `Invalid type for '${param}': expected ${expected}.`, param);
  return new ApiError(400, "invalid_value", `Invalid value for '${param}': ${lowerFirst(ve.message)}.`, param);
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
  const anyOf = ((ve.schema as { anyOf?: TSchema[] }).anyOf ?? []).filter((v) => accepts(v as Described, ve.value));
  if (anyOf.length !== 1) return ve;
  const first = Value.Errors(anyOf[0]!, ve.value).First();
  return first ? refine({ ...first, path: ve.path + first.path }) : ve;
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

/** A short human description of what a schema accepts, for error messages. */
type Described = { type?: unknown; const?: unknown; anyOf?: unknown[] } | undefined;
function describe(schema: Described): string {
  if (!schema) return "a valid value";
  if (schema.const !== undefined) return JSON.stringify(schema.const);
  if (Array.isArray(schema.anyOf)) {
    const parts = [...new Set(schema.anyOf.map((s) => describe(s as Described)))];
    return parts.length > 1 ? `${parts.slice(0, -1).join(", ")} or ${parts.at(-1)}` : (parts[0] ?? "a valid value");
  }
  if (typeof schema.type === "string") return schema.type === "integer" ? "an integer" : schema.type;
  return "a valid value";
}

const lowerFirst = (s: string) => s.charAt(0).toLowerCase() + s.slice(1);
