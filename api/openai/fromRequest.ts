// OpenAI Chat Completions request -> the internal GenerateRequest. Pure; semantic errors throw
// ApiError(400) naming the parameter, so the client learns which field to fix.
import { badRequest, unsupportedParameter } from "../http/errors.ts";
import {
  base64DataUri,
  type ChatMessage,
  type GenerateRequest,
  type ContentPart,
  type ReasoningOptions,
  type ResponseFormat,
  type ToolChoice,
  type ToolDefinition,
} from "../../core/index.ts";
import type { ChatCompletionRequest } from "../../schemas/openai-chat.ts";
import { unhonouredLlamaServerField } from "../../schemas/llama-server-fields.ts";
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
    maxTokens: toMaxTokens(body),
    stop: normalizeStop(body.stop),
    topLogprobs: toTopLogprobs(body),
    returnPrompt: body.return_prompt === true,
    ...toTools(body),
    responseFormat: toResponseFormat(body),
    reasoning: toReasoning(body),
    cachePrompt: body.cache_prompt ?? true,
    // The engine refuses more choices than the model decodes at once (--parallel).
    ...(body.n != null && body.n !== 1 ? { n: body.n } : {}),
  };
}

/** max_completion_tokens, max_tokens, then llama-server's n_predict (-1: no limit). */
function toMaxTokens(b: ChatCompletionRequest): number | undefined {
  const limit = b.max_completion_tokens ?? b.max_tokens;
  if (limit != null) return limit;
  if (b.n_predict === 0) throw badRequest("n_predict must be -1 (no limit) or at least 1.", "n_predict", "invalid_value");
  return b.n_predict != null && b.n_predict > 0 ? b.n_predict : undefined;
}

/** OpenAI's logprobs + top_logprobs, else llama-server's n_probs (above 0 asks for logprobs). */
function toTopLogprobs(b: ChatCompletionRequest): number | undefined {
  if (b.logprobs) return b.top_logprobs ?? b.n_probs ?? 0;
  return b.n_probs != null && b.n_probs > 0 ? b.n_probs : undefined;
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

/** response_format, or llama-server's top-level grammar or json_schema: one of them at most. */
function toResponseFormat(b: ChatCompletionRequest): ResponseFormat | undefined {
  const given = (["response_format", "grammar", "json_schema"] as const).filter((k) => {
    const value = b[k];
    return value != null && !(k === "response_format" && b.response_format?.type === "text");
  });
  if (given.length > 1)
    throw badRequest(`${given.join(" and ")} cannot be combined: give one output constraint.`, given[1]);
  if (b.grammar != null) return { type: "grammar", grammar: b.grammar };
  if (b.json_schema != null) return llamaSchema(b.json_schema);
  const format = b.response_format;
  if (format == null || format.type === "text") return undefined;
  if (format.type === "json_object") return format.schema ? llamaSchema(format.schema) : { type: "json_object" };
  const spec = format.json_schema;
  if (!spec.schema) throw badRequest("response_format.json_schema.schema is required.", "response_format.json_schema.schema");
  return { type: "json_schema", name: spec.name, schema: spec.schema, strict: spec.strict ?? undefined };
}

/**
 * A schema given the llama-server way (json_schema, or response_format json_object with a
 * schema) keeps llama.cpp's reading: absent additionalProperties allow no other keys (strict),
 * and an empty schema is any object.
 */
function llamaSchema(schema: Record<string, unknown>): ResponseFormat {
  if (Object.keys(schema).length === 0) return { type: "json_object" };
  return { type: "json_schema", schema, strict: true };
}

const REASONING_KEYS = new Set(["effort", "enabled"]);

/** llama-server's chat_template_kwargs keys that have a meaning here. */
const TEMPLATE_KWARGS = new Set(["enable_thinking", "reasoning_effort"]);
const EFFORTS = new Set(["none", "minimal", "low", "medium", "high"]);

function toReasoning(b: ChatCompletionRequest): ReasoningOptions {
  for (const key of Object.keys(b.reasoning ?? {})) {
    if (!REASONING_KEYS.has(key)) throw unsupported(`reasoning.${key}`, `reasoning.${key}`);
  }
  const kwargs = templateKwargs(b);
  const flag = b.enable_thinking ?? b.reasoning?.enabled ?? kwargs.enable_thinking;
  const effort = b.reasoning_effort ?? b.reasoning?.effort ?? kwargs.reasoning_effort ?? "medium";
  const enabled = flag == null ? effort !== "none" : flag === true || flag === "true";
  return { enabled, effort };
}

/** chat_template_kwargs: the keys this server knows, checked; any other key is refused by name. */
function templateKwargs(b: ChatCompletionRequest): { enable_thinking?: boolean; reasoning_effort?: ReasoningOptions["effort"] } {
  const kwargs = b.chat_template_kwargs ?? {};
  for (const key of Object.keys(kwargs)) {
    if (!TEMPLATE_KWARGS.has(key)) throw unsupported(`chat_template_kwargs.${key}`, `chat_template_kwargs.${key}`);
  }
  const { enable_thinking: thinking, reasoning_effort: effort } = kwargs;
  if (thinking != null && typeof thinking !== "boolean")
    throw badRequest("chat_template_kwargs.enable_thinking must be a boolean.", "chat_template_kwargs.enable_thinking", "invalid_type");
  if (effort != null && !EFFORTS.has(effort as string))
    throw badRequest(
      "chat_template_kwargs.reasoning_effort must be none, minimal, low, medium or high.",
      "chat_template_kwargs.reasoning_effort",
      "invalid_value",
    );
  return {
    enable_thinking: thinking ?? undefined,
    reasoning_effort: (effort ?? undefined) as ReasoningOptions["effort"] | undefined,
  };
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
    const param = `${at}.content[${j}]`;
    if (p.type === "image_url") return imagePart(p, param);
    if (p.type === "input_audio") return audioPart(p, param);
    if (p.type !== "text") throw unsupported(`${param}.type`, `Content part type '${p.type}'`);
    if (typeof p.text !== "string") throw badRequest(`${param}.text must be a string.`, `${param}.text`);
    return { type: "text", text: p.text };
  });
}

