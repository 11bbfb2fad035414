// OpenAI Chat Completions routes. Thin: validate, translate, and map three outcomes only
// (an error, a full response, a stream).
import { Elysia } from "elysia";
import { ApiError } from "../errors.ts";
import type { Engine, GenerateEvent } from "../../engine/types.ts";
import {
  ChatCompletion,
  ChatCompletionRequest,
  OpenAIErrorBody,
  OpenAIModel,
  OpenAIModelList,
} from "../../schemas/openai-chat.ts";
import { DEFAULT_MAX_BODY_BYTES, rawBodyOf, readJsonBody } from "./body.ts";
import { engineError, openAIErrorResponse, toOpenAIError } from "./errors.ts";
import { fromChatRequest, wantsUsage } from "./fromRequest.ts";
import { sseResponse } from "./sse.ts";
import { ChatStreamConverter } from "./streamConverter.ts";
import { validationErrorFor } from "./validation.ts";
import { toChatCompletion, type CompletionContext } from "./toResponse.ts";

export interface OpenAIRoutesOptions {
  /** Largest accepted request body; larger ones get 413 in OpenAI shape. Default 10 MB. */
  maxBodyBytes?: number;
}

const errors = { 400: OpenAIErrorBody, 404: OpenAIErrorBody, 413: OpenAIErrorBody, 500: OpenAIErrorBody };

export function openaiRoutes(engine: Engine, options: OpenAIRoutesOptions = {}) {
  const limit = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;

  return (
    new Elysia({ name: "openai-chat", detail: { tags: ["OpenAI"] } })
      // Local (the default scope): only this plugin's routes answer in OpenAI's error shape, so
      // another protocol's plugin keeps its own. Unknown paths (404) are the app's concern; it can
      // call openAIErrorResponse for them.
      .onError(({ code, error, request }) => {
        const raw = code === "VALIDATION" ? rawBodyOf(request) : undefined;
        const precise = raw === undefined ? undefined : validationErrorFor(ChatCompletionRequest, JSON.parse(raw));
        const res = openAIErrorResponse(precise ?? error, code);
        if (res.status >= 500 && !(error instanceof ApiError)) console.error("openai route error:", error);
        return res;
      })
      .post(
        "/v1/chat/completions",
        async ({ body, request }) => {
          const req = fromChatRequest(body);
          if (!engine.hasModel(req.model))
            throw new ApiError(404, "model_not_found", `The model '${req.model}' does not exist.`, "model");

          const events = engine.generate(req, request.signal)[Symbol.asyncIterator]();
          // Await the first event so an early failure still chooses the HTTP status.
          const first = await events.next();
          if (first.done || first.value.type === "error") {
            await events.return?.();
            if (first.done) throw new ApiError(500, "internal_error", "The generation ended without starting.");
            throw engineError((first.value as Extract<GenerateEvent, { type: "error" }>).error);
          }

          const ctx: CompletionContext = {
            id: `chatcmpl-${crypto.randomUUID().replaceAll("-", "")}`,
            created: Math.floor(Date.now() / 1000),
            model: body.model,
            logprobs: req.topLogprobs !== undefined,
            returnPrompt: req.returnPrompt,
          };
          if (!body.stream) return toChatCompletion(await collect(first.value, events), ctx);
          const converter = new ChatStreamConverter({ ...ctx, includeUsage: wantsUsage(body) });
          // Elysia sends a Response as is (no response validation); the cast only satisfies its
          // typing, which does not accept a union of a schema type and Response.
          return sseResponse(streamFrames(first.value, events, converter)) as unknown as ChatCompletion;
        },
        {
          // Our reader always returns or throws; "json" is never reached and only tells the
          // OpenAPI document the body's content type.
          parse: [({ request }) => readJsonBody(request, limit), "json"],
          body: ChatCompletionRequest,
          response: { 200: ChatCompletion, ...errors },
          detail: {
            summary: "Create a chat completion",
            description:
              "OpenAI-compatible chat completion. With `stream: true` the answer is `text/event-stream`: " +
              "`data: <chat.completion.chunk>` frames ended by `data: [DONE]`.",
          },
        },
      )
      .get("/v1/models", () => ({ object: "list" as const, data: engine.listModels().map(toModel) }), {
        response: { 200: OpenAIModelList, ...errors },
        detail: { summary: "List models" },
      })
      .get(
        // Wildcard: local model names may contain slashes ("org/model").
        "/v1/models/*",
        ({ params }) => {
          const id = safeDecode(params["*"]);
          const model = engine.listModels().find((m) => m.id === id);
          if (!model) throw new ApiError(404, "model_not_found", `The model '${id}' does not exist.`, "model");
          return toModel(model);
        },
        { response: { 200: OpenAIModel, ...errors }, detail: { summary: "Retrieve a model" } },
      )
  );
}

const safeDecode = (s: string) => {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
};

const toModel = (m: { id: string; created: number; ownedBy: string }) => ({
  id: m.id,
  object: "model" as const,
  created: m.created,
  owned_by: m.ownedBy,
});

async function collect(first: GenerateEvent, events: AsyncIterator<GenerateEvent>): Promise<GenerateEvent[]> {
  const all = [first];
  try {
    for (let r = await events.next(); !r.done; r = await events.next()) {
      all.push(r.value);
      if (r.value.type === "done" || r.value.type === "error") break;
    }
  } finally {
    await events.return?.();
  }
  return all;
}

/** Serialized SSE frames. Its finally returns the engine iterator, which cancels the sequence
 *  (client disconnect cancels the stream, which returns this generator). */
async function* streamFrames(
  first: GenerateEvent,
  events: AsyncIterator<GenerateEvent>,
  converter: ChatStreamConverter,
): AsyncGenerator<string, void, undefined> {
  try {
    for (const frame of converter.process(first)) yield JSON.stringify(frame);
    while (!converter.finished) {
      const r = await events.next();
      const frames = r.done ? converter.done() : converter.process(r.value);
      for (const frame of frames) yield JSON.stringify(frame);
    }
    if (converter.completed) yield "[DONE]";
  } catch (err) {
    // Headers are sent: the only way left to report is an error frame.
    if (!(err instanceof ApiError)) console.error("openai stream error:", err);
    yield JSON.stringify(toOpenAIError(err).body);
  } finally {
    await events.return?.();
  }
}
