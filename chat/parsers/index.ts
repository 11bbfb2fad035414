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
// What differs between families (markup, reasoning tags, ids) comes from chat/families/.
import { familyByName } from "../families/registry.ts";
import type { ModelFamily, ParserFront } from "../families/types.ts";
import { idGenerator } from "./ids.ts";
import { MarkupParser } from "./markup.ts";
import { ThinkSplitter, type ThinkTags } from "./reasoning.ts";
import { EventSink } from "./sink.ts";
import type { OutputParser, ParserOptions } from "./types.ts";

export { detectFamily, type ModelMeta } from "./detect.ts";
export { promptOpensReasoning } from "./reasoning.ts";
export type { Family, FunctionDef, OutputParser, ParserEvent, ParserOptions, ReasoningMode, ToolDef } from "./types.ts";

function thinkTags(opts: ParserOptions, family: ModelFamily): ThinkTags | undefined {
  if (opts.reasoning === "none") return undefined;
  const tags: ThinkTags = { open: ["<think>"], close: ["</think>"] };
  const own = family.reasoning?.tags;
  if (opts.reasoning === "auto" && own) {
    tags.open.unshift(own.open);
    tags.close.unshift(own.close);
  }
  if (family.reasoning?.endsAt) tags.ends = [...family.reasoning.endsAt];
  return tags;
}

function markupParser(opts: ParserOptions, family: ModelFamily, sink: EventSink): ParserFront {
  const tags = thinkTags(opts, family);
  const format = family.markup?.(opts.tools) ?? { triggers: [], ends: [] };
  const body = new MarkupParser(format, sink, tags?.close ?? []);
  return tags ? new ThinkSplitter(tags, sink, body, !!opts.thinkingForcedOpen) : body;
}

/**
 * A parser for one generation. Reasoning: "auto" extracts the family's own reasoning markup
 * (gpt-oss channels, [THINK] for Mistral, <think> otherwise), "<think>" only <think> blocks,
 * "none" leaves reasoning markup in content (gpt-oss analysis text becomes content).
 */
export function createOutputParser(opts: ParserOptions): OutputParser {
  const family = familyByName(opts.family);
  const sink = new EventSink(idGenerator(family.toolCallIds, opts.idPrefix));
  const front = family.parser ? family.parser(sink, opts.reasoning) : markupParser(opts, family, sink);
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
