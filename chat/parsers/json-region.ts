// Regions whose calls are JSON the model writes: a call object or an array of them.
import { JsonCallReader, JsonCallsReader, type CallOptions } from "./json-call.ts";
import { skipWs } from "./markers.ts";
import { done, expectClose, fail, feedChars, more, type Feed, type RegionReader } from "./region.ts";
import type { CallSink } from "./types.ts";

interface JsonReader {
  push(ch: string): "more" | "done" | "error";
  flush(): void;
  abort(): void;
  readonly started: boolean;
}

/** Feeds the JSON; the position after it once complete, else the answer for the driver. */
export function readJson(json: JsonReader, text: string, from: number, final: boolean): number | Feed {
  const r = feedChars(json, text, from);
  json.flush();
  if (r.step === "done") return r.pos;
  if (r.step === "more" && !final) return more(r.pos);
  json.abort(); // closes a started call, arguments repaired
  return r.step === "more" && json.started ? done(r.pos) : fail(r.pos);
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
      const r = readJson(this.json, text, 0, final);
      if (typeof r !== "number") return r;
      this.closing = true;
      pos = r;
    }
    return expectClose(text, pos, this.closeTag, final);
  }
}

/** A JSON call object, optionally followed by `;` before the next one. */
export class JsonObjectReader implements RegionReader {
  private readonly json: JsonCallReader;
  private after = false;

  constructor(
    calls: CallSink,
    opts: CallOptions,
    private readonly separator = "",
  ) {
    this.json = new JsonCallReader(calls, opts);
  }

  get started(): boolean {
    return this.json.started;
  }

  feed(text: string, final: boolean): Feed {
    let pos = 0;
    if (!this.after) {
      const r = readJson(this.json, text, 0, final);
      if (typeof r !== "number") return r;
      this.after = true;
      pos = r;
    }
    if (!this.separator) return done(pos);
    const j = skipWs(text, pos);
    if (j === text.length && !final) return more(pos);
    return done(text.startsWith(this.separator, j) ? j + this.separator.length : pos);
  }
}