type RequestPart = Exclude<RequestMessage["content"], string | null | undefined>[number];

/** `{"type":"image_url","image_url":{"url"}}`: an http(s) URL or a data: URI, fetched by the engine. */
function imagePart(p: RequestPart, param: string): ContentPart {
  const url = (p.image_url as { url?: unknown } | undefined)?.url;
  if (typeof url !== "string" || url === "")
    throw badRequest(`${param}.image_url.url must be a URL or a data: URI.`, `${param}.image_url.url`);
  return { type: "image", url, param: `${param}.image_url.url` };
}

const AUDIO_TYPES: Record<string, string> = { wav: "audio/wav", mp3: "audio/mpeg" };

/** `{"type":"input_audio","input_audio":{"data":"<base64>","format":"wav"|"mp3"}}`. */
function audioPart(p: RequestPart, param: string): ContentPart {
  const audio = p.input_audio as { data?: unknown; format?: unknown } | undefined;
  if (typeof audio?.data !== "string" || audio.data === "")
    throw badRequest(`${param}.input_audio.data must be base64 audio.`, `${param}.input_audio.data`);
  const mediaType = typeof audio.format === "string" ? AUDIO_TYPES[audio.format] : undefined;
  if (!mediaType) throw badRequest(`${param}.input_audio.format must be "wav" or "mp3".`, `${param}.input_audio.format`, "invalid_value");
  return { type: "audio", url: base64DataUri(mediaType, audio.data), param: `${param}.input_audio.data` };
}

/** Fields this server recognizes but cannot honour yet: a 400 beats silently ignoring them. */
function rejectUnsupported(b: ChatCompletionRequest): void {
  if (b.functions != null) throw unsupported("functions", "functions");
  if (b.function_call != null) throw unsupported("function_call", "function_call");
  if (b.logit_bias != null && !isEmptyObject(b.logit_bias)) throw unsupported("logit_bias", "logit_bias");
  if (b.audio != null) throw unsupported("audio", "Audio output");
  const mods = b.modalities;
  if (mods != null && !(Array.isArray(mods) && mods.every((x) => x === "text")))
    throw unsupported("modalities", "Output modalities other than text");
  if (b.prediction != null) throw unsupported("prediction", "prediction");
  const unhonoured = unhonouredLlamaServerField(b as Record<string, unknown>);
  if (unhonoured) throw unsupported(unhonoured.name, unhonoured.what);
}

const isEmptyObject = (v: unknown) => typeof v === "object" && v !== null && Object.keys(v).length === 0;
