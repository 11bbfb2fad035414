// What a chat template implies for output handling, read once when the model loads rather
// than from the template text on every request.
import { detectFamily, type Family } from "./parsers/index.ts";
import type { ChatTemplate } from "./template.ts";
import { templateWantsNineCharIds } from "./toolCallIds.ts";

export interface TemplateTraits {
  /** Tool-call and reasoning format. */
  family: Family;
  /** The template knows <think> blocks: a model may reason before a forced call. */
  thinks: boolean;
  /** Mistral's newer `[TOOL_CALLS]name[ARGS]{...}` form. */
  mistralArgsForm: boolean;
  /** Tool-call ids must be 9 alphanumerics (Mistral). */
  nineCharToolCallIds: boolean;
}

export function templateTraits(template: ChatTemplate): TemplateTraits {
  const source = template.source;
  return {
    family: template.isFallback ? "none" : detectFamily(source),
    thinks: source.includes("<think>"),
    mistralArgsForm: source.includes("[ARGS]"),
    nineCharToolCallIds: templateWantsNineCharIds(source),
  };
}
