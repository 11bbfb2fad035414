// GenerateEvents -> chat.completion.chunk frames, one event at a time, ended by `data: [DONE]`.
import type { EngineErrorInfo, FinishReason, GenerateEvent } from "../../core/index.ts";
import type { ChatCompletionChunk } from "../../schemas/openai-chat.ts";
import type { StreamConverter } from "../generation.ts";
import type { SseFrame } from "../http/sse.ts";
import { openAIError } from "./errors.ts";
import { toFinishReason, toKitemesh, toLogprobs, toUsage, type CompletionContext } from "./toResponse.ts";

/**
 * "separate": OpenAI's stream_options.include_usage — a last chunk with `choices: []` and the
 * usage, `usage: null` on every other chunk. "final": usage on the finish chunk (our default).
 */
export type UsageMode = "separate" | "final" | "none";

export interface StreamContext extends CompletionContext {
  usage: UsageMode;
  /** Choices the request asked for (default 1). */
  n?: number;
}

type Delta = ChatCompletionChunk["choices"][number]["delta"];
type Choice = ChatCompletionChunk["choices"][number];

const frame = (value: unknown): SseFrame => ({ data: JSON.stringify(value) });

/**
 * Each chunk carries one choice, `choices[0].index` saying which. With n > 1 every choice gets
 * its own role chunk and its own finish chunk, as it ends; the last one to end waits for "done",
 * which brings the request's usage ("final" mode puts it on that chunk).
 */
export class ChatStreamConverter implements StreamConverter {
  private readonly roleSent = new Set<number>();
  private choicesEnded = 0;
  /** The last choice to end, whose finish chunk goes out with "done". */
  private lastEnded: { choice: number; finishReason: FinishReason } | undefined;
  private state: "open" | "completed" | "failed" = "open";

  constructor(private readonly ctx: StreamContext) {}

  get finished(): boolean {
    return this.state !== "open";
  }

  process(ev: GenerateEvent): SseFrame[] {
    if (this.finished) return [];
    switch (ev.type) {
      case "start":
      case "tool_call_end":
        return [];
      case "text": {
        const lp = this.ctx.logprobs ? toLogprobs(ev.logprobs ?? []) : null;
        return [this.chunk(ev.choice, { content: ev.text }, null, lp)];
      }
      case "reasoning":
        return [this.chunk(ev.choice, { reasoning: ev.text })];
      case "tool_call_start":
        return [
          this.chunk(ev.choice, {
            tool_calls: [{ index: ev.index, id: ev.id, type: "function", function: { name: ev.name, arguments: "" } }],
          }),
        ];
      case "tool_call_delta":
        return [this.chunk(ev.choice, { tool_calls: [{ index: ev.index, function: { arguments: ev.argumentsDelta } }] })];
      case "choice_done": {
        // Only the n-th choice's finish waits; one held when n was not given goes out now.
        const frames = this.lastEnded ? this.finish(this.lastEnded.choice, this.lastEnded.finishReason) : [];
        this.lastEnded = undefined;
        if (++this.choicesEnded < (this.ctx.n ?? 1)) frames.push(...this.finish(ev.choice, ev.finishReason));
        else this.lastEnded = { choice: ev.choice, finishReason: ev.finishReason };
        return frames;
      }
      case "done": {
        this.state = "completed";
        const last = this.lastEnded ?? { choice: 0, finishReason: ev.finishReason };
        const usage = toUsage(ev.usage);
        // kitemesh rides on the last chunk: the separate usage chunk, else the finish chunk.
        const kitemesh = toKitemesh(ev.receipt, this.ctx);
        const separate = this.ctx.usage === "separate";
        const frames = this.finish(last.choice, last.finishReason, this.ctx.usage === "final" ? usage : undefined, separate ? undefined : kitemesh);
        if (separate) frames.push(frame({ ...this.base(), choices: [], usage, ...(kitemesh ? { kitemesh } : {}) }));
        return [...frames, { data: "[DONE]" }];
      }
      case "error":
        return this.fail(ev.error);
    }
  }

  end(): SseFrame[] {
    if (this.finished) return [];
    return this.fail({ kind: "internal", code: "internal_error", message: "The generation ended without finishing." });
  }

  /** An error after the stream began: OpenAI clients parse `{"error": {...}}` frames. */
  fail(error: EngineErrorInfo): SseFrame[] {
    this.state = "failed";
    return [frame(openAIError(error).body)];
  }

  /** A choice's finish chunk; an empty choice still owes the client its role chunk first. */
  private finish(choice: number, reason: FinishReason, usage?: unknown, kitemesh?: unknown): SseFrame[] {
    const frames = this.roleSent.has(choice) ? [] : [this.chunk(choice, { content: "" })];
    frames.push(this.chunk(choice, {}, toFinishReason(reason), null, usage, kitemesh));
    return frames;
  }

  private base() {
    return { id: this.ctx.id, object: "chat.completion.chunk" as const, created: this.ctx.created, model: this.ctx.model };
  }

  /** The first delta of each choice carries its role. */
  private chunk(
    choice = 0,
    d: Delta,
    finish: Choice["finish_reason"] = null,
    logprobs: Choice["logprobs"] = null,
    usage?: unknown,
    kitemesh?: unknown,
  ): SseFrame {
    let delta = d;
    if (!this.roleSent.has(choice)) {
      this.roleSent.add(choice);
      delta = { role: "assistant", ...d };
    }
    const chunk: Record<string, unknown> = { ...this.base(), choices: [{ index: choice, delta, logprobs, finish_reason: finish }] };
    if (this.ctx.usage === "separate") chunk.usage = null;
    else if (usage) chunk.usage = usage;
    if (kitemesh) chunk.kitemesh = kitemesh;
    return frame(chunk);
  }
}
