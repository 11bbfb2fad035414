// Reasoning extraction for models that think inside tags (<think>...</think>, [THINK]...).
// Only a block at the very start of the output counts: "<think>" later in prose is content.
import { scan, skipWs } from "./markers.ts";
import type { Body } from "./markup.ts";
import type { EventSink } from "./sink.ts";

export interface ThinkTags {
  open: string[];
  close: string[];
  /** Markers that end reasoning and belong to what follows (Qwen3.5 may open <tool_call> without </think>). */
  ends?: string[];
}

const TRAILING_WS = /[ \t\r\n]*$/;

/** Whether a rendered prompt leaves the model inside an open reasoning block (QwQ, DeepSeek-R1). */
export function promptOpensReasoning(prompt: string): boolean {
  const tail = prompt.trimEnd();
  return tail.endsWith("<think>") || tail.endsWith("[THINK]");
}

export class ThinkSplitter {
  private buf = "";
  private st: "start" | "think" | "body";
  /** Nothing of the block emitted yet: leading whitespace and a repeated open tag are skipped. */
  private fresh = true;
  private skippedTag = false;
  private pendingWs = "";
  private readonly stops: string[];

  constructor(
    private readonly tags: ThinkTags,
    private readonly sink: EventSink,
    private readonly body: Body,
    forcedOpen: boolean,
  ) {
    this.st = forcedOpen ? "think" : "start";
    this.stops = [...tags.close, ...(tags.ends ?? [])];
  }

  push(text: string): void {
    if (this.st === "body") return this.body.push(text);
    this.buf += text;
    this.run(false);
  }

  finish(): void {
    if (this.st !== "body") this.run(true);
    this.body.finish();
  }

  private run(final: boolean): void {
    if (this.st === "start") {
      const rest = this.buf.slice(skipWs(this.buf, 0));
      const open = this.tags.open.find((t) => rest.startsWith(t));
      if (open) {
        this.buf = rest.slice(open.length);
        this.st = "think";
      } else if (!final && (rest === "" || this.tags.open.some((t) => t.startsWith(rest)))) {
        return; // could still become an open tag
      } else {
        this.toBody(this.buf, false);
        return;
      }
    }
    if (this.fresh && !this.skipLeading(final)) return;
    const s = scan(this.buf, this.stops, 0, final);
    if (s.hit) {
      this.emit(this.buf.slice(0, s.index));
      const keep = this.tags.close.includes(s.marker) ? s.marker.length : 0;
      this.toBody(this.buf.slice(s.index + keep), true);
      return;
    }
    const end = final ? this.buf.length : s.safe;
    this.emit(this.buf.slice(0, end));
    this.buf = this.buf.slice(end);
  }

  /** Trailing whitespace waits: it is dropped if the block ends right after it. */
  private emit(text: string): void {
    const ws = TRAILING_WS.exec(text)![0];
    const core = text.slice(0, text.length - ws.length);
    if (core) {
      this.sink.reasoning(this.pendingWs + core);
      this.pendingWs = ws;
    } else this.pendingWs += ws;
  }

  /** Skips whitespace and a repeated open tag at the start of the block; false: undecided. */
  private skipLeading(final: boolean): boolean {
    for (;;) {
      this.buf = this.buf.slice(skipWs(this.buf, 0));
      const open = this.skippedTag ? undefined : this.tags.open.find((t) => this.buf.startsWith(t));
      if (open) {
        this.buf = this.buf.slice(open.length);
        this.skippedTag = true;
        continue;
      }
      const undecided = this.buf === "" || (!this.skippedTag && this.tags.open.some((t) => t.startsWith(this.buf)));
      if (undecided && !final) return false;
      this.fresh = false;
      return true;
    }
  }

  private toBody(text: string, afterReasoning: boolean): void {
    this.st = "body";
    this.buf = "";
    if (afterReasoning) this.body.afterReasoning();
    if (text) this.body.push(text);
  }
}
