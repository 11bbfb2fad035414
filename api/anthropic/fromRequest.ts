// Anthropic Messages request -> the internal GenerateRequest. Pure (given the signer that opens
// this server's own thinking signatures); semantic errors throw ApiError(400) naming the field.
import {
  base64DataUri,
  type ChatMessage,
  type ContentPart,
  type GenerateRequest,
  type ReasoningEffort,
  type ReasoningOptions,
  type ResponseFormat,
  type ToolCall,
  type ToolChoice,
  type ToolDefinition,
} from "../../core/index.ts";
import type { ContentBlockParam, CountTokensRequest, MessagesRequest } from "../../schemas/anthropic-messages.ts";
import { toSampling } from "../../schemas/sampling.ts";
import { ApiError, badRequest, unsupportedParameter } from "../http/errors.ts";
import type { ThinkingSigner } from "./thinkingSignature.ts";

/** Claude Code's first system block: it changes with every client version and tells the model nothing. */
const BILLING_HEADER = "x-anthropic-billing-header:";

/** An image block: `source` base64 (with media_type) or url; the engine fetches and checks it. */
function imagePart(block: unknown, param: string): ContentPart {
  const source = (block as { source?: unknown }).source as { type?: unknown; media_type?: unknown; data?: unknown; url?: unknown } | undefined;
  if (source?.type === "base64") {
    if (typeof source.media_type !== "string" || !source.media_type.startsWith("image/"))
      throw badRequest("image source.media_type must be an image type (image/png, image/jpeg, ...).", `${param}.source.media_type`);
    if (typeof source.data !== "string" || source.data === "") throw badRequest("image source.data must be base64.", `${param}.source.data`);
    return { type: "image", url: base64DataUri(source.media_type, source.data), param: `${param}.source.data` };
  }
  if (source?.type === "url") {
    if (typeof source.url !== "string" || source.url === "") throw badRequest("image source.url must be a URL.", `${param}.source.url`);
    return { type: "image", url: source.url, param: `${param}.source.url` };
  }
  throw new ApiError("unsupported", "unsupported_content", "image source.type must be base64 or url (file sources are not supported).", `${param}.source.type`);
}
const unsupportedBlock = (param: string, type: string) =>
  new ApiError("unsupported", "unsupported_content", `Content block type '${type}' is not supported here.`, param);

export function fromMessagesRequest(body: MessagesRequest, signer: ThinkingSigner): GenerateRequest {
  return {
    ...fromPrompt(body, signer),
    sampling: toSampling(body),
    // More than the context holds is clamped by the scheduler to what remains.
    maxTokens: body.max_tokens,
    stop: (body.stop_sequences ?? []).filter((s) => s.length > 0),
  };
}

const METADATA_KEYS = new Set(["user_id", "request_id", "mode"]);

/** Anthropic's metadata has user_id; request_id and mode are this server's. Any other key is refused. */
export function checkMetadata(metadata: MessagesRequest["metadata"]): void {
  for (const key of Object.keys(metadata ?? {})) {
    if (!METADATA_KEYS.has(key)) throw unsupportedParameter(`metadata.${key}`, `metadata.${key}`);
  }
}

/** count_tokens: the same prompt, nothing generated. */
export function fromCountTokensRequest(body: CountTokensRequest, signer: ThinkingSigner): GenerateRequest {
  return { ...fromPrompt(body, signer), sampling: toSampling({}), stop: [] };
}

/** thinking.display "omitted": thinking blocks carry their signature only. */
export const thinkingOmitted = (body: CountTokensRequest) => body.thinking?.display === "omitted";

function fromPrompt(body: CountTokensRequest, signer: ThinkingSigner): Omit<GenerateRequest, "sampling" | "stop"> {
  if (body.mcp_servers != null) throw unsupportedParameter("mcp_servers", "The MCP connector (mcp_servers)");
  if (body.container != null) throw unsupportedParameter("container", "Code-execution containers (container)");
  return {
    model: body.model,
    messages: toMessages(body, signer),
    returnPrompt: false,
    ...toTools(body),
    toolCallIdPrefix: "toolu_",
    responseFormat: toResponseFormat(body),
    reasoning: toReasoning(body),
  };
}

// ---- messages ----

function toMessages(body: CountTokensRequest, signer: ThinkingSigner): ChatMessage[] {
  const system: ContentPart[] = systemParts(body.system, "system");
  const toolNames = new Set((body.tools ?? []).map((tool) => tool.name));
  const out: ChatMessage[] = [];
  body.messages.forEach((m, i) => {
    const at = `messages[${i}]`;
    // Claude Code sends one after the first user turn: it joins the system prompt.
    if (m.role === "system") system.push(...systemParts(m.content, `${at}.content`));
    else if (m.role === "user") out.push(...userMessages(m.content, at, toolNames));
    else out.push(assistantMessage(m.content, at, signer));
  });
  const last = body.messages.findLastIndex((m) => m.role !== "system");
  if (last < 0) throw badRequest("messages must contain a user message.", "messages");
  if (body.messages[last]!.role === "assistant")
    throw new ApiError("unsupported", "unsupported_parameter", "A final assistant message (prefill) is not supported: end with a user message.", `messages[${last}]`);
  return system.length > 0 ? [{ role: "system", content: system }, ...out] : out;
}

