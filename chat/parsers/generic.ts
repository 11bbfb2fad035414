// Generic JSON fallback for templates with no tool format of their own: the whole answer is
//   {"tool_calls": [{"name": ..., "arguments": {...}}, ...]}   (or "tool_call": {...})
// or a single {"name": ..., "arguments": {...}}. Only declared tool names count as calls.
import { JsonCallsReader } from "./json-call.ts";
import { JsonObjectReader, readJson } from "./json-region.ts";
import { skipWs } from "./markers.ts";
import { done, fail, more, type Feed, type MarkupFormat, type RegionReader } from "./region.ts";
import { toolMap } from "./schema.ts";
import type { CallSink, ToolDef } from "./types.ts";

const FIRST_KEY = /^\s*\{\s*"((?:[^"\\]|\\.)*)"/;
const KEY_SO_FAR = /^\s*\{\s*("(?:[^"\\]|\\.)*\\?)?$/;
const WRAPPER = /^\s*\{\s*"tool_calls?"\s*:/;
const WRAPPER_SO_FAR = /^\s*\{\s*"tool_calls?"\s*$/;

class GenericReader implements RegionReader {
  private inner: JsonObjectReader | undefined;
  private list: JsonCallsReader | undefined;
  private closing = false;

  constructor(
    private readonly calls: CallSink,
    private readonly accept: (name: string) => boolean,
  ) {}

  get started(): boolean {
    return !!(this.inner?.started || this.list?.started);
  }

  feed(text: string, final: boolean): Feed {
    if (this.inner) return this.inner.feed(text, final);
    let pos = 0;
    if (!this.list) {
      const key = FIRST_KEY.exec(text);
      if (!key) return !final && text.length < 256 && KEY_SO_FAR.test(text) ? more(0) : fail(0);
      if (key[1] !== "tool_calls" && key[1] !== "tool_call") {
        this.inner = new JsonObjectReader(this.calls, { bare: true, accept: this.accept });
        return this.inner.feed(text, final);
      }
      const w = WRAPPER.exec(text);
      if (!w) return !final && WRAPPER_SO_FAR.test(text) ? more(0) : fail(0);
      this.list = new JsonCallsReader(this.calls, { accept: this.accept });
      pos = w[0].length;
    }
    if (!this.closing) {
      const r = readJson(this.list, text, pos, final);
      if (typeof r !== "number") return r;
      this.closing = true;
      pos = r;
    }
    const j = skipWs(text, pos);
    if (text[j] === "}") return done(j + 1);
    if (j === text.length) return final ? done(j) : more(pos);
    return fail(j);
  }
}

export function genericFormat(tools?: ToolDef[]): MarkupFormat {
  const names = toolMap(tools);
  return {
    triggers: [],
    ends: [],
    atStart: names.size ? { chars: "{", open: (calls) => new GenericReader(calls, (n) => names.has(n)) } : undefined,
  };
}
