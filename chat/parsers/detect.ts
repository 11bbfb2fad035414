// Which output format a model uses: the family registry decides (chat/families/registry.ts).
import { familyFor } from "../families/registry.ts";
import type { ModelMeta } from "../families/types.ts";
import type { Family } from "./types.ts";

export type { ModelMeta };

/**
 * The family of a chat template: the markers it writes for tool calls decide. A template that
 * never mentions tools gets "generic" (tools are then described in the prompt and answered
 * with plain JSON); one with a native tool format not handled here gets "none". Model metadata
 * is used only when there is no template text.
 */
export function detectFamily(template: string, meta?: ModelMeta): Family {
  return familyFor(template, meta).name;
}
