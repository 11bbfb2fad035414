// OpenAI Responses routes. Thin: validate, translate, generate, and keep the response when
// `store` is on. The only importer of store/.
import { Elysia, t } from "elysia";
import type { Engine } from "../../core/index.ts";
import {
  InputTokens,
  ResponseDeleted,
  ResponseItemList,
  ResponseObject,
  ResponsesInputTokensRequest,
  ResponsesRequest,
} from "../../schemas/openai-responses.ts";
import { OpenAIErrorBody } from "../../schemas/openai-chat.ts";
import type { ResponseStore, StoredResponse } from "../../store/index.ts";
import { ensureModel, startGeneration, streamFrames } from "../generation.ts";
import { DEFAULT_MAX_BODY_BYTES, jsonBody } from "../http/body.ts";
import { ApiError, echo } from "../http/errors.ts";
import { protocolErrorHandler } from "../http/onError.ts";
import { requestContext } from "../http/requestContext.ts";
import { checkMetadata, requestCaller } from "../http/requestId.ts";
import { sseResponse, type SseFrame } from "../http/sse.ts";
import { openAIErrorResponse } from "../openai/errors.ts";
import { fromResponsesRequest, type ResponsesPlan } from "./fromRequest.ts";
import { ReasoningCipher } from "./reasoningCipher.ts";
import { replayFrames } from "./replay.ts";
import { ResponsesStreamConverter } from "./streamConverter.ts";
import { newResponseId, type ResponseContext } from "./toResponse.ts";
import { fitToContext } from "./truncation.ts";

export interface ResponsesRoutesOptions {
  /** Largest accepted request body; larger ones get 413 in OpenAI shape. Default 10 MB. */
  maxBodyBytes?: number;
}

const errors = { 400: OpenAIErrorBody, 404: OpenAIErrorBody, 413: OpenAIErrorBody, 500: OpenAIErrorBody };

export const IGNORED_TOOLS_HEADER = "x-bunllama-ignored-tools";
export const WARNINGS_HEADER = "x-bunllama-warnings";

const notFound = (id: string) => new ApiError("not_found", "not_found", `Response with id '${echo(id)}' not found.`);

