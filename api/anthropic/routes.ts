// Anthropic Messages routes. Thin: validate, translate, and map three outcomes only (an error, a
// full message, a stream). `?beta=true` and the anthropic-version / anthropic-beta headers are
// accepted and change nothing: every beta this server has is always on.
import { Elysia } from "elysia";
import type { Engine, GenerateRequest } from "../../core/index.ts";
import { AnthropicErrorBody, AnthropicMessage, CountTokensRequest, MessagesRequest, TokenCount } from "../../schemas/anthropic-messages.ts";
import { accumulate, collectEvents, ensureModel, startGeneration, streamFrames } from "../generation.ts";
import { DEFAULT_MAX_BODY_BYTES, jsonBody } from "../http/body.ts";
import { ApiError } from "../http/errors.ts";
import { protocolErrorHandler } from "../http/onError.ts";
import { requestContext } from "../http/requestContext.ts";
import { requestCaller } from "../http/requestId.ts";
import { sseResponse } from "../http/sse.ts";
import { anthropicErrorResponse, requestIdHeaders } from "./errors.ts";
import { checkMetadata, fromCountTokensRequest, fromMessagesRequest, thinkingOmitted } from "./fromRequest.ts";
import { MessageStreamConverter, PING } from "./streamConverter.ts";
import { ThinkingSigner } from "./thinkingSignature.ts";
import { newMessageId, toMessage, type MessageContext } from "./toResponse.ts";

export interface AnthropicRoutesOptions {
  /** Largest accepted request body; larger ones get 413 in Anthropic's shape. Default 10 MB. */
  maxBodyBytes?: number;
  /** Seals this server's thinking blocks; default a key per process (see thinkingSignature.ts). */
  signer?: ThinkingSigner;
  /** A `ping` whenever the stream has been silent this long. Default 15 s. */
  pingEveryMs?: number;
}

const errors = { 400: AnthropicErrorBody, 404: AnthropicErrorBody, 413: AnthropicErrorBody, 500: AnthropicErrorBody, 529: AnthropicErrorBody };

export function anthropicRoutes(engine: Engine, options: AnthropicRoutesOptions = {}) {
  const limit = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const signer = options.signer ?? new ThinkingSigner();
  const pingEveryMs = options.pingEveryMs ?? 15_000;
  // Validation errors are re-checked against the route's own schema, to name the right field.
  const onMessagesError = protocolErrorHandler(MessagesRequest, anthropicErrorResponse, "anthropic");
  const onCountError = protocolErrorHandler(CountTokensRequest, anthropicErrorResponse, "anthropic");

  return (
    new Elysia({ name: "anthropic-messages", detail: { tags: ["Anthropic"] } })
      // Local (the default scope): only this plugin's routes answer in Anthropic's error shape.
      // The error's request-id is the request's own (x-request-id, metadata.request_id).
      .onError((ctx) => (new URL(ctx.request.url).pathname.endsWith("/count_tokens") ? onCountError : onMessagesError)(ctx))
      .post(
        "/v1/messages",
        async ({ body, request, set }) => {
          // First: a client's request_id names every answer from here on, errors included.
          const caller = requestCaller(request, set, "messages", body.metadata);
          const requestId = caller.requestId;
          Object.assign(set.headers, requestIdHeaders(requestId));
          checkMetadata(body.metadata);
          const req: GenerateRequest = { ...fromMessagesRequest(body, signer), caller };
          const generation = await startGeneration(engine, req, request.signal);
          const ctx: MessageContext = {
            id: newMessageId(),
            model: body.model,
            stopSequences: req.stop,
            omitThinking: thinkingOmitted(body),
            signer,
          };
          if (!body.stream) return toMessage(accumulate(await collectEvents(generation)), ctx);
          const frames = streamFrames(generation, new MessageStreamConverter(ctx));
          // Elysia sends a Response as is; the cast only satisfies its typing of the schema.
          return sseResponse(frames, {
            headers: requestIdHeaders(requestId),
            keepAlive: { everyMs: pingEveryMs, frame: PING },
          }) as unknown as AnthropicMessage;
        },
        {
          parse: jsonBody(limit, MessagesRequest),
          body: MessagesRequest,
          response: { 200: AnthropicMessage, ...errors },
          detail: {
            summary: "Create a message",
            description:
              "Anthropic-compatible Messages API. max_tokens beyond the context is clamped to what remains. " +
              "With `stream: true` the answer is `text/event-stream` (message_start, content blocks, message_delta, message_stop; " +
              "ping every 15 s of silence; an `error` event for a failure after the stream began).",
          },
        },
      )
      .post(
        "/v1/messages/count_tokens",
        async ({ body, request, set }) => {
          Object.assign(set.headers, requestIdHeaders(requestContext(request).requestId));
          const req = fromCountTokensRequest(body, signer);
          ensureModel(engine, req.model);
          const counted = await engine.countTokens(req);
          if (typeof counted !== "number") throw ApiError.from(counted.error);
          return { input_tokens: counted };
        },
        {
          parse: jsonBody(limit, CountTokensRequest),
          body: CountTokensRequest,
          response: { 200: TokenCount, ...errors },
          detail: { summary: "Count the tokens of a message's prompt", description: "Exact: the prompt rendered by the model's chat template, tools included." },
        },
      )
  );
}
