// The model families, in the order their detection is tried. Adding a family: its own file
// here and one line in FAMILIES (and in BY_METADATA when GGUF metadata can name it).
import { deepseek } from "./deepseek.ts";
import { generic } from "./generic.ts";
import { gptOss } from "./gpt-oss.ts";
import { hermes } from "./hermes.ts";
import { llama3 } from "./llama3.ts";
import { mistral } from "./mistral.ts";
import { none } from "./none.ts";
import { qwen3Coder } from "./qwen3-coder.ts";
import type { ModelFamily, ModelMeta, ToolCallFormat } from "./types.ts";

/**
 * First match wins, so a family whose markers contain another's goes first: gpt-oss, DeepSeek
 * and Mistral templates are unambiguous; Qwen3-Coder's <tool_call><function=...> must win over
 * Hermes' <tool_call>; Llama 3's headers are shared by others. A template that never mentions
 * tools is "generic"; one with a native tool format not handled here falls to "none".
 */
export const FAMILIES = [gptOss, deepseek, mistral, qwen3Coder, hermes, llama3, generic, none] as const;

export type Family = (typeof FAMILIES)[number]["name"];

/** Metadata is a weaker signal than markup; names overlap in their own way (a Qwen-based Hermes). */
const BY_METADATA: readonly ModelFamily<Family>[] = [gptOss, qwen3Coder, hermes, mistral, deepseek, llama3];

const BY_NAME = new Map<string, ModelFamily<Family>>(FAMILIES.map((family) => [family.name, family]));

/**
 * The family of a chat template: the markers it writes for tool calls decide. Model metadata
 * is used only when there is no template text.
 */
export function familyFor(templateSource: string, meta?: ModelMeta): ModelFamily<Family> {
  if (!templateSource.trim()) return (meta && BY_METADATA.find((family) => family.detectFromMetadata?.(meta))) || none;
  return FAMILIES.find((family) => family.detect(templateSource)) ?? none;
}

export function familyByName(name: Family): ModelFamily<Family> {
  const family = BY_NAME.get(name);
  if (!family) throw new Error(`unknown model family "${name}"`);
  return family;
}

type WithToolCalls = ModelFamily<Family> & { toolCalls: ToolCallFormat };

const hasToolCalls = (family: ModelFamily<Family>): family is WithToolCalls => family.toolCalls !== undefined;

/** The family whose format tool calls take: one without its own gets the generic JSON envelope. */
export function toolCallFamily(name: Family): WithToolCalls {
  const family = familyByName(name);
  return hasToolCalls(family) ? family : generic;
}
