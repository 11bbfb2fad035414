// GenerateEvents -> chat.completion.chunk frames, one event at a time, ended by `data: [DONE]`.
import type { EngineErrorInfo, GenerateEvent } from "../../core/index.ts";
import type { ChatCompletionChunk } from "../../schemas/openai-chat.ts";
import type { StreamConverter } from "../generation.ts";
import type { SseFrame } from "../http/sse.ts";
import { openAIError } from "./errors.ts";
import { toFinishReason, toLogprobs, toUsage, type CompletionContext } from "./toResponse.ts";

/**
 * "separate": OpenAI's stream_options.include_usage — a last chunk with `choices: []` and the
 * usage, `usage: null` on every other chunk. "final": usage on the finish chunk (our default).
 */
export type UsageMode = "separate" | "final" | "none";

export interface StreamContext extends CompletionContext {
  usage: UsageMode;
}

type Delta = ChatCompletionChunk["choices"][number]["delta"];
type Choice = ChatCompletionChunk["choices"][number];

const frame = (value: unknown): SseFrame => ({ data: JSON.stringify(value) });

export class ChatStreamConverter implements StreamConverter {
  private roleSent = false;
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
        return [this.chunk(this.delta({ content: ev.text }), null, lp)];
      }
      case "reasoning":
        return [this.chunk(this.delta({ reasoning: ev.text }))];
      case "tool_call_start":
        return [
          this.chunk(
            this.delta({
              tool_calls: [{ index: ev.index, id: ev.id, type: "function", function: { name: ev.name, arguments: "" } }],
            }),
          ),
        ];
      case "tool_call_delta":
        return [this.chunk(this.delta({ tool_calls: [{ index: ev.index, function: { arguments: ev.argumentsDelta } }] }))];
      case "done": {
        this.state = "completed";
        // An empty generation still owes the client its role chunk.
        const frames: SseFrame[] = this.roleSent ? [] : [this.chunk(this.delta({ content: "" }))];
        const usage = toUsage(ev.usage);
        if (this.ctx.usage === "final") frames.push(this.chunk({}, toFinishReason(ev.finishReason), null, usage));
        else frames.push(this.chunk({}, toFinishReason(ev.finishReason)));
        if (this.ctx.usage === "separate") frames.push(frame({ ...this.base(), choices: [], usage }));
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

  private delta(d: Delta): Delta {
    if (this.roleSent) return d;
    this.roleSent = true;
    return { role: "assistant", ...d };
  }

  private base() {
    return { id: this.ctx.id, object: "chat.completion.chunk" as const, created: this.ctx.created, model: this.ctx.model };
  }

  private chunk(delta: Delta, finish: Choice["finish_reason"] = null, logprobs: Choice["logprobs"] = null, usage?: unknown): SseFrame {
    const chunk: Record<string, unknown> = { ...this.base(), choices: [{ index: 0, delta, logprobs, finish_reason: finish }] };
    if (this.ctx.usage === "separate") chunk.usage = null;
    else if (usage) chunk.usage = usage;
    return frame(chunk);
  }
}
