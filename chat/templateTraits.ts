// What a chat template implies for output handling, read once when the model loads rather
// than from the template text on every request.
import { familyByName, familyFor, type Family } from "./families/registry.ts";
import type { FormatTraits } from "./families/types.ts";
import type { ChatTemplate } from "./template.ts";
import { templateWantsNineCharIds } from "./toolCallIds.ts";

export interface TemplateTraits {
  /** Tool-call and reasoning format. */
  family: Family;
  /** The template knows <think> blocks: a model may reason before a forced call. */
  thinks: boolean;
  /** The template's variant of its family's format (Mistral's [ARGS] form). */
  format: FormatTraits;
  /** Tool-call ids must be 9 alphanumerics (Mistral). */
  nineCharToolCallIds: boolean;
}

export function templateTraits(template: ChatTemplate): TemplateTraits {
  const source = template.source;
  const family = template.isFallback ? familyByName("none") : familyFor(source);
  return {
    family: family.name,
    thinks: source.includes("<think>"),
    format: family.formatTraits?.(source) ?? {},
    nineCharToolCallIds: templateWantsNineCharIds(source),
  };
}
