// gpt-oss (harmony). Special tokens arrive as text. The output is a run of messages:
//   <|channel|>analysis<|message|>...<|end|>                      reasoning
//   <|start|>assistant<|channel|>final<|message|>...<|return|>    content
//   <|channel|>commentary<|message|>...<|end|>                    content (a preamble)
//   <|channel|>commentary to=functions.NAME <|constrain|>json<|message|>{...}<|call|>
// The recipient may also sit in the role header: ` to=functions.NAME<|channel|>commentary ...`.
import { ArgsReader } from "./json-args.ts";
import { scan, skipWs } from "./markers.ts";
import { feedChars } from "./region.ts";
import type { EventSink } from "./sink.ts";

const MESSAGE = "<|message|>";
const ENDS = ["<|end|>", "<|call|>", "<|return|>"];
/** A new header without the previous message's end token. */
const NEXT = ["<|start|>", "<|channel|>"];
const BODY_STOPS = [...ENDS, ...NEXT];
const HEADER_OPENERS = ["<|", "to="];
const MAX_HEADER = 1024;

type Kind = "reasoning" | "content" | "tool";

export class GptOssParser {
  private buf = "";
  private inHeader = true;
  private kind: Kind = "content";
  private name = "";
  /** Tool message body: waiting for its first character, JSON arguments, ignored rest, or not JSON. */
  private tool: "wait" | "args" | "after" | "text" = "wait";
  private args: ArgsReader | undefined;

  constructor(
    private readonly sink: EventSink,
    /** false: analysis text is reported as content (reasoning "none"). */
    private readonly reasoning: boolean,
  ) {}

  push(text: string): void {
    this.buf += text;
    this.run(false);
  }

  finish(): void {
    this.run(true);
    this.closeMessage();
  }

  private run(final: boolean): void {
    while (this.inHeader ? this.header(final) : this.body(final));
  }

  private header(final: boolean): boolean {
    const lead = this.buf.slice(skipWs(this.buf, 0));
    if (!lead) return false;
    const headerLike = HEADER_OPENERS.some((h) => (lead.length >= h.length ? lead.startsWith(h) : h.startsWith(lead)));
    const idx = this.buf.indexOf(MESSAGE);
    if (!headerLike || (idx < 0 && this.buf.length > MAX_HEADER)) {
      // Plain text where a header should be: take it as the answer.
      this.inHeader = false;
      this.kind = "content";
      return true;
    }
    if (idx < 0) {
      if (final) this.buf = ""; // a header cut off by the end of the output: markup only
      return false;
    }
    this.openMessage(this.buf.slice(0, idx));
    this.buf = this.buf.slice(idx + MESSAGE.length);
    this.inHeader = false;
    return true;
  }

  private openMessage(header: string): void {
    const channel = /<\|channel\|>\s*(\w+)/.exec(header)?.[1] ?? "";
    const to = /\bto=([^\s<]+)/.exec(header)?.[1];
    this.tool = "wait";
    if (to && to !== "assistant") {
      this.kind = "tool";
      this.name = to.replace(/^functions\./, "");
    } else this.kind = channel === "analysis" && this.reasoning ? "reasoning" : "content";
  }

  private body(final: boolean): boolean {
    const s = scan(this.buf, BODY_STOPS, 0, final);
    const end = s.hit ? s.index : final ? this.buf.length : s.safe;
    this.text(this.buf.slice(0, end));
    if (!s.hit) {
      this.buf = this.buf.slice(end);
      return false;
    }
    this.buf = this.buf.slice(s.index + (ENDS.includes(s.marker) ? s.marker.length : 0));
    this.closeMessage();
    this.inHeader = true;
    return true;
  }

  private text(text: string): void {
    if (this.kind === "reasoning") return this.sink.reasoning(text);
    if (this.kind === "content" || this.tool === "text") return this.sink.text(text);
    if (this.tool === "wait") {
      const i = skipWs(text, 0);
      if (i === text.length) return;
      text = text.slice(i);
      if (text[0] !== "{" && text[0] !== '"') {
        this.tool = "text"; // not JSON arguments: keep what the model said
        return this.sink.text(text);
      }
      this.sink.start(this.name);
      this.args = new ArgsReader((json) => this.sink.delta(json));
      this.tool = "args";
    }
    if (this.tool !== "args") return;
    const r = feedChars(this.args!, text, 0);
    this.args!.flush();
    if (r.step !== "more") this.closeCall();
  }

  private closeCall(): void {
    if (this.tool !== "args") return;
    this.args!.close();
    this.sink.end();
    this.tool = "after";
  }

  private closeMessage(): void {
    if (this.kind === "tool") this.closeCall();
    this.kind = "content";
    this.tool = "wait";
  }
}
