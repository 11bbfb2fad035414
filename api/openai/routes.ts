// OpenAI Chat Completions routes. Thin: validate, translate, and map three outcomes only
// (an error, a full response, a stream).
import { Elysia } from "elysia";
import type { Engine } from "../../core/index.ts";
import {
  ChatCompletion,
  ChatCompletionRequest,
  OpenAIErrorBody,
  OpenAIModel,
  OpenAIModelList,
} from "../../schemas/openai-chat.ts";
import { accumulateChoices, collectEvents, startGeneration, streamFrames } from "../generation.ts";
import { DEFAULT_MAX_BODY_BYTES, readJsonBody } from "../http/body.ts";
import { modelNotFound } from "../http/errors.ts";
import { protocolErrorHandler } from "../http/onError.ts";
import { sseResponse } from "../http/sse.ts";
import { openAIErrorResponse } from "./errors.ts";
import { fromChatRequest, usageMode } from "./fromRequest.ts";
import { ChatStreamConverter } from "./streamConverter.ts";
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
      // Local (the default scope): only this plugin's routes answer in OpenAI's error shape.
      .onError(protocolErrorHandler(ChatCompletionRequest, openAIErrorResponse, "openai"))
      .post(
        "/v1/chat/completions",
        async ({ body, request }) => {
          const req = fromChatRequest(body);
          const generation = await startGeneration(engine, req, request.signal);
          const ctx: CompletionContext = {
            id: `chatcmpl-${crypto.randomUUID().replaceAll("-", "")}`,
            created: Math.floor(Date.now() / 1000),
            model: body.model,
            logprobs: req.topLogprobs !== undefined,
            returnPrompt: req.returnPrompt,
          };
          if (!body.stream) return toChatCompletion(accumulateChoices(await collectEvents(generation)), ctx);
          const converter = new ChatStreamConverter({ ...ctx, usage: usageMode(body), n: req.n });
          // Elysia sends a Response as is (no response validation); the cast only satisfies its
          // typing, which does not accept a union of a schema type and Response.
          return sseResponse(streamFrames(generation, converter)) as unknown as ChatCompletion;
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
          const models = engine.listModels();
          const model = models.find((m) => m.id === id);
          if (!model) throw modelNotFound(id, models.map((m) => m.id));
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
