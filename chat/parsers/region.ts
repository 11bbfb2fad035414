// The contract between the markup driver and a family's tool-call reader.
import { matchAt, skipWs } from "./markers.ts";
import type { CallSink } from "./types.ts";

/**
 * Result of feeding the unconsumed text to a region reader:
 * - "more": `used` characters consumed; the rest is fed again once more text arrives.
 * - "done": the region ended after `used` characters; the rest is ordinary output again.
 * - "fail": malformed at `used`. Before any tool_call_start the driver turns the region's raw
 *   text into content; after one, the reader has closed its call and the driver skips to the
 *   region's end marker.
 */
export interface Feed {
  used: number;
  status: "more" | "done" | "fail";
}

export interface RegionReader {
  /** `final`: no more text will come; the reader must then answer "done" or "fail". */
  feed(text: string, final: boolean): Feed;
  /** Whether a tool_call_start was emitted for this region. */
  readonly started: boolean;
}

export interface Trigger {
  marker: string;
  open(calls: CallSink): RegionReader;
}

export interface MarkupFormat {
  /** Markers that open a tool-call region anywhere in the output. */
  triggers: Trigger[];
  /** Closing markers: dropped when met stray in content; skipping after a broken call stops there. */
  ends: string[];
  /** A region that may open at the start of the output, before any other text (bare JSON). */
  atStart?: { chars: string; open(calls: CallSink): RegionReader; again?: boolean };
}

export function done(used: number): Feed {
  return { used, status: "done" };
}
export function more(used: number): Feed {
  return { used, status: "more" };
}
export function fail(used: number): Feed {
  return { used, status: "fail" };
}

/** Runs a character-level reader over text from `pos`; the position it stopped at and why. */
export function feedChars(
  r: { push(ch: string): "more" | "done" | "error" },
  text: string,
  pos: number,
): { pos: number; step: "more" | "done" | "error" } {
  for (let i = pos; i < text.length; i++) {
    const step = r.push(text[i]!);
    if (step === "error") return { pos: i, step };
    if (step === "done") return { pos: i + 1, step };
  }
  return { pos: text.length, step: "more" };
}

/** After a call's body: the closing tag, whitespace before it allowed. */
export function expectClose(text: string, pos: number, tag: string, final: boolean): Feed {
  const j = skipWs(text, pos);
  const m = matchAt(text, j, tag);
  if (m === "yes") return done(j + tag.length);
  // A closing tag cut off by the end of the output is still markup: consume it.
  if (m === "partial" || j === text.length) return final ? done(text.length) : more(pos);
  return done(j); // no closing tag: what follows is ordinary output again
}
