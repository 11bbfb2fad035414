// Reads a JSON body under a size limit, a deadline and a nesting limit, and checks it against the
// route's schema before Elysia sees it. Bun's maxRequestBodySize answers an empty 413 and skips
// onError, so the size is checked here to answer in the protocol's shape (see listenOptions).
import type { TSchema } from "@sinclair/typebox";
import { TypeCompiler, type TypeCheck } from "@sinclair/typebox/compiler";
import { ApiError } from "./errors.ts";
import { MAX_JSON_DEPTH, nestsDeeperThan } from "./jsonDepth.ts";
import { validationErrorFor } from "./validation.ts";

export const DEFAULT_MAX_BODY_BYTES = 10 * 1024 * 1024;
/** A client that promised a body gets this long to send all of it. */
export const DEFAULT_BODY_TIMEOUT_MS = 10_000;

export interface BodyLimits {
  maxBytes: number;
  /** Deadline for the whole body, from the request's arrival at the parser. */
  timeoutMs?: number;
}

/** The body text as received, for precise validation messages (see validationErrorFor). */
const rawBodies = new WeakMap<Request, string>();
export const rawBodyOf = (request: Request) => rawBodies.get(request);

// The connection is closed after these: Bun would otherwise wait for (or drain) the unsent body.
const CLOSE = { connection: "close" };

const tooLarge = (limit: number) =>
  new ApiError("too_large", "request_too_large", `The request body exceeds the limit of ${limit} bytes.`, undefined, CLOSE);

const timedOut = (ms: number) =>
  new ApiError("timeout", "request_timeout", `The request body did not arrive within ${ms / 1000} s.`, undefined, CLOSE);

const tooDeep = () =>
  new ApiError("invalid_request", "json_too_deep", `The JSON body nests arrays and objects deeper than ${MAX_JSON_DEPTH} levels.`);

/**
 * Parses the body as JSON whatever its content-type (curl -d sends form-urlencoded). With a
 * schema, the body as sent must match it: Elysia's normaliser runs before its own check and turns
 * a wrong type into a valid one ("x" into {"0":"x"} for an object field, 5 into {} for a record),
 * so the schema is only a gate when checked here, on the client's own value.
 */
export async function readJsonBody(request: Request, limits: number | BodyLimits, schema?: TSchema): Promise<unknown> {
  const { maxBytes, timeoutMs = DEFAULT_BODY_TIMEOUT_MS } = typeof limits === "number" ? { maxBytes: limits } : limits;
  const declared = Number(request.headers.get("content-length") ?? NaN);
  if (declared > maxBytes) throw tooLarge(maxBytes);
  const bytes = await readCapped(request, maxBytes, timeoutMs);
  if (nestsDeeperThan(bytes, MAX_JSON_DEPTH)) throw tooDeep();
  const text = new TextDecoder().decode(bytes);
  rawBodies.set(request, text);
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new ApiError("invalid_request", "invalid_json", "We could not parse the JSON body of your request.");
  }
  // Checked here: Elysia's defaults pass would turn an array into an object before validation.
  if (typeof body !== "object" || body === null || Array.isArray(body))
    throw new ApiError("invalid_request", "invalid_request", "The request body must be a JSON object.");
  if (schema && !compiled(schema).Check(body)) throw validationErrorFor(schema, body) ?? invalid();
  return body;
}

/**
 * A route's `parse` option: the body read by readJsonBody against the route's own schema.
 * "json" is never reached; it only tells the OpenAPI document the body's content type.
 */
export function jsonBody(limits: number | BodyLimits, schema: TSchema) {
  return [({ request }: { request: Request }) => readJsonBody(request, limits, schema), "json"] as [
    ({ request }: { request: Request }) => Promise<unknown>,
    "json",
  ];
}

const invalid = () => new ApiError("invalid_request", "invalid_request", "The request body is invalid.");

const checks = new WeakMap<TSchema, TypeCheck<TSchema>>();
function compiled(schema: TSchema): TypeCheck<TSchema> {
  let check = checks.get(schema);
  if (!check) checks.set(schema, (check = TypeCompiler.Compile(schema)));
  return check;
}

/** Chunked bodies carry no content-length: count bytes as they arrive, until the deadline. */
async function readCapped(request: Request, limit: number, timeoutMs: number): Promise<Uint8Array> {
  if (!request.body) return new Uint8Array(0);
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  let timer: Timer | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(timedOut(timeoutMs)), timeoutMs);
  });
  try {
    for (;;) {
      const { done, value } = await Promise.race([reader.read(), deadline]);
      if (done) break;
      size += value.byteLength;
      if (size > limit) throw tooLarge(limit);
      chunks.push(value);
    }
  } catch (err) {
    await reader.cancel().catch(() => {});
    throw err;
  } finally {
    clearTimeout(timer);
  }
  return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
}
