// Which output format a model uses, from the markers its chat template emits.
import type { Family } from "./types.ts";

export interface ModelMeta {
  /** GGUF general.architecture, e.g. "qwen3", "llama", "gpt-oss". */
  architecture?: string;
  /** GGUF general.name or the file name. */
  name?: string;
}

const has = (src: string, ...needles: string[]) => needles.every((n) => src.includes(n));

function fromTemplate(src: string): Family | undefined {
  if (has(src, "<|channel|>", "<|message|>")) return "gpt-oss";
  // V3 / R1 / V3.1; V3.2 and V4 write DSML markup instead, not handled here.
  if (src.includes("tool▁calls▁begin") || src.includes("tool▁call▁begin")) return "deepseek";
  if (src.includes("[TOOL_CALLS]")) return "mistral";
  // Seed-OSS's <seed:tool_call> does not contain "<tool_call>".
  if (has(src, "<tool_call>", "<function=", "<parameter=")) return "qwen3-coder";
  if (
    src.includes("<tool_call>") &&
    /\{\s*\\?"name\\?"\s*:/.test(src) &&
    // GLM / Ling / Laguna (<arg_key>), MiniMax (<invoke>), Apriel 1.5 (<tool_calls>[...]) differ.
    !src.includes("<arg_key>") &&
    !src.includes("<invoke") &&
    !src.includes("<tool_calls>")
  ) {
    return "hermes";
  }
  if (
    src.includes("<|start_header_id|>") &&
    (src.includes("<|python_tag|>") || src.includes('"parameters"')) &&
    // functionary v3.1 (<function=...>) and v3.2 (>>>recipient) reuse Llama's headers.
    !src.includes("<function=") &&
    !src.includes(">>>")
  ) {
    return "llama3";
  }
  return undefined;
}

function fromMeta(meta: ModelMeta): Family {
  const arch = (meta.architecture ?? "").toLowerCase();
  const name = (meta.name ?? "").toLowerCase();
  if (arch.startsWith("gpt-oss") || name.includes("gpt-oss")) return "gpt-oss";
  if (/qwen3[-_. ]?coder|qwen3\.5|nemotron[-_ ]?3/.test(name)) return "qwen3-coder";
  if (arch.startsWith("qwen") || /qwen|qwq|hermes/.test(name)) return "hermes";
  if (/mistral|ministral|devstral|magistral/.test(name)) return "mistral";
  if (arch.startsWith("deepseek") || name.includes("deepseek")) return "deepseek";
  if (arch === "llama" && /llama[- _]?3/.test(name)) return "llama3";
  return "none";
}

/**
 * The family of a chat template: the markers it writes for tool calls decide. A template that
 * never mentions tools gets "generic" (tools are then described in the prompt and answered
 * with plain JSON); one with a native tool format not handled here gets "none". Model metadata
 * is used only when there is no template text.
 */
export function detectFamily(template: string, meta?: ModelMeta): Family {
  if (!template.trim()) return meta ? fromMeta(meta) : "none";
  const family = fromTemplate(template);
  if (family) return family;
  return /\btools\b|tool_calls/.test(template) ? "none" : "generic";
}
