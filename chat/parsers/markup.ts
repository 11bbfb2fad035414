// Drives a family's markup over the stream: content text until a tool-call marker, then the
// family's region reader until the region ends. Text that could be the start of a marker is
// held back, so no markup reaches content whatever the chunk boundaries.
import { scan, skipWs } from "./markers.ts";
import type { MarkupFormat, RegionReader } from "./region.ts";
import type { EventSink } from "./sink.ts";
import type { CallSink } from "./types.ts";

/** What follows reasoning extraction: the visible part of the output. */
export interface Body {
  push(text: string): void;
  finish(): void;
  /** Reasoning just ended: whitespace separating it from what follows is dropped. */
  afterReasoning(): void;
}

const TRAILING_WS = /[ \t\r\n]*$/;
const LEADING_WS = /^[ \t\r\n]*/;

export class MarkupParser implements Body {
  private buf = "";
  /** raw: a malformed region copied verbatim to content; skip: the rest of a broken call dropped. */
  private mode: "content" | "region" | "raw" | "skip" = "content";
  private reader: RegionReader | undefined;
  /** The current region's text so far, for content when it turns out malformed. */
  private raw = "";
  private regionAtStart = false;
  private atStart: boolean;
  /** Whitespace is held at the end of content: it is dropped when a tool call follows. */
  private pendingWs = "";
  private dropWs = false;
  private readonly holdWs: boolean;
  private readonly markers: string[];
  private readonly stops: string[];
  private readonly calls: CallSink;

  constructor(
    private readonly fmt: MarkupFormat,
    private readonly sink: EventSink,
    /** Stray markers to drop from content (a reasoning close tag without its opening). */
    drops: string[] = [],
  ) {
    const triggers = fmt.triggers.map((t) => t.marker);
    this.markers = [...triggers, ...fmt.ends, ...drops];
    this.stops = [...fmt.ends, ...triggers];
    this.atStart = !!fmt.atStart;
    this.holdWs = triggers.length > 0 || !!fmt.atStart;
    this.calls = {
      start: (name) => {
        this.pendingWs = "";
        sink.start(name);
      },
      delta: (json) => sink.delta(json),
      end: () => {
        sink.end();
        this.dropWs = true;
      },
    };
  }

  push(text: string): void {
    this.buf += text;
    this.run(false);
  }

  finish(): void {
    this.run(true);
    this.sink.text(this.pendingWs);
    this.pendingWs = "";
    this.sink.end();
  }

  afterReasoning(): void {
    this.dropWs = true;
  }

  private run(final: boolean): void {
    for (;;) {
      const progressed =
        this.mode === "content" ? this.content(final) : this.mode === "region" ? this.region(final) : this.pass(final);
      if (!progressed) return;
    }
  }

  private content(final: boolean): boolean {
    if (this.atStart && this.fmt.atStart) {
      const i = skipWs(this.buf, 0);
      if (i === this.buf.length && !final) return false;
      this.atStart = false;
      if (i < this.buf.length && this.fmt.atStart.chars.includes(this.buf[i]!)) {
        this.open(this.fmt.atStart.open(this.calls), "", true);
        return true;
      }
    }
    if (!this.buf) return false;
    const s = scan(this.buf, this.markers, 0, final);
    if (!s.hit) {
      const end = final ? this.buf.length : s.safe;
      this.emit(this.buf.slice(0, end));
      this.buf = this.buf.slice(end);
      return false;
    }
    this.emit(this.buf.slice(0, s.index));
    this.buf = this.buf.slice(s.index + s.marker.length);
    const trigger = this.fmt.triggers.find((t) => t.marker === s.marker);
    if (trigger) this.open(trigger.open(this.calls), s.marker, false);
    return true;
  }

  private open(reader: RegionReader, marker: string, atStart: boolean): void {
    this.reader = reader;
    this.raw = marker;
    this.regionAtStart = atStart;
    this.mode = "region";
  }

  private region(final: boolean): boolean {
    const reader = this.reader!;
    const r = reader.feed(this.buf, final);
    this.raw += this.buf.slice(0, r.used);
    this.buf = this.buf.slice(r.used);
    if (r.status === "more" && !final) return false;
    this.reader = undefined;
    if (r.status === "fail") {
      // Never a half-reported call: once started it was closed, and the rest is dropped;
      // otherwise nothing was reported and the region's text is kept as content.
      if (!reader.started) this.emit(this.raw);
      this.raw = "";
      this.mode = reader.started ? "skip" : "raw";
      return true;
    } else if (this.regionAtStart && this.fmt.atStart?.again) {
      this.atStart = true; // e.g. Llama may write several bare JSON calls in a row
    }
    this.raw = "";
    this.mode = "content";
    return true;
  }

  /** Through the rest of a failed region: up to its end marker (included) or the next call. */
  private pass(final: boolean): boolean {
    const keep = this.mode === "raw";
    const s = scan(this.buf, this.stops, 0, final);
    if (!s.hit) {
      const end = final ? this.buf.length : s.safe;
      if (keep) this.emit(this.buf.slice(0, end));
      this.buf = this.buf.slice(end);
      return false;
    }
    const end = s.index + (this.fmt.ends.includes(s.marker) ? s.marker.length : 0);
    if (keep) this.emit(this.buf.slice(0, end));
    this.buf = this.buf.slice(end);
    this.mode = "content";
    return true;
  }

  private emit(text: string): void {
    if (this.dropWs) {
      text = text.replace(LEADING_WS, "");
      if (!text) return;
      this.dropWs = false;
    }
    if (!this.holdWs) {
      this.sink.text(text);
      return;
    }
    const ws = TRAILING_WS.exec(text)![0];
    const core = text.slice(0, text.length - ws.length);
    if (core) {
      this.sink.text(this.pendingWs + core);
      this.pendingWs = ws;
    } else this.pendingWs += ws;
  }
}
