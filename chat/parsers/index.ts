// Streaming output parsers: raw generated text -> content, reasoning and tool-call events.
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

/**
 * A parser for one generation. Reasoning: "auto" extracts the family's own reasoning markup
 * (gpt-oss channels, [THINK] for Mistral, <think> otherwise), "<think>" only <think> blocks,
 * "none" leaves reasoning markup in content (gpt-oss analysis text becomes content).
 */
export function createOutputParser(opts: ParserOptions): OutputParser {
  const sink = new EventSink(idGenerator(opts.family, opts.idPrefix));
  if (opts.family === "gpt-oss") return new GptOssParser(sink, opts.reasoning !== "none");
  const tags = thinkTags(opts);
  const body = new MarkupParser(markupFormat(opts.family, opts.tools), sink, tags?.close ?? []);
  const front = tags ? new ThinkSplitter(tags, sink, body, !!opts.thinkingForcedOpen) : body;
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
