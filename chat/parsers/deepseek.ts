// DeepSeek V3 / R1 (and R1 distills):
//   <｜tool▁calls▁begin｜><｜tool▁call▁begin｜>function<｜tool▁sep｜>NAME\n```json\n{...}\n```<｜tool▁call▁end｜>
//   (more calls, "\n"-separated) <｜tool▁calls▁end｜>
// DeepSeek V3.1 drops the type and the fence: <｜tool▁call▁begin｜>NAME<｜tool▁sep｜>{...}<｜tool▁call▁end｜>
// Both are read by one reader: after the separator, JSON means V3.1, a name line means V3/R1.
import { ArgsReader } from "./json-args.ts";
import { matchAt, skipWs } from "./markers.ts";
import { done, fail, feedChars, more, type Feed, type MarkupFormat, type RegionReader } from "./region.ts";
import type { CallSink } from "./types.ts";

const CALLS_BEGIN = [
  "<｜tool▁calls▁begin｜>",
  // spellings seen from R1 distills
  "<｜tool_calls_begin｜>",
  "<｜tool calls begin｜>",
  "<｜tool\\_calls\\_begin｜>",
  "<｜tool▁calls｜>",
];
const CALL_BEGIN = "<｜tool▁call▁begin｜>";
const SEP = "<｜tool▁sep｜>";
const CALL_END = "<｜tool▁call▁end｜>";
const CALLS_END = "<｜tool▁calls▁end｜>";
const FENCE = "```";

type Phase = "calls" | "head" | "afterSep" | "nameLine" | "fence" | "args" | "tail";

/** Which of lits is at pos: a full match, "partial" (text ends inside one) or undefined. */
function which(text: string, pos: number, lits: string[]): string | "partial" | undefined {
  let partial = false;
  for (const lit of lits) {
    const m = matchAt(text, pos, lit);
    if (m === "yes") return lit;
    if (m === "partial") partial = true;
  }
  return partial ? "partial" : undefined;
}

class DeepSeekReader implements RegionReader {
  started = false;
  private head = "";
  private args: ArgsReader | undefined;
  private fenced = false;

  constructor(
    private readonly calls: CallSink,
    private phase: Phase,
  ) {}

  feed(text: string, final: boolean): Feed {
    let pos = 0;
    for (;;) {
      const j = skipWs(text, pos);
      const waiting = j === text.length;
      switch (this.phase) {
        case "calls": {
          const m = which(text, j, [CALL_BEGIN, CALLS_END]);
          if (m === CALL_BEGIN) {
            pos = j + m.length;
            this.phase = "head";
          } else if (m === CALLS_END) return done(j + m.length);
          else if (m === "partial" || waiting) return final ? this.cut(j, text.length) : more(pos);
          else return this.started ? done(j) : fail(j);
          break;
        }
        case "head": {
          const idx = text.indexOf(SEP, pos);
          if (idx < 0) return this.wait(text, pos, final);
          this.head = text.slice(pos, idx).trim();
          pos = idx + SEP.length;
          this.phase = "afterSep";
          break;
        }
        case "afterSep":
          if (waiting) return this.wait(text, pos, final);
          if (text[j] === "{" || text[j] === '"') {
            this.begin(this.head, "args");
            pos = j;
          } else {
            this.phase = "nameLine";
            pos = j;
          }
          break;
        case "nameLine": {
          const m = /\n|```|\{/.exec(text.slice(pos));
          if (!m) return this.wait(text, pos, final);
          const name = text.slice(pos, pos + m.index).trim();
          if (!name) return fail(pos);
          this.begin(name, "fence");
          pos += m.index + (m[0] === "\n" ? 1 : 0);
          break;
        }
        case "fence": {
          if (!final && (waiting || matchAt(text, j, FENCE + "json") === "partial")) return more(pos);
          if (matchAt(text, j, FENCE + "json") === "yes") pos = j + FENCE.length + 4;
          else if (matchAt(text, j, FENCE) === "yes") pos = j + FENCE.length;
          else pos = j;
          this.fenced = pos > j;
          this.phase = "args";
          break;
        }
        case "args": {
          const r = feedChars(this.args!, text, pos);
          this.args!.flush();
          if (r.step === "error") return this.cut(r.pos, r.pos, true);
          if (r.step === "more") return final ? this.cut(r.pos, r.pos) : more(r.pos);
          this.args!.close();
          pos = r.pos;
          this.phase = "tail";
          break;
        }
        case "tail": {
          const m = which(text, j, this.fenced ? [FENCE, CALL_END, CALL_BEGIN, CALLS_END] : [CALL_END, CALL_BEGIN, CALLS_END]);
          if (m === "partial" || waiting) {
            if (!final) return more(pos);
            return this.cut(text.length, text.length);
          }
          if (m === FENCE) {
            this.fenced = false;
            pos = j + FENCE.length;
            break;
          }
          this.calls.end();
          this.args = undefined;
          this.phase = "calls";
          if (m === CALL_END) pos = j + CALL_END.length;
          else if (m === undefined) return done(j);
          else pos = j;
          break;
        }
      }
    }
  }

  private begin(name: string, next: Phase): void {
    this.calls.start(name);
    this.started = true;
    this.args = new ArgsReader((s) => this.calls.delta(s));
    this.phase = next;
  }

  /** A call header not complete yet; cut off by the end of the output, or too long to be one. */
  private wait(text: string, pos: number, final: boolean): Feed {
    if (final) return this.cut(pos, text.length);
    return text.length - pos > 256 ? this.cut(pos, pos) : more(pos);
  }

  /** Stops reading: an open call is closed (arguments repaired); `broken` marks bad syntax. */
  private cut(failAt: number, doneAt: number, broken = false): Feed {
    if (this.args) {
      this.args.close();
      this.calls.end();
      this.args = undefined;
      return broken ? fail(failAt) : done(doneAt);
    }
    return this.started && !broken ? done(doneAt) : fail(failAt);
  }
}

export function deepseekFormat(): MarkupFormat {
  return {
    triggers: [
      ...CALLS_BEGIN.map((marker) => ({ marker, open: (calls: CallSink) => new DeepSeekReader(calls, "calls") })),
      // the first call's opener without the block's
      { marker: CALL_BEGIN, open: (calls: CallSink) => new DeepSeekReader(calls, "head") },
    ],
    ends: [CALL_END, CALLS_END],
  };
}
