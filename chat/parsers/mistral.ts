// Mistral: [TOOL_CALLS][{"name": ..., "arguments": {...}, "id": ...}, ...] (Nemo, Small 3.1), and
// the newer [TOOL_CALLS]NAME[ARGS]{...} per call (Small 3.2 may add [CALL_ID]id, Devstral,
// Ministral/Magistral). Ids the model writes are ignored: we hand out our own 9-char ids.
import { ArgsReader } from "./json-args.ts";
import { JsonRegionReader } from "./json-region.ts";
import { partialSuffix, skipWs } from "./markers.ts";
import { done, fail, feedChars, more, type Feed, type MarkupFormat, type RegionReader } from "./region.ts";
import type { CallSink } from "./types.ts";

const ARGS = "[ARGS]";
const CALL_ID = "[CALL_ID]";
const NAME = /^[\w.\-]+$/;

class MistralReader implements RegionReader {
  started = false;
  private json: JsonRegionReader | undefined;
  private args: ArgsReader | undefined;

  constructor(private readonly calls: CallSink) {}

  feed(text: string, final: boolean): Feed {
    if (this.json) {
      const r = this.json.feed(text, final);
      this.started = this.json.started;
      return r;
    }
    if (this.args) return this.readArgs(text, 0, final);
    const j = skipWs(text, 0);
    if (j === text.length) return final ? fail(j) : more(0);
    if (text[j] === "[" || text[j] === "{") {
      this.json = new JsonRegionReader(this.calls, ""); // no closing tag
      return this.feed(text, final);
    }
    return this.readName(text, j, final);
  }

  private readName(text: string, pos: number, final: boolean): Feed {
    const a = text.indexOf(ARGS, pos);
    const c = text.indexOf(CALL_ID, pos);
    const end = c >= 0 && (a < 0 || c < a) ? c : a;
    const name = text.slice(pos, end < 0 ? text.length - partialSuffix(text, [ARGS, CALL_ID], pos) : end).trim();
    if (!NAME.test(name) && !(end < 0 && name === "")) return fail(pos);
    if (end < 0 || (end === c && text.indexOf(ARGS, c) < 0)) {
      return final || text.length - pos > 512 ? fail(pos) : more(0);
    }
    this.calls.start(name);
    this.started = true;
    this.args = new ArgsReader((s) => this.calls.delta(s));
    return this.readArgs(text, text.indexOf(ARGS, end) + ARGS.length, final);
  }

  private readArgs(text: string, pos: number, final: boolean): Feed {
    const args = this.args!;
    const r = feedChars(args, text, pos);
    args.flush();
    if (r.step === "more" && !final) return more(r.pos);
    args.close();
    this.calls.end();
    return r.step === "error" ? fail(r.pos) : done(r.pos);
  }
}

export function mistralFormat(): MarkupFormat {
  return { triggers: [{ marker: "[TOOL_CALLS]", open: (calls) => new MistralReader(calls) }], ends: [] };
}