function systemParts(content: string | ContentBlockParam[] | undefined, at: string): ContentPart[] {
  if (content == null) return [];
  const blocks = typeof content === "string" ? [{ type: "text", text: content }] : content;
  return blocks.flatMap((block, j) => {
    const param = typeof content === "string" ? at : `${at}[${j}]`;
    if (block.type !== "text") throw badRequest(`System content must be text blocks, not '${block.type}'.`, `${param}.type`);
    const text = textOf(block, param);
    return text === "" || text.startsWith(BILLING_HEADER) ? [] : [{ type: "text" as const, text }];
  });
}

/** A user turn: its tool results first (they must follow the calls they answer), then its text. */
function userMessages(content: string | ContentBlockParam[], at: string, toolNames: Set<string>): ChatMessage[] {
  if (typeof content === "string") return [{ role: "user", content: [{ type: "text", text: content }] }];
  const results: ChatMessage[] = [];
  const parts: ContentPart[] = [];
  content.forEach((block, j) => {
    const param = `${at}.content[${j}]`;
    switch (block.type) {
      case "text":
        parts.push({ type: "text", text: textOf(block, param) });
        break;
      case "tool_result":
        results.push(toolResult(block, param, toolNames));
        break;
      case "image":
        parts.push(imagePart(block, param));
        break;
      case "tool_use":
      case "thinking":
      case "redacted_thinking":
        throw badRequest(`'${block.type}' blocks belong in assistant messages.`, `${param}.type`);
      default:
        throw unsupportedBlock(`${param}.type`, block.type);
    }
  });
  return parts.length > 0 || results.length === 0 ? [...results, { role: "user", content: parts }] : results;
}

function toolResult(block: ContentBlockParam, param: string, toolNames: Set<string>): ChatMessage {
  if (typeof block.tool_use_id !== "string" || block.tool_use_id === "")
    throw badRequest("tool_result blocks need a tool_use_id.", `${param}.tool_use_id`);
  const msg: ChatMessage = { role: "tool", content: toolResultParts(block.content, `${param}.content`, toolNames), toolCallId: block.tool_use_id };
  if (block.is_error === true) msg.isError = true;
  return msg;
}

function toolResultParts(content: ContentBlockParam["content"], at: string, toolNames: Set<string>): ContentPart[] {
  if (content == null) return [];
  if (typeof content === "string") return [{ type: "text", text: content }];
  return content.map((block, k) => {
    const param = `${at}[${k}]`;
    if (block.type === "image") return imagePart(block, param);
    if (block.type === "tool_reference") return { type: "text", text: toolReference(block as { tool_name?: unknown }, param, toolNames) };
    if (block.type !== "text") throw unsupportedBlock(`${param}.type`, block.type);
    return { type: "text", text: textOf(block, param) };
  });
}

/**
 * A tool search's answer (Claude Code's ToolSearch): it names a deferred tool to load. Every tool
 * is offered to the model here already, so the reference only tells the model the tool's name.
 */
function toolReference(block: { tool_name?: unknown }, param: string, toolNames: Set<string>): string {
  const name = block.tool_name;
  if (typeof name !== "string" || !toolNames.has(name))
    throw badRequest(`tool_reference names '${String(name)}', which is not in tools.`, `${param}.tool_name`);
  return `Tool available: ${name}`;
}

function assistantMessage(content: string | ContentBlockParam[], at: string, signer: ThinkingSigner): ChatMessage {
  if (typeof content === "string") return { role: "assistant", content: [{ type: "text", text: content }] };
  const parts: ContentPart[] = [];
  const calls: ToolCall[] = [];
  const reasoning: string[] = [];
  content.forEach((block, j) => {
    const param = `${at}.content[${j}]`;
    switch (block.type) {
      case "text":
        parts.push({ type: "text", text: textOf(block, param) });
        break;
      case "tool_use":
        calls.push(toolUse(block, param));
        break;
      case "thinking": {
        if (typeof block.signature !== "string") throw badRequest("thinking blocks need their signature.", `${param}.signature`);
        // Only our own reasoning goes back into the prompt, restored from the signature (the
        // client may have received it omitted); another model's thinking is dropped.
        const own = signer.open(block.signature);
        if (own) reasoning.push(own);
        break;
      }
      case "redacted_thinking":
        break; // opaque, and never ours: dropped
      case "image":
        throw badRequest("image blocks belong in user messages.", `${param}.type`);
      case "tool_result":
        throw badRequest("tool_result blocks belong in user messages.", `${param}.type`);
      default:
        throw unsupportedBlock(`${param}.type`, block.type);
    }
  });
  const msg: ChatMessage = { role: "assistant", content: parts };
  if (calls.length > 0) msg.toolCalls = calls;
  if (reasoning.length > 0) msg.reasoning = reasoning.join("\n");
  return msg;
}