export function responsesRoutes(engine: Engine, store: ResponseStore, options: ResponsesRoutesOptions = {}) {
  const limit = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const cipher = new ReasoningCipher(store.secret("reasoning-key", ReasoningCipher.newKey));
  /** Responses being generated, for POST /cancel. */
  const running = new Map<string, { converter: ResponsesStreamConverter; abort: AbortController; owner: string | null; deleted?: boolean }>();

  /** A stored response as the caller may see it: another token's answers 404, as if it did not exist. */
  function stored(id: string, request: Request): StoredResponse | undefined {
    const found = store.getResponse(id);
    return found && mayRead(found.owner, request) ? found : undefined;
  }

  function live(id: string, request: Request) {
    const found = running.get(id);
    return found && mayRead(found.owner, request) ? found : undefined;
  }

  /** previous_response_id's conversation, the plan, and truncation. */
  async function plan(body: ResponsesRequest, request: Request): Promise<ResponsesPlan> {
    const history = body.previous_response_id != null ? previous(body.previous_response_id, request).messages : undefined;
    const planned = fromResponsesRequest(body, { history, restoreReasoning: (blob) => cipher.open(blob) });
    ensureModel(engine, body.model);
    if (body.truncation === "auto") planned.request = await fitToContext(engine, planned.request);
    return planned;
  }

  function previous(id: string, request: Request): StoredResponse {
    const found = stored(id, request);
    if (!found) throw new ApiError("not_found", "previous_response_not_found", `Previous response with id '${echo(id)}' not found.`, "previous_response_id");
    return found;
  }

  function persist(ctx: ResponseContext, planned: ResponsesPlan, converter: ResponsesStreamConverter, owner: string | null): void {
    if (ctx.body.store === false || running.get(ctx.id)?.deleted) return;
    store.putResponse({
      owner,
      id: ctx.id,
      createdAt: ctx.createdAt,
      response: converter.response(),
      inputItems: planned.inputItems,
      messages: [...planned.conversation, ...(converter.finished ? [converter.assistantMessage()] : [])],
    });
  }

  return (
    new Elysia({ name: "openai-responses", detail: { tags: ["Responses"] } })
      .onError(protocolErrorHandler(ResponsesRequest, openAIErrorResponse, "responses"))
      .post(
        "/v1/responses",
        async ({ body, request, set }) => {
          // First: a client's request_id names every answer from here on, errors included.
          const caller = requestCaller(request, set, "responses", body.metadata);
          checkMetadata(body.metadata);
          const planned = await plan(body, request);
          planned.request.caller = caller;
          const owner = caller.tokenId ?? null;
          const headers = noteHeaders(planned);
          const ctx: ResponseContext = {
            id: newResponseId(),
            createdAt: Math.floor(Date.now() / 1000),
            body,
            toolPlan: planned.toolPlan,
            wants: planned.wants,
            cipher,
          };
          const abort = new AbortController();
          const generation = await startGeneration(engine, planned.request, AbortSignal.any([request.signal, abort.signal])).catch(
            (err: unknown) => {
              // A context overflow names the input, the field the client can shorten.
              throw err instanceof ApiError && err.kind === "context_exceeded" ? new ApiError(err.kind, err.code, err.message, "input") : err;
            },
          );
          const converter = new ResponsesStreamConverter(ctx);
          running.set(ctx.id, { converter, abort, owner });
          persist(ctx, planned, converter, owner);
          const frames = async function* (): AsyncGenerator<SseFrame, void, undefined> {
            try {
              yield* streamFrames(generation, converter);
            } finally {
              // A client that went away mid-stream leaves a cancelled response.
              if (!converter.finished) converter.cancel();
              persist(ctx, planned, converter, owner);
              running.delete(ctx.id);
            }
          };
          if (body.stream) return sseResponse(frames(), { headers }) as unknown as typeof ResponseObject.static;
          for await (const _ of frames());
          const failure = converter.failure;
          if (failure) throw ApiError.from(failure);
          Object.assign(set.headers, headers);
          return converter.response() as typeof ResponseObject.static;
        },
        {
          parse: jsonBody(limit, ResponsesRequest),
          body: ResponsesRequest,
          response: { 200: ResponseObject, ...errors },
          detail: {
            summary: "Create a response",
            description:
              "OpenAI Responses API. With `stream: true` the answer is `text/event-stream`: `event:`/`data:` frames " +
              "whose JSON carries `type` and `sequence_number`, from response.created to response.completed " +
              "(or response.incomplete / response.failed).",
          },
        },
      )
      .post(
        "/v1/responses/input_tokens",
        async ({ body, request }) => {
          const planned = await plan({ ...body, stream: false } as ResponsesRequest, request);
          const counted = await engine.countTokens(planned.request);
          if (typeof counted !== "number") throw ApiError.from(counted.error);
          return { object: "response.input_tokens" as const, input_tokens: counted };
        },
        {
          parse: jsonBody(limit, ResponsesInputTokensRequest),
          body: ResponsesInputTokensRequest,
          response: { 200: InputTokens, ...errors },
          detail: { summary: "Count input tokens", description: "The tokens the request's prompt renders to, tools and instructions included." },
        },
      )
      .get(
        "/v1/responses/:id",
        ({ params, query, request }) => {
          const found = stored(params.id, request);
          if (!found) throw notFound(params.id);
          const current = running.get(params.id)?.converter.response() ?? found.response;
          if (query.stream === "true") {
            const after = query.starting_after === undefined ? -1 : Number(query.starting_after);
            return sseResponse(arrayFrames(replayFrames(current, after))) as unknown as typeof ResponseObject.static;
          }
          return current as typeof ResponseObject.static;
        },
        {
          query: t.Object(
            {
              stream: t.Optional(t.String({ description: "true: replay the response as its stream of events." })),
              starting_after: t.Optional(t.String({ description: "Replay only events after this sequence_number." })),
              include: t.Optional(t.Unknown({ description: "Accepted; the stored response already holds what was included." })),
            },
            { additionalProperties: true },
          ),
          response: { 200: ResponseObject, ...errors },
          detail: { summary: "Retrieve a response" },
        },
      )
      .delete(
        "/v1/responses/:id",
        ({ params, request }) => {
          // Deleting a response still generating stops it, and it is not stored when it ends.
          const generating = live(params.id, request);
          if (!generating && !stored(params.id, request)) throw notFound(params.id);
          if (generating) {
            generating.deleted = true;
            generating.converter.requestCancel();
            generating.abort.abort();
          }
          if (!store.deleteResponse(params.id)) throw notFound(params.id);
          return { id: params.id, object: "response" as const, deleted: true as const };
        },
        { response: { 200: ResponseDeleted, ...errors }, detail: { summary: "Delete a response" } },
      )
      .get(
        "/v1/responses/:id/input_items",
        ({ params, query, request }) => {
          const found = stored(params.id, request);
          if (!found) throw notFound(params.id);
          return listPage(found.inputItems, query);
        },
        {
          query: t.Object(
            {
              order: t.Optional(t.Union([t.Literal("asc"), t.Literal("desc")], { description: "desc (default): newest first." })),
              limit: t.Optional(t.Numeric({ minimum: 1, maximum: 100, description: "1..100, default 20." })),
              after: t.Optional(t.String({ description: "An item id: list the items after it." })),
              include: t.Optional(t.Unknown({ description: "Accepted and ignored." })),
            },
            { additionalProperties: true },
          ),
          response: { 200: ResponseItemList, ...errors },
          detail: { summary: "List a response's input items" },
        },
      )
      .post(
        "/v1/responses/:id/cancel",
        ({ params, request }) => {
          const generating = live(params.id, request);
          if (generating) {
            generating.converter.requestCancel();
            generating.abort.abort();
            return generating.converter.response() as typeof ResponseObject.static;
          }
          const found = stored(params.id, request);
          if (!found) throw notFound(params.id);
          if (found.response.status === "in_progress") return found.response as typeof ResponseObject.static;
          throw new ApiError("invalid_request", "invalid_request", `Response '${echo(params.id)}' has already finished (${String(found.response.status)}): only a response in progress can be cancelled.`);
        },
        { response: { 200: ResponseObject, ...errors }, detail: { summary: "Cancel a response in progress" } },
      )
  );
}

