// Output items and the response object, as OpenAI shapes them. Pure.
import { SAMPLING_DEFAULTS, type EngineErrorInfo, type FinishReason, type TokenLogprob, type Usage } from "../../core/index.ts";
import type { ResponsesRequest, ResponseUsage } from "../../schemas/openai-responses.ts";
import type { ReasoningCipher } from "./reasoningCipher.ts";
import { CUSTOM_INPUT, type ToolBinding, type ToolPlan } from "./tools.ts";

export type Item = Record<string, unknown>;

export type ResponseStatus = "in_progress" | "completed" | "incomplete" | "failed" | "cancelled";

export interface ResponseContext {
  id: string;
  /** Unix seconds. */
  createdAt: number;
  body: ResponsesRequest;
  toolPlan: ToolPlan;
  wants: { encryptedReasoning: boolean; reasoningSummary: boolean; logprobs: boolean };
  cipher?: ReasoningCipher;
}

export const newResponseId = () => `resp_${crypto.randomUUID().replaceAll("-", "")}`;

/** The engine's "fc_<x>" id -> item id fc_<x> and call_id call_<x> (ids of other shapes are kept as the call_id). */
export function callIds(engineId: string, itemPrefix = "fc_"): { id: string; callId: string } {
  if (engineId.startsWith("fc_")) return { id: itemPrefix + engineId.slice(3), callId: `call_${engineId.slice(3)}` };
  return { id: itemPrefix + engineId, callId: engineId };
}

/** The client's tool for an offered name; a name the model made up stays a plain function. */
export const bindingOf = (plan: ToolPlan, offered: string): ToolBinding =>
  plan.bindings.get(offered) ?? { kind: "function", name: offered };

export function reasoningItem(ctx: ResponseContext, id: string, text: string): Item {
  const item: Item = {
    id,
    type: "reasoning",
    // No separate summarizer: when a summary is asked for, the reasoning is its own summary.
    summary: ctx.wants.reasoningSummary ? [{ type: "summary_text", text }] : [],
    content: [{ type: "reasoning_text", text }],
  };
  if (ctx.wants.encryptedReasoning && ctx.cipher) item.encrypted_content = ctx.cipher.seal(text);
  return item;
}

export function outputTextPart(text: string, logprobs: TokenLogprob[] | undefined): Item {
  return { type: "output_text", text, annotations: [], logprobs: logprobs ? toLogprobs(logprobs) : [] };
}

export function messageItem(id: string, text: string, status: string, logprobs?: TokenLogprob[]): Item {
  return { id, type: "message", status, role: "assistant", content: [outputTextPart(text, logprobs)] };
}

export function callItem(binding: ToolBinding, engineId: string, args: string, status: string): Item {
  const namespace = binding.namespace ? { namespace: binding.namespace } : {};
  if (binding.kind === "custom") {
    const { id, callId } = callIds(engineId, "ctc_");
    return { id, type: "custom_tool_call", status, call_id: callId, name: binding.name, ...namespace, input: customInput(args) };
  }
  const { id, callId } = callIds(engineId);
  return { id, type: "function_call", status, call_id: callId, name: binding.name, ...namespace, arguments: args };
}

/** A custom tool's freeform text, from the one-argument object it was offered as. */
export function customInput(args: string): string {
  try {
    const parsed = JSON.parse(args) as Record<string, unknown>;
    if (typeof parsed?.[CUSTOM_INPUT] === "string") return parsed[CUSTOM_INPUT] as string;
  } catch {
    // An unfinished or malformed call: hand over what the model wrote.
  }
  return args;
}

export function toUsage(u: Usage): ResponseUsage {
  return {
    input_tokens: u.promptTokens,
    input_tokens_details: { cached_tokens: u.cachedPromptTokens },
    output_tokens: u.completionTokens,
    output_tokens_details: { reasoning_tokens: u.reasoningTokens },
    total_tokens: u.promptTokens + u.completionTokens,
  };
}

export const statusOf = (reason: FinishReason): ResponseStatus => (reason === "max_tokens" ? "incomplete" : "completed");

export interface Outcome {
  status: ResponseStatus;
  output: Item[];
  usage?: Usage;
  error?: EngineErrorInfo;
}

/** The response object, with the request's parameters echoed as OpenAI does. */
export function responseObject(ctx: ResponseContext, outcome: Outcome): Item {
  const b = ctx.body;
  const finished = outcome.status !== "in_progress";
  return {
    id: ctx.id,
    object: "response",
    created_at: ctx.createdAt,
    status: outcome.status,
    background: false,
    completed_at: outcome.status === "completed" ? Math.floor(Date.now() / 1000) : null,
    error: outcome.error ? { code: outcome.error.code, message: outcome.error.message } : null,
    incomplete_details: outcome.status === "incomplete" ? { reason: "max_output_tokens" } : null,
    instructions: b.instructions ?? null,
    max_output_tokens: b.max_output_tokens ?? null,
    max_tool_calls: null,
    model: b.model,
    output: outcome.output,
    parallel_tool_calls: b.parallel_tool_calls ?? true,
    previous_response_id: b.previous_response_id ?? null,
    prompt_cache_key: b.prompt_cache_key ?? null,
    reasoning: { effort: b.reasoning?.effort ?? null, summary: b.reasoning?.summary ?? b.reasoning?.generate_summary ?? null },
    safety_identifier: b.safety_identifier ?? null,
    service_tier: "default",
    store: b.store ?? true,
    temperature: b.temperature ?? SAMPLING_DEFAULTS.temperature,
    text: { format: b.text?.format ?? { type: "text" }, verbosity: b.text?.verbosity ?? "medium" },
    tool_choice: b.tool_choice ?? "auto",
    tools: b.tools ?? [],
    top_logprobs: b.top_logprobs ?? 0,
    top_p: b.top_p ?? SAMPLING_DEFAULTS.topP,
    truncation: b.truncation ?? "disabled",
    usage: finished && outcome.usage ? toUsage(outcome.usage) : null,
    user: b.user ?? null,
    metadata: b.metadata ?? {},
  };
}

function toLogprobs(tokens: TokenLogprob[]): Item[] {
  return tokens.map((tk) => ({
    token: tk.token,
    logprob: tk.logprob,
    bytes: tk.bytes,
    top_logprobs: tk.top.map((a) => ({ token: a.token, logprob: a.logprob, bytes: a.bytes })),
  }));
}
