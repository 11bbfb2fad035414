// Llama 3.1 / 3.2 / 3.3: custom tools as a bare JSON object that is the whole answer,
//   {"name": "get_weather", "parameters": {"city": "Paris"}}
// and <|python_tag|> for built-in tools (`brave_search.call(query="...")`), raw code for the
// code interpreter (reported as a call of "python" with {"code": ...}), or JSON.
import { JsonObjectReader } from "./json-region.ts";
import { skipWs } from "./markers.ts";
import { closingParen, parseKwargs } from "./python-call.ts";
import { done, fail, more, type Feed, type MarkupFormat, type RegionReader } from "./region.ts";
import { toolMap } from "./schema.ts";
import type { CallSink, ToolDef } from "./types.ts";

const IDENT_SO_FAR = /^[A-Za-z_][\w.]*$/;
const BUILTIN = /^([A-Za-z_]\w*)\.call\(/;

class PythonTagReader implements RegionReader {
  started = false;
  private mode: "head" | "json" | "builtin" | "code" = "head";
  private json: JsonObjectReader | undefined;
  private name = "";
  private kwargs = "";
  private readonly paren = { quote: "", esc: false, depth: 0 };

  constructor(private readonly calls: CallSink) {}

  feed(text: string, final: boolean): Feed {
    let pos = 0;
    if (this.mode === "head") {
      const j = skipWs(text, 0);
      const rest = text.slice(j);
      const m = BUILTIN.exec(rest);
      if (rest === "" || (!m && IDENT_SO_FAR.test(rest) && rest.length < 64)) {
        if (!final) return more(0);
        if (rest === "") return fail(j);
      }
      if (rest.startsWith("{")) {
        this.mode = "json";
        this.json = new JsonObjectReader(this.calls, { argKeys: ["parameters", "arguments"] });
      } else if (m) {
        this.mode = "builtin";
        this.name = m[1]!;
        pos = j + m[0].length;
      } else {
        this.mode = "code";
        this.calls.start("python");
        this.started = true;
        this.calls.delta('{"code": "');
      }
      if (this.mode !== "builtin") pos = j;
    }
    if (this.mode === "json") {
      const r = this.json!.feed(text.slice(pos), final);
      this.started = this.json!.started;
      return { ...r, used: pos + r.used };
    }
    if (this.mode === "code") {
      this.calls.delta(JSON.stringify(text.slice(pos)).slice(1, -1));
      if (!final) return more(text.length);
      this.calls.delta('"}');
      this.calls.end();
      return done(text.length);
    }
    // builtin: collect the keyword arguments up to the closing parenthesis
    const end = closingParen(text, pos, this.paren);
    if (end < 0) {
      this.kwargs += text.slice(pos);
      return final ? fail(text.length) : more(text.length);
    }
    this.kwargs += text.slice(pos, end - 1);
    const args = parseKwargs(this.kwargs);
    if (!args) return fail(end);
    this.calls.start(this.name);
    this.started = true;
    this.calls.delta(JSON.stringify(args));
    this.calls.end();
    return done(end);
  }
}

export function llama3Format(tools?: ToolDef[]): MarkupFormat {
  const names = toolMap(tools);
  return {
    triggers: [{ marker: "<|python_tag|>", open: (calls) => new PythonTagReader(calls) }],
    ends: [],
    // Bare JSON carries no marker, so only a declared tool's name makes it a call.
    atStart: names.size
      ? {
          chars: "{",
          again: true,
          open: (calls) =>
            new JsonObjectReader(calls, { bare: true, argKeys: ["parameters", "arguments"], accept: (n) => names.has(n) }, ";"),
        }
      : undefined,
  };
}
