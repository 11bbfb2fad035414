// Collects the events of one push/finish, merging adjacent deltas of the same kind.
import type { CallSink, ParserEvent } from "./types.ts";

export class EventSink implements CallSink {
  private events: ParserEvent[] = [];
  private count = 0;
  private open = -1;

  constructor(private readonly newId: () => string) {}

  text(text: string): void {
    if (!text) return;
    const last = this.events.at(-1);
    if (last?.type === "text") last.text += text;
    else this.events.push({ type: "text", text });
  }

  reasoning(text: string): void {
    if (!text) return;
    const last = this.events.at(-1);
    if (last?.type === "reasoning") last.text += text;
    else this.events.push({ type: "reasoning", text });
  }

  start(name: string): void {
    if (this.open >= 0) this.end();
    this.open = this.count++;
    this.events.push({ type: "tool_call_start", index: this.open, id: this.newId(), name });
  }

  delta(argumentsJson: string): void {
    if (!argumentsJson || this.open < 0) return;
    const last = this.events.at(-1);
    if (last?.type === "tool_call_delta" && last.index === this.open) last.argumentsDelta += argumentsJson;
    else this.events.push({ type: "tool_call_delta", index: this.open, argumentsDelta: argumentsJson });
  }

  end(): void {
    if (this.open < 0) return;
    this.events.push({ type: "tool_call_end", index: this.open });
    this.open = -1;
  }

  get callOpen(): boolean {
    return this.open >= 0;
  }

  take(): ParserEvent[] {
    const out = this.events;
    this.events = [];
    return out;
  }
}
