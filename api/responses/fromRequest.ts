// OpenAI Responses request -> the internal GenerateRequest. Pure: the stored conversation
// (previous_response_id) and the reasoning decryptor are passed in by the route.
import type { ChatMessage, GenerateRequest, ReasoningEffort, ReasoningOptions, ResponseFormat, ToolChoice } from "../../core/index.ts";
import { badRequest, unsupportedParameter } from "../http/errors.ts";
import { toSampling } from "../../schemas/sampling.ts";
import type { ResponsesRequest } from "../../schemas/openai-responses.ts";
import { convertInput, type ReasoningRestorer } from "./items.ts";
import { qualifiedName, toToolPlan, type ToolPlan } from "./tools.ts";

export interface ResponsesPlan {
  request: GenerateRequest;
  /** The conversation without instructions (they are not carried over by previous_response_id). */
  conversation: ChatMessage[];
  /** This request's input items, ids filled in. */
  inputItems: Record<string, unknown>[];
  toolPlan: ToolPlan;
  /** What the client asked for beyond the generation itself. */
  wants: { encryptedReasoning: boolean; reasoningSummary: boolean; logprobs: boolean };
}

export interface FromRequestOptions {
  /** The stored conversation that previous_response_id continues. */
  history?: ChatMessage[];
  restoreReasoning?: ReasoningRestorer;
}

export const INCLUDE_ENCRYPTED_REASONING = "reasoning.encrypted_content";
export const INCLUDE_LOGPROBS = "message.output_text.logprobs";

export function fromResponsesRequest(body: ResponsesRequest, options: FromRequestOptions = {}): ResponsesPlan {
  rejectUnsupported(body);
  const input = convertInput(body.input as string | Record<string, unknown>[] | null | undefined, options.restoreReasoning ?? (() => undefined));
  const conversation = [...(options.history ?? []), ...input.messages];
  if (conversation.length === 0 && !body.instructions) throw badRequest("Missing required parameter: 'input'.", "input", "missing_required_parameter");
  const messages: ChatMessage[] = body.instructions
    ? [{ role: "system", content: [{ type: "text", text: body.instructions }] }, ...conversation]
    : conversation;

  const toolPlan = toToolPlan(body.tools);
  const include = new Set(body.include ?? []);
  const logprobs = include.has(INCLUDE_LOGPROBS) || (body.top_logprobs ?? 0) > 0;
  const summary = body.reasoning?.summary ?? body.reasoning?.generate_summary;
  const request: GenerateRequest = {
    model: body.model,
    messages,
    sampling: toSampling(body),
    maxTokens: body.max_output_tokens ?? undefined,
    stop: normalizeStop(body.stop),
    topLogprobs: logprobs ? (body.top_logprobs ?? 0) : undefined,
    returnPrompt: false,
    tools: toolPlan.tools,
    toolChoice: toToolChoice(body, toolPlan),
    parallelToolCalls: body.parallel_tool_calls ?? true,
    // Item ids are fc_<x>; the call_id handed to the client is call_<x> (see toResponse.ts).
    toolCallIdPrefix: "fc_",
    responseFormat: toResponseFormat(body),
    reasoning: toReasoning(body),
    cacheKey: body.prompt_cache_key ?? undefined,
  };
  return {
    request,
    conversation,
    inputItems: input.items,
    toolPlan,
    wants: {
      encryptedReasoning: include.has(INCLUDE_ENCRYPTED_REASONING),
      reasoningSummary: summary != null && summary !== "none",
      logprobs,
    },
  };
}

function toToolChoice(b: ResponsesRequest, plan: ToolPlan): ToolChoice {
  const choice = b.tool_choice;
  const hasTools = plan.tools.length > 0;
  if (choice == null) return hasTools ? "auto" : "none";
  if (typeof choice === "string") {
    if (choice === "required" && !hasTools) throw badRequest("tool_choice 'required' needs at least one function or custom tool.", "tool_choice");
    return hasTools ? choice : "none";
  }
  const c = choice as { type: string; name?: string; namespace?: string };
  if (c.type !== "function" && c.type !== "custom")
    throw unsupportedParameter("tool_choice.type", `tool_choice of type '${c.type}'`);
  if (!c.name) throw badRequest("Missing required parameter: 'tool_choice.name'.", "tool_choice.name", "missing_required_parameter");
  const offered = qualifiedName(c.namespace, c.name);
  if (!plan.bindings.has(offered)) throw badRequest(`tool_choice names '${offered}', which is not in tools.`, "tool_choice.name");
  return { name: offered };
}

function toResponseFormat(b: ResponsesRequest): ResponseFormat | undefined {
  const format = b.text?.format;
  if (format == null || format.type === "text") return undefined;
  if (format.type === "json_object") return { type: "json_object" };
  if (!format.schema) throw badRequest("Missing required parameter: 'text.format.schema'.", "text.format.schema", "missing_required_parameter");
  return { type: "json_schema", name: format.name, schema: format.schema, strict: format.strict ?? undefined };
}

const EFFORTS = new Set(["none", "minimal", "low", "medium", "high"]);

function toReasoning(b: ResponsesRequest): ReasoningOptions {
  const raw = b.reasoning?.effort ?? "medium";
  // xhigh (and whatever comes next above high) is the most this server offers: high.
  const effort = (EFFORTS.has(raw) ? raw : "high") as ReasoningEffort;
  return { enabled: effort !== "none", effort };
}

function normalizeStop(stop: string | string[] | null | undefined): string[] {
  if (stop == null) return [];
  return (typeof stop === "string" ? [stop] : stop).filter((s) => s.length > 0);
}

/** Fields this server recognises but cannot honour: a 400 beats silently ignoring them. */
function rejectUnsupported(b: ResponsesRequest): void {
  if (b.background === true) throw unsupportedParameter("background", "Background responses");
  if (b.max_tool_calls != null) throw unsupportedParameter("max_tool_calls", "max_tool_calls");
  if (b.conversation != null) throw unsupportedParameter("conversation", "Conversations (use previous_response_id)");
  if (b.prompt != null) throw unsupportedParameter("prompt", "Stored prompt templates");
}
