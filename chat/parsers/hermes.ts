// Hermes / Qwen2.5 / Qwen3 / QwQ: <tool_call>\n{"name": ..., "arguments": {...}}\n</tool_call>
import { JsonCallsReader } from "./json-call.ts";
import { matchAt, skipWs } from "./markers.ts";
import { done, fail, feedChars, more, type Feed, type MarkupFormat, type RegionReader } from "./region.ts";
import type { CallSink } from "./types.ts";

/** After a call's body: the closing tag, whitespace before it allowed. */
export function expectClose(text: string, pos: number, tag: string, final: boolean): Feed {
  const j = skipWs(text, pos);
  const m = matchAt(text, j, tag);
  if (m === "yes") return done(j + tag.length);
  // A closing tag cut off by the end of the output is still markup: consume it.
  if (m === "partial" || j === text.length) return final ? done(text.length) : more(pos);
  return done(j); // no closing tag: what follows is ordinary output again
}

/** A region holding call JSON (one object or an array) and then a closing tag. */
export class JsonRegionReader implements RegionReader {
  private readonly json: JsonCallsReader;
  private closing = false;

  constructor(
    calls: CallSink,
    private readonly closeTag: string,
  ) {
    this.json = new JsonCallsReader(calls);
  }

  get started(): boolean {
    return this.json.started;
  }

  feed(text: string, final: boolean): Feed {
    let pos = 0;
    if (!this.closing) {
      const r = feedChars(this.json, text, 0);
      this.json.flush();
      if (r.step === "error" || (r.step === "more" && final)) {
        this.json.abort();
        return r.step === "more" && this.started ? done(r.pos) : fail(r.pos);
      }
      if (r.step === "more") return more(r.pos);
      this.closing = true;
      pos = r.pos;
    }
    return expectClose(text, pos, this.closeTag, final);
  }
}

export function hermesFormat(): MarkupFormat {
  return {
    triggers: [{ marker: "<tool_call>", open: (calls) => new JsonRegionReader(calls, "</tool_call>") }],
    ends: ["</tool_call>"],
  };
}
