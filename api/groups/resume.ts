// POST /v1/chat/resume: continue a group execution paused for approval. Answered exactly as
// /v1/chat/completions answers (JSON or SSE, kitemesh, errors in OpenAI's shape).
import { Elysia } from "elysia";
import type { Engine, GenerateRequest } from "../../core/index.ts";
import { ChatCompletion, OpenAIErrorBody } from "../../schemas/openai-chat.ts";
import { ChatResumeRequest } from "../../schemas/groups.ts";
import { startGeneration } from "../generation.ts";
import { DEFAULT_MAX_BODY_BYTES, jsonBody } from "../http/body.ts";
import { ApiError } from "../http/errors.ts";
import { protocolErrorHandler } from "../http/onError.ts";
import { checkMetadata, requestCaller } from "../http/requestId.ts";
import { openAIErrorResponse } from "../openai/errors.ts";
import { fromChatRequest, usageMode } from "../openai/fromRequest.ts";
import { answerChat } from "../openai/answer.ts";

const errors = { 400: OpenAIErrorBody, 403: OpenAIErrorBody, 404: OpenAIErrorBody, 409: OpenAIErrorBody, 410: OpenAIErrorBody, 413: OpenAIErrorBody, 500: OpenAIErrorBody };

export function resumeRoutes(engine: Engine, approvalGroup: (approvalId: string) => string | undefined, options: { maxBodyBytes?: number } = {}) {
  const limit = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  return new Elysia({ name: "groups-resume", detail: { tags: ["Groups"] } })
    .onError(protocolErrorHandler(ChatResumeRequest, openAIErrorResponse, "groups"))
    .post(
      "/v1/chat/resume",
      async ({ body, request, set }) => {
        const caller = requestCaller(request, set, "chat-completions", body.metadata);
        checkMetadata(body.metadata);
        // The approval names its group; a model the client names must be that group (checked by the engine).
        const model = body.model ?? approvalGroup(body.approval_id);
        if (model === undefined) throw new ApiError("not_found", "approval_not_found", `No approval '${body.approval_id.slice(0, 64)}' exists.`, "approval_id");
        const base = fromChatRequest({ ...body, model, messages: body.messages ?? [] });
        const req: GenerateRequest = {
          ...base,
          caller,
          resume: {
            approvalId: body.approval_id,
            approvedToolExecutionIds: body.approved_tool_execution_ids ?? [],
            deniedTools: (body.denied_tools ?? []).map((d) => ({ toolExecutionId: d.tool_execution_id, ...(d.reason != null ? { reason: d.reason } : {}) })),
          },
        };
        const generation = await startGeneration(engine, req, request.signal);
        return answerChat(generation, req, model, body.stream ? usageMode({ ...body, model, messages: [] }) : undefined);
      },
      {
        parse: jsonBody(limit, ChatResumeRequest),
        body: ChatResumeRequest,
        response: { 200: ChatCompletion, ...errors },
        detail: {
          summary: "Continue a group execution paused for approval",
          description:
            "Runs the approved pending tool calls, reports the denied ones to the model (`denied by the user: <reason>`), adds `messages`, " +
            "and continues the same execution. Answered like /v1/chat/completions (JSON, or SSE with `stream: true`); it may pause again. " +
            "404 unknown approval, 409 already used, 410 expired, 400 for an id that is not one of its pending calls.",
        },
      },
    );
}
