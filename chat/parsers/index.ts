// Streaming output parsers: raw generated text -> content, reasoning and tool-call events.
// The same policies hold for every family, whatever the chunk boundaries:
// - Markup never reaches content: text that may start a marker is held until it is known.
// - Arguments stream once the call's name is known; the deltas of a call concatenate to a
//   valid JSON object (only well-formed prefixes are sent, see json-scanner.ts).
// - A malformed call before its tool_call_start keeps its raw text, markup included, as
//   content: nothing the model wrote is lost and no half call is reported. After the start,
//   the call is closed with the valid part of its arguments and the rest of it is dropped.
// - finish(): held text becomes content; an open call is closed (arguments cut short are
//   completed from their last valid point); a call cut off before its name is content.
// - Whitespace between content and calls, between calls and after reasoning is dropped.
// - Ids: "call_" (or idPrefix) + 24 alphanumerics; mistral: exactly 9 alphanumerics.
import { deepseekFormat } from "./deepseek.ts";
import { genericFormat } from "./generic.ts";
import { GptOssParser } from "./gpt-oss.ts";
import { hermesFormat } from "./hermes.ts";
import { idGenerator } from "./ids.ts";
import { llama3Format } from "./llama3.ts";
import { MarkupParser } from "./markup.ts";
import { mistralFormat } from "./mistral.ts";
import { qwen3CoderFormat } from "./qwen3-coder.ts";
import { ThinkSplitter, type ThinkTags } from "./reasoning.ts";
import type { MarkupFormat } from "./region.ts";
import { EventSink } from "./sink.ts";
import type { Family, OutputParser, ParserOptions, ToolDef } from "./types.ts";

export { detectFamily, type ModelMeta } from "./detect.ts";
export { promptOpensReasoning } from "./reasoning.ts";
export type { Family, FunctionDef, OutputParser, ParserEvent, ParserOptions, ReasoningMode, ToolDef } from "./types.ts";

function markupFormat(family: Family, tools: ToolDef[] | undefined): MarkupFormat {
  switch (family) {
    case "hermes":
      return hermesFormat();
    case "qwen3-coder":
      return qwen3CoderFormat(tools);
    case "llama3":
      return llama3Format(tools);
    case "mistral":
      return mistralFormat();
    case "deepseek":
      return deepseekFormat();
    case "generic":
      return genericFormat(tools);
    default:
      return { triggers: [], ends: [] };
  }
}

function thinkTags(opts: ParserOptions): ThinkTags | undefined {
  if (opts.reasoning === "none") return undefined;
  const tags: ThinkTags = { open: ["<think>"], close: ["</think>"] };
  if (opts.reasoning === "auto" && opts.family === "mistral") {
    tags.open.unshift("[THINK]"); // Magistral / Ministral reasoning
    tags.close.unshift("[/THINK]");
  }
  // Qwen3.5 and Nemotron may open a call without closing their reasoning first.
  if (opts.family === "qwen3-coder") tags.ends = ["<tool_call>"];
  return tags;
}

function markupParser(opts: ParserOptions, sink: EventSink): { push(text: string): void; finish(): void } {
  const tags = thinkTags(opts);
  const body = new MarkupParser(markupFormat(opts.family, opts.tools), sink, tags?.close ?? []);
  return tags ? new ThinkSplitter(tags, sink, body, !!opts.thinkingForcedOpen) : body;
}

/**
 * A parser for one generation. Reasoning: "auto" extracts the family's own reasoning markup
 * (gpt-oss channels, [THINK] for Mistral, <think> otherwise), "<think>" only <think> blocks,
 * "none" leaves reasoning markup in content (gpt-oss analysis text becomes content).
 */
export function createOutputParser(opts: ParserOptions): OutputParser {
  const sink = new EventSink(idGenerator(opts.family, opts.idPrefix));
  const front = opts.family === "gpt-oss" ? new GptOssParser(sink, opts.reasoning !== "none") : markupParser(opts, sink);
  let finished = false;
  return {
    push(text) {
      if (!finished && text) front.push(text);
      return sink.take();
    },
    finish() {
      if (!finished) front.finish();
      finished = true;
      return sink.take();
    },
  };
}
