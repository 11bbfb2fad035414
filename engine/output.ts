// Turns one job's raw text updates into GenerateEvents: the model family's parser splits
// content, reasoning and tool calls; tokens are attributed to reasoning for usage.
import type { OutputParser, ParserEvent } from "../chat/parsers/types.ts";
import type { JobUpdate } from "./protocol.ts";
import type { FinishReason, GenerateEvent } from "../core/index.ts";

type TextUpdate = Extract<JobUpdate, { type: "text" }>;

export class OutputPipeline {
  reasoningTokens = 0;
  #calledTools = false;
  // Tokens whose text the parser is still holding back: they count for what it becomes.
  #unattributed = 0;
  #completedCalls = 0;
  // The events of a second or later call, held until the call is complete: a turn cut by the
  // token limit inside it drops it rather than report a call with unfinished arguments.
  #held: ParserEvent[] | undefined;

  constructor(private readonly parser: OutputParser | undefined) {}

  text(update: TextUpdate): GenerateEvent[] {
    this.#unattributed += update.tokens;
    const events = this.#holdLaterCalls(this.parser ? this.parser.push(update.text) : textEvent(update.text), true);
    this.#attribute(events);
    if (update.logprobs) {
      // Logprobs describe content tokens; they ride on the first content event of this update.
      const first = events.find((e) => e.type === "text");
      if (first && first.type === "text") first.logprobs = update.logprobs;
      else events.push({ type: "text", text: "", logprobs: update.logprobs });
    }
    return events.filter((e) => e.type !== "text" || e.text.length > 0 || e.logprobs);
  }

  /**
   * `reason`: how the runner ended the turn. At the token limit, after a complete call, what the
   * parser still held is an unfinished call: dropped, whether it got as far as a name or is only
   * markup the parser would otherwise flush as text.
   */
  finish(reason?: FinishReason): GenerateEvent[] {
    const cut = reason === "max_tokens";
    let flushed = this.parser ? this.parser.finish() : [];
    if (cut && this.#completedCalls > 0) flushed = flushed.filter((e) => e.type !== "text");
    // A call that only the end of the text closes was cut when the token limit ended it.
    const events = this.#holdLaterCalls(flushed, !cut);
    if (!cut && this.#held) events.push(...this.#held);
    this.#held = undefined;
    this.#attribute(events);
    return events.filter((e) => e.type !== "text" || e.text.length > 0);
  }

  /** A turn that called tools ends with "tool_calls", unless the token limit cut it. */
  finishReason(reason: FinishReason): FinishReason {
    return this.#calledTools && reason !== "max_tokens" ? "tool_calls" : reason;
  }

  /** Holds a second or later call's events until its end, released when `complete` allows. */
  #holdLaterCalls(events: ParserEvent[], complete: boolean): ParserEvent[] {
    const out: ParserEvent[] = [];
    for (const event of events) {
      if (!this.#held && event.type === "tool_call_start" && this.#completedCalls > 0) this.#held = [];
      if (event.type === "tool_call_end") this.#completedCalls++;
      if (!this.#held) {
        out.push(event);
        continue;
      }
      this.#held.push(event);
      if (event.type === "tool_call_end" && complete) {
        out.push(...this.#held);
        this.#held = undefined;
      }
    }
    return out;
  }

  #attribute(events: ParserEvent[]): void {
    if (events.length === 0) return;
    if (events.some((e) => e.type === "tool_call_start")) this.#calledTools = true;
    if (events.some((e) => e.type === "reasoning")) this.reasoningTokens += this.#unattributed;
    this.#unattributed = 0;
  }
}

function textEvent(text: string): ParserEvent[] {
  return text.length > 0 ? [{ type: "text", text }] : [];
}
