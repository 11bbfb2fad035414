// OpenAI Chat Completions routes. Thin: validate, translate, and map three outcomes only
// (an error, a full response, a stream).
import { Elysia } from "elysia";
import type { Engine, GenerateRequest } from "../../core/index.ts";
import {
  ChatCompletion,
  ChatCompletionRequest,
  OpenAIErrorBody,
} from "../../schemas/openai-chat.ts";
import { startGeneration } from "../generation.ts";
import { DEFAULT_MAX_BODY_BYTES, jsonBody } from "../http/body.ts";
import { protocolErrorHandler } from "../http/onError.ts";
import { checkMetadata, requestCaller } from "../http/requestId.ts";
import { answerChat } from "./answer.ts";
import { openAIErrorResponse } from "./errors.ts";
import { fromChatRequest, usageMode } from "./fromRequest.ts";

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
        async ({ body, request, set }) => {
          // First: a client's request_id names every answer from here on, errors included.
          const caller = requestCaller(request, set, "chat-completions", body.metadata);
          checkMetadata(body.metadata);
          const req: GenerateRequest = { ...fromChatRequest(body), caller };
          const generation = await startGeneration(engine, req, request.signal);
          return answerChat(generation, req, body.model, body.stream ? usageMode(body) : undefined);
        },
        {
          parse: jsonBody(limit, ChatCompletionRequest),
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
  );
}
