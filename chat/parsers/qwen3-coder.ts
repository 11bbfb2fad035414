// Qwen3-Coder / Qwen3.5 / Nemotron-3-Nano / StepFun: XML-style calls with raw-text parameters
//   <tool_call>\n<function=NAME>\n<parameter=KEY>\nVALUE\n</parameter>\n</function>\n</tool_call>
// The arguments JSON is built as the parameters arrive: string parameters stream, others are
// typed by the tool's schema once complete.
import { matchAt, partialSuffix, skipWs } from "./markers.ts";
import { done, expectClose, fail, more, type Feed, type MarkupFormat, type RegionReader } from "./region.ts";
import { convertValue, onlyString, paramTypes, toolMap } from "./schema.ts";
import type { CallSink, FunctionDef, ToolDef } from "./types.ts";

const FN = "<function=";
const PARAM = "<parameter=";
const PARAM_END = "</parameter>";
const FN_END = "</function>";
const CALL_END = "</tool_call>";

/** Text of a JSON string's inside. */
function escape(s: string): string {
  return JSON.stringify(s).slice(1, -1);
}

type Phase = "open" | "name" | "params" | "key" | "value" | "close";

class XmlCallReader implements RegionReader {
  started = false;
  private phase: Phase = "open";
  private fn: FunctionDef | undefined;
  private first = true;
  private key = "";
  private types: Set<string> | undefined;
  private streaming = false;
  private valueOpen = false;
  private valueBegun = false;
  private value = "";
  private callOpen = false;

  constructor(
    private readonly calls: CallSink,
    private readonly tools: Map<string, FunctionDef>,
    name?: string,
  ) {
    if (name !== undefined) this.begin(name);
  }

  feed(text: string, final: boolean): Feed {
    let pos = 0;
    for (;;) {
      switch (this.phase) {
        case "open": {
          const j = skipWs(text, pos);
          const m = matchAt(text, j, FN);
          if (m === "no") return fail(j);
          if (m === "partial" || j === text.length) return final ? fail(j) : more(pos);
          pos = j + FN.length;
          this.phase = "name";
          break;
        }
        case "name":
        case "key": {
          const end = text.indexOf(">", pos);
          const word = text.slice(pos, end < 0 ? text.length : end);
          if (/[\n<]/.test(word) || word.length > 256) return this.broken(pos);
          if (end < 0) return final ? this.broken(pos) : more(pos);
          if (this.phase === "name") this.begin(word.trim());
          else this.startValue(word.trim());
          pos = end + 1;
          break;
        }
        case "params": {
          const j = skipWs(text, pos);
          if (matchAt(text, j, PARAM) === "yes") {
            pos = j + PARAM.length;
            this.phase = "key";
          } else if (matchAt(text, j, FN_END) === "yes") {
            this.endCall();
            pos = j + FN_END.length;
            this.phase = "close";
          } else if (matchAt(text, j, CALL_END) === "yes") {
            this.endCall(); // </function> left out
            return done(j + CALL_END.length);
          } else if (j === text.length || [PARAM, FN_END, CALL_END].some((m) => matchAt(text, j, m) === "partial")) {
            if (!final) return more(pos);
            this.endCall();
            return done(text.length);
          } else return this.broken(j);
          break;
        }
        case "value": {
          if (!this.valueBegun) {
            if (pos === text.length && !final) return more(pos);
            if (text[pos] === "\n") pos++; // the newline after <parameter=KEY>
            this.valueBegun = true;
          }
          const idx = text.indexOf(PARAM_END, pos);
          if (idx < 0 && final) {
            this.chunk(text.slice(pos));
            this.endCall();
            return done(text.length);
          }
          if (idx < 0) {
            // Hold a possible closing tag, and the newline that would precede it.
            let end = text.length - partialSuffix(text, [PARAM_END], pos);
            if (end > pos && text[end - 1] === "\n") end--;
            this.chunk(text.slice(pos, end));
            return more(end);
          }
          this.chunk(text.slice(pos, text[idx - 1] === "\n" && idx > pos ? idx - 1 : idx));
          this.endValue();
          pos = idx + PARAM_END.length;
          this.phase = "params";
          break;
        }
        case "close":
          return expectClose(text, pos, CALL_END, final);
      }
    }
  }

  private begin(name: string): void {
    this.fn = this.tools.get(name);
    this.calls.start(name);
    this.calls.delta("{");
    this.started = this.callOpen = true;
    this.phase = "params";
  }

  private startValue(key: string): void {
    this.key = key;
    this.types = paramTypes(this.fn, key);
    this.streaming = onlyString(this.types);
    this.valueOpen = true;
    this.valueBegun = false;
    this.value = "";
    if (this.streaming) this.calls.delta(this.prefix() + '"');
    this.phase = "value";
  }

  private prefix(): string {
    const p = (this.first ? "" : ", ") + JSON.stringify(this.key) + ": ";
    this.first = false;
    return p;
  }

  private chunk(s: string): void {
    if (this.streaming) this.calls.delta(escape(s));
    else this.value += s;
  }

  private endValue(): void {
    if (!this.valueOpen) return;
    this.valueOpen = false;
    if (this.streaming) this.calls.delta('"');
    else this.calls.delta(this.prefix() + JSON.stringify(convertValue(this.value, this.types)));
  }

  private endCall(): void {
    if (!this.callOpen) return;
    this.endValue();
    this.calls.delta("}");
    this.calls.end();
    this.callOpen = false;
  }

  /** Malformed: a started call is closed with what it has. */
  private broken(pos: number): Feed {
    this.endCall();
    return fail(pos);
  }
}

export function qwen3CoderFormat(tools?: ToolDef[]): MarkupFormat {
  const map = toolMap(tools);
  return {
    triggers: [
      { marker: "<tool_call>", open: (calls) => new XmlCallReader(calls, map) },
      // Qwen3-Coder sometimes leaves out <tool_call>: accept the opener of a declared tool.
      ...[...map.keys()].map((name) => ({
        marker: `${FN}${name}>`,
        open: (calls: CallSink) => new XmlCallReader(calls, map, name),
      })),
    ],
    ends: [CALL_END, FN_END],
  };
}
