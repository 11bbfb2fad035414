// GenerateEvents of one finished generation -> an OpenAI chat.completion object. Pure.
import { ApiError } from "../errors.ts";
import type { GenerateEvent, TokenLogprob, Usage } from "../../engine/types.ts";
import type { ChatCompletion, ChatUsage, ChoiceLogprobs, ResponseToolCall } from "../../schemas/openai-chat.ts";

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
}

export function toChatCompletion(events: GenerateEvent[], ctx: CompletionContext): ChatCompletion {
  let content = "";
  let reasoning = "";
  let prompt: string | undefined;
  const logprobs: TokenLogprob[] = [];
  const calls: ResponseToolCall[] = [];
  let done: Extract<GenerateEvent, { type: "done" }> | undefined;

  for (const ev of events) {
    switch (ev.type) {
      case "start":
        prompt = ev.prompt;
        break;
      case "text":
        content += ev.text;
        if (ev.logprobs) logprobs.push(...ev.logprobs);
        break;
      case "reasoning":
        reasoning += ev.text;
        break;
      case "tool_call_start":
        calls[ev.index] = { id: ev.id, type: "function", function: { name: ev.name, arguments: "" } };
        break;
      case "tool_call_delta": {
        const call = calls[ev.index];
        if (call) call.function.arguments += ev.argumentsDelta;
        break;
      }
      case "done":
        done = ev;
        break;
      case "error":
        throw new ApiError(ev.error.status, ev.error.code, ev.error.message, ev.error.param);
    }
  }
  if (!done) throw new ApiError(500, "internal_error", "The generation ended without finishing.");

  const toolCalls = calls.filter(Boolean);
  const message: ChatCompletion["choices"][number]["message"] = {
    role: "assistant",
    // OpenAI answers null content for a turn that only calls tools.
    content: toolCalls.length && !content ? null : content,
    reasoning,
  };
  if (toolCalls.length) message.tool_calls = toolCalls;

  const completion: ChatCompletion = {
    id: ctx.id,
    object: "chat.completion",
    created: ctx.created,
    model: ctx.model,
    choices: [
      {
        index: 0,
        message,
        logprobs: ctx.logprobs ? toLogprobs(logprobs) : null,
        finish_reason: done.finishReason,
      },
    ],
    usage: toUsage(done.usage),
  };
  if (ctx.returnPrompt && prompt !== undefined) completion.prompt = prompt;
  return completion;
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
    prompt_tokens_details: { cached_tokens: 0 },
  };
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
