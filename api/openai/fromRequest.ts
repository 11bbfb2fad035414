// OpenAI Chat Completions request -> the internal GenerateRequest. Pure; semantic errors throw
// ApiError(400) naming the parameter, so the client learns which field to fix.
import { ApiError, badRequest, unsupportedParameter } from "../http/errors.ts";
import type {
  ChatMessage,
  GenerateRequest,
  ContentPart,
  ReasoningOptions,
  ResponseFormat,
  ToolChoice,
  ToolDefinition,
} from "../../core/index.ts";
import type { ChatCompletionRequest } from "../../schemas/openai-chat.ts";
import { toSampling } from "../../schemas/sampling.ts";
import type { UsageMode } from "./streamConverter.ts";

type RequestMessage = ChatCompletionRequest["messages"][number];

const unsupported = (param: string, what: string) => unsupportedParameter(param, what);

export function fromChatRequest(body: ChatCompletionRequest): GenerateRequest {
  rejectUnsupported(body);
  if (body.top_logprobs != null && body.logprobs !== true)
    throw badRequest("top_logprobs requires logprobs to be true.", "top_logprobs");

  return {
    model: body.model,
    messages: body.messages.map(toMessage),
    sampling: toSampling(body),
    maxTokens: body.max_completion_tokens ?? body.max_tokens ?? undefined,
    stop: normalizeStop(body.stop),
    topLogprobs: body.logprobs ? (body.top_logprobs ?? 0) : undefined,
    returnPrompt: body.return_prompt === true,
    ...toTools(body),
    responseFormat: toResponseFormat(body),
    reasoning: toReasoning(body),
  };
}

function toTools(b: ChatCompletionRequest): Pick<GenerateRequest, "tools" | "toolChoice" | "parallelToolCalls"> {
  const tools: ToolDefinition[] = (b.tools ?? []).map((tool) => ({
    name: tool.function.name,
    description: tool.function.description,
    parameters: tool.function.parameters as Record<string, unknown> | undefined,
  }));
  let toolChoice: ToolChoice = tools.length > 0 ? "auto" : "none";
  const choice = b.tool_choice;
  if (choice != null) toolChoice = typeof choice === "string" ? choice : { name: choice.function.name };
  if (toolChoice !== "none" && toolChoice !== "auto" && tools.length === 0)
    throw badRequest("tool_choice requires tools.", "tool_choice");
  if (typeof toolChoice === "object" && !tools.some((t) => t.name === (toolChoice as { name: string }).name))
    throw badRequest(`tool_choice names '${toolChoice.name}', which is not in tools.`, "tool_choice");
  return { tools, toolChoice, parallelToolCalls: b.parallel_tool_calls ?? true };
}

function toResponseFormat(b: ChatCompletionRequest): ResponseFormat | undefined {
  const format = b.response_format;
  if (format == null || format.type === "text") return undefined;
  if (format.type === "json_object") return { type: "json_object" };
  const spec = format.json_schema;
  if (!spec.schema) throw badRequest("response_format.json_schema.schema is required.", "response_format.json_schema.schema");
  return { type: "json_schema", name: spec.name, schema: spec.schema, strict: spec.strict ?? undefined };
}

const REASONING_KEYS = new Set(["effort", "enabled"]);

function toReasoning(b: ChatCompletionRequest): ReasoningOptions {
  for (const key of Object.keys(b.reasoning ?? {})) {
    if (!REASONING_KEYS.has(key)) throw unsupported(`reasoning.${key}`, `reasoning.${key}`);
  }
  const flag = b.enable_thinking ?? b.reasoning?.enabled;
  const effort = b.reasoning_effort ?? b.reasoning?.effort ?? "medium";
  const enabled = flag == null ? effort !== "none" : flag === true || flag === "true";
  return { enabled, effort };
}

/** Whether the final streamed chunk carries usage: on unless either switch turns it off. */
export function wantsUsage(body: ChatCompletionRequest): boolean {
  return body.stream_options?.include_usage !== false && body.include_usage !== false;
}

/** OpenAI's own switch (stream_options.include_usage: true) asks for OpenAI's usage chunk. */
export function usageMode(body: ChatCompletionRequest): UsageMode {
  if (!wantsUsage(body)) return "none";
  return body.stream_options?.include_usage === true ? "separate" : "final";
}

/** A single string, an array, or nothing -> string[]; empty strings would stop at once, so drop them. */
export function normalizeStop(stop: string | string[] | null | undefined): string[] {
  if (stop == null) return [];
  return (typeof stop === "string" ? [stop] : stop).filter((s) => s.length > 0);
}

function toMessage(m: RequestMessage, i: number): ChatMessage {
  const at = `messages[${i}]`;
  const role = m.role === "developer" ? "system" : m.role;
  if (m.content == null && role !== "assistant")
    throw badRequest(`${at}.content is required for ${m.role} messages.`, `${at}.content`);
  if (m.tool_calls?.length && role !== "assistant")
    throw badRequest(`${at}.tool_calls is only allowed on assistant messages.`, `${at}.tool_calls`);
  if (role === "tool" && !m.tool_call_id)
    throw badRequest(`${at}.tool_call_id is required for tool messages.`, `${at}.tool_call_id`);

  const msg: ChatMessage = { role, content: toParts(m.content, at) };
  if (m.tool_calls?.length)
    msg.toolCalls = m.tool_calls.map((c) => ({ id: c.id, name: c.function.name, arguments: c.function.arguments }));
  if (role === "tool") msg.toolCallId = m.tool_call_id;
  if (m.name) msg.name = m.name;
  const reasoning = m.reasoning_content ?? m.reasoning;
  if (role === "assistant" && reasoning) msg.reasoning = reasoning;
  return msg;
}

function toParts(content: RequestMessage["content"], at: string): ContentPart[] {
  if (content == null) return [];
  if (typeof content === "string") return [{ type: "text", text: content }];
  return content.map((p, j) => {
    if (p.type !== "text") throw unsupported(`${at}.content[${j}].type`, `Content part type '${p.type}'`);
    if (typeof p.text !== "string")
      throw badRequest(`${at}.content[${j}].text must be a string.`, `${at}.content[${j}].text`);
    return { type: "text", text: p.text };
  });
}

/** Fields this server recognizes but cannot honour yet: a 400 beats silently ignoring them. */
function rejectUnsupported(b: ChatCompletionRequest): void {
  if (b.n != null && b.n !== 1)
    throw new ApiError("unsupported", "unsupported_parameter", "Only n=1 is supported.", "n");
  if (b.functions != null) throw unsupported("functions", "functions");
  if (b.function_call != null) throw unsupported("function_call", "function_call");
  if (b.logit_bias != null && !isEmptyObject(b.logit_bias)) throw unsupported("logit_bias", "logit_bias");
  if (b.audio != null) throw unsupported("audio", "Audio output");
  const mods = b.modalities;
  if (mods != null && !(Array.isArray(mods) && mods.every((x) => x === "text")))
    throw unsupported("modalities", "Output modalities other than text");
  if (b.prediction != null) throw unsupported("prediction", "prediction");
}

const isEmptyObject = (v: unknown) => typeof v === "object" && v !== null && Object.keys(v).length === 0;
