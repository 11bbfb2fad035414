// A finished generation -> an OpenAI chat.completion object. Pure.
import type { FinishReason, Receipt, RequestCaller, TokenLogprob, Usage } from "../../core/index.ts";
import type { Completion, Completions } from "../generation.ts";
import type { ChatCompletion, ChatUsage, ChoiceLogprobs, Kitemesh } from "../../schemas/openai-chat.ts";

export interface CompletionContext {
  id: string;
  /** Unix seconds. */
  created: number;
  /** The model name as the client sent it. */
  model: string;
  /** Logprobs were requested: answer `{content: [...]}` even when empty, else null. */
  logprobs?: boolean;
  /** The request asked for the rendered prompt (return_prompt). */
  returnPrompt?: boolean;
  /** The request's ids: the `kitemesh` object when no receipt came (an engine that does not meter). */
  caller?: Pick<RequestCaller, "requestId" | "executionId">;
}

const FINISH: Record<FinishReason, ChatCompletion["choices"][number]["finish_reason"]> = {
  eos: "stop",
  stop_sequence: "stop",
  max_tokens: "length",
  tool_calls: "tool_calls",
};
export const toFinishReason = (reason: FinishReason) => FINISH[reason];

/** One choice (a Completion) or several (Completions, from a request with n > 1). */
export function toChatCompletion(done: Completion | Completions, ctx: CompletionContext, receipt?: Receipt): ChatCompletion {
  const all: Completions = "choices" in done ? done : { prompt: done.prompt, choices: [done], usage: done.usage };
  const completion: ChatCompletion = {
    id: ctx.id,
    object: "chat.completion",
    created: ctx.created,
    model: ctx.model,
    choices: all.choices.map((choice, index) => toChoice(choice, index, ctx)),
    usage: toUsage(all.usage),
  };
  const kitemesh = toKitemesh(receipt, ctx);
  if (kitemesh) completion.kitemesh = kitemesh;
  if (ctx.returnPrompt && all.prompt !== undefined) completion.prompt = all.prompt;
  return completion;
}

function toChoice(done: Completion, index: number, ctx: CompletionContext): ChatCompletion["choices"][number] {
  const toolCalls = done.toolCalls.map((call) => ({
    id: call.id,
    type: "function" as const,
    function: { name: call.name, arguments: call.arguments },
  }));
  const message: ChatCompletion["choices"][number]["message"] = {
    role: "assistant",
    // OpenAI answers null content for a turn that only calls tools.
    content: toolCalls.length && !done.text ? null : done.text,
    reasoning: done.reasoning,
  };
  if (toolCalls.length) message.tool_calls = toolCalls;
  return {
    index,
    message,
    logprobs: ctx.logprobs ? toLogprobs(done.logprobs) : null,
    finish_reason: toFinishReason(done.finishReason),
  };
}

export function toUsage(u: Usage): ChatUsage {
  return {
    prompt_tokens: u.promptTokens,
    reasoning_tokens: u.reasoningTokens,
    completion_tokens: u.completionTokens,
    output_tokens: u.completionTokens,
    total_tokens: u.promptTokens + u.completionTokens,
    tokens_per_second: Number.isFinite(u.tokensPerSecond) ? Math.round(u.tokensPerSecond * 100) / 100 : 0,
    completion_tokens_details: { reasoning_tokens: u.reasoningTokens },
    prompt_tokens_details: { cached_tokens: u.cachedPromptTokens },
  };
}

/** The reference's accounting object: the receipt's, else the request's ids and nothing charged. */
export function toKitemesh(receipt: Receipt | undefined, ctx: CompletionContext): Kitemesh | undefined {
  if (receipt) {
    const kitemesh: Kitemesh = { execution_id: receipt.executionId, credits_charged: receipt.creditsCharged, request_id: receipt.requestId };
    // A group execution waiting for approval (POST /v1/chat/resume).
    if (receipt.approval) Object.assign(kitemesh, { approval_id: receipt.approval.approvalId, expires_at: receipt.approval.expiresAt });
    return kitemesh;
  }
  if (ctx.caller) return { execution_id: ctx.caller.executionId, credits_charged: 0, request_id: ctx.caller.requestId };
  return undefined;
}

export function toLogprobs(tokens: TokenLogprob[]): NonNullable<ChoiceLogprobs> {
  return {
    content: tokens.map((tk) => ({
      token: tk.token,
      logprob: tk.logprob,
      bytes: tk.bytes,
      top_logprobs: tk.top.map((a) => ({ token: a.token, logprob: a.logprob, bytes: a.bytes })),
    })),
  };
}