/**
 * With auth on, a response belongs to the token that created it; admins read every one. With
 * auth off (no token on the request) everything is readable, as is a response made while auth
 * was off.
 */
function mayRead(owner: string | null, request: Request): boolean {
  const token = requestContext(request).token;
  return !token || owner === null || owner === token.id || token.scopes.includes("admin");
}

function noteHeaders(planned: ResponsesPlan): Record<string, string> {
  const headers: Record<string, string> = {};
  if (planned.toolPlan.ignored.length) headers[IGNORED_TOOLS_HEADER] = [...new Set(planned.toolPlan.ignored)].join(", ");
  const warnings = [...planned.toolPlan.warnings];
  if (planned.toolPlan.ignored.length)
    warnings.unshift(`tools the server cannot run were left out of the prompt: ${headers[IGNORED_TOOLS_HEADER]}`);
  // Header values are ASCII: anything else (a tool name) is escaped.
  if (warnings.length) headers[WARNINGS_HEADER] = encodeURI(warnings.join("; ")).replace(/%20/g, " ");
  return headers;
}

function listPage(items: Record<string, unknown>[], q: { order?: "asc" | "desc"; limit?: number; after?: string }) {
  const ordered = q.order === "asc" ? items : [...items].reverse();
  const start = q.after ? ordered.findIndex((item) => item.id === q.after) + 1 : 0;
  const page = ordered.slice(start, start + (q.limit ?? 20));
  return {
    object: "list" as const,
    data: page,
    first_id: (page[0]?.id as string | undefined) ?? null,
    last_id: (page.at(-1)?.id as string | undefined) ?? null,
    has_more: start + page.length < ordered.length,
  };
}

async function* arrayFrames(frames: SseFrame[]): AsyncGenerator<SseFrame, void, undefined> {
  yield* frames;
}