function toolUse(block: ContentBlockParam, param: string): ToolCall {
  if (typeof block.id !== "string" || block.id === "") throw badRequest("tool_use blocks need an id.", `${param}.id`);
  if (typeof block.name !== "string" || block.name === "") throw badRequest("tool_use blocks need a name.", `${param}.name`);
  const input = block.input ?? {};
  if (typeof input !== "object" || input === null || Array.isArray(input))
    throw badRequest("tool_use input must be an object.", `${param}.input`);
  return { id: block.id, name: block.name, arguments: JSON.stringify(input) };
}

function textOf(block: { text?: string }, param: string): string {
  if (typeof block.text !== "string") throw badRequest("text blocks need a text string.", `${param}.text`);
  return block.text;
}

// ---- tools ----

function toTools(body: CountTokensRequest): Pick<GenerateRequest, "tools" | "toolChoice" | "parallelToolCalls"> {
  const names = new Set<string>();
  const tools: ToolDefinition[] = (body.tools ?? []).map((tool, i) => {
    const at = `tools[${i}]`;
    if (tool.type != null && tool.type !== "custom")
      throw new ApiError("unsupported", "unsupported_parameter", `Server tool '${tool.type}' is not supported: only client tools.`, `${at}.type`);
    if (!tool.input_schema) throw badRequest(`Missing required parameter: '${at}.input_schema'.`, `${at}.input_schema`);
    const extra = tool as Record<string, unknown>;
    if (extra.input_examples != null) throw unsupportedParameter(`${at}.input_examples`, "input_examples");
    const callers = extra.allowed_callers;
    if (Array.isArray(callers) && callers.some((c) => c !== "direct"))
      throw unsupportedParameter(`${at}.allowed_callers`, "Callers other than 'direct'");
    if (names.has(tool.name)) throw badRequest(`Tool names must be unique: '${tool.name}' appears twice.`, `${at}.name`);
    names.add(tool.name);
    return {
      name: tool.name,
      description: tool.description,
      parameters: tool.input_schema,
      // Strict tools must match their schema exactly: an unenforceable keyword is a 400 then.
      relaxSchema: tool.strict !== true,
    };
  });
  const choice = body.tool_choice;
  let toolChoice: ToolChoice = tools.length > 0 ? "auto" : "none";
  if (choice?.type === "none") toolChoice = "none";
  if (choice?.type === "any") toolChoice = "required";
  if (choice?.type === "tool") {
    if (!choice.name) throw badRequest("tool_choice of type 'tool' needs a name.", "tool_choice.name");
    if (!names.has(choice.name)) throw badRequest(`tool_choice names '${choice.name}', which is not in tools.`, "tool_choice.name");
    toolChoice = { name: choice.name };
  }
  if (toolChoice === "required" && tools.length === 0) throw badRequest("tool_choice 'any' requires tools.", "tool_choice");
  return { tools, toolChoice, parallelToolCalls: choice?.disable_parallel_tool_use !== true };
}

// ---- reasoning and output ----

const EFFORT: Record<string, ReasoningEffort> = { low: "low", medium: "medium", high: "high", xhigh: "high", max: "high" };

/** A thinking budget as an effort, for what only knows efforts (the grammar before a forced call). */
export function effortForBudget(tokens: number): ReasoningEffort {
  if (tokens < 4096) return "low";
  if (tokens < 16384) return "medium";
  return "high";
}

function toReasoning(body: CountTokensRequest): ReasoningOptions {
  // A system message's output_config sets the effort from its turn on.
  const perTurn = body.messages.findLast((m) => m.role === "system" && m.output_config?.effort != null)?.output_config?.effort;
  const named = perTurn ?? body.output_config?.effort ?? undefined;
  if (named != null && !(named in EFFORT)) throw badRequest(`Unknown effort '${named}'.`, "output_config.effort");
  const effort = named == null ? undefined : EFFORT[named];
  const thinking = body.thinking;
  switch (thinking?.type) {
    case "enabled": {
      const budget = thinking.budget_tokens;
      if (budget == null) throw badRequest("thinking of type 'enabled' needs budget_tokens.", "thinking.budget_tokens");
      return { enabled: true, effort: effort ?? effortForBudget(budget), budgetTokens: budget };
    }
    case "adaptive":
      // Anthropic's default effort is high.
      return { enabled: true, effort: effort ?? "high" };
    default:
      // Absent means off, as on Anthropic's API.
      return { enabled: false, effort: effort ?? "medium" };
  }
}

const OUTPUT_CONFIG_KEYS = new Set(["effort", "format"]);

function toResponseFormat(body: CountTokensRequest): ResponseFormat | undefined {
  for (const key of Object.keys(body.output_config ?? {})) {
    if (!OUTPUT_CONFIG_KEYS.has(key)) throw unsupportedParameter(`output_config.${key}`);
  }
  const format = body.output_config?.format;
  // Structured output is a guarantee: a schema the grammar cannot enforce is a 400, never relaxed.
  return format ? { type: "json_schema", schema: format.schema, strict: true } : undefined;
}
