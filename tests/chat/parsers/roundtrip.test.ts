// The exact text each model family's own template renders for a past tool call must parse back
// into that call: the samples come from the templates themselves, not from hand-written guesses.
import { describe, test } from "bun:test";
import { Template } from "@huggingface/jinja";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { Family } from "../../../chat/parsers/index.ts";
import { expectParse } from "./harness.ts";

const DIR = join(import.meta.dir, "../../../llama.cpp/src/models/templates");
const ARGS = { location: "Paris", days: 3 };
const tools = [
  {
    type: "function",
    function: {
      name: "get_weather",
      description: "Weather",
      parameters: {
        type: "object",
        properties: { location: { type: "string", description: "City" }, days: { type: "integer", description: "Days" } },
      },
    },
  },
];
const END_TOKENS = /(<\|im_end\|>|<\|eot_id\|>|<\/s>|<｜end▁of▁sentence｜>|\s)+$/;

interface Case {
  template: string;
  family: Family;
  /** Where the assistant turn starts in the rendered conversation (last occurrence). */
  opener: string;
  /** Argument shapes the template renders: an object, and/or the JSON text. */
  shapes: ("object" | "string")[];
  content?: "" | null;
  /** The template renders one call per turn only. */
  single?: boolean;
}

const CASES: Case[] = [
  { template: "Qwen-Qwen2.5-7B-Instruct", family: "hermes", opener: "<|im_start|>assistant\n", shapes: ["object", "string"] },
  { template: "Qwen-Qwen3-0.6B", family: "hermes", opener: "<|im_start|>assistant\n", shapes: ["object", "string"] },
  { template: "Qwen-QwQ-32B", family: "hermes", opener: "<|im_start|>assistant\n", shapes: ["object", "string"] },
  { template: "NousResearch-Hermes-2-Pro-Llama-3-8B-tool_use", family: "hermes", opener: "<|im_start|>assistant\n", shapes: ["object"] },
  { template: "Qwen3-Coder", family: "qwen3-coder", opener: "<|im_start|>assistant\n", shapes: ["object"] },
  { template: "Qwen3.5-4B", family: "qwen3-coder", opener: "<|im_start|>assistant\n", shapes: ["object"] },
  { template: "NVIDIA-Nemotron-3-Nano-30B-A3B-BF16", family: "qwen3-coder", opener: "<|im_start|>assistant\n", shapes: ["object"] },
  { template: "meta-llama-Llama-3.1-8B-Instruct", family: "llama3", opener: "<|start_header_id|>assistant<|end_header_id|>\n\n", shapes: ["object", "string"], single: true },
  { template: "meta-llama-Llama-3.2-3B-Instruct", family: "llama3", opener: "<|start_header_id|>assistant<|end_header_id|>\n\n", shapes: ["object", "string"], single: true },
  { template: "meta-llama-Llama-3.3-70B-Instruct", family: "llama3", opener: "<|start_header_id|>assistant<|end_header_id|>\n\n", shapes: ["object", "string"], single: true },
  { template: "mistralai-Mistral-Nemo-Instruct-2407", family: "mistral", opener: "[/INST]", shapes: ["object", "string"] },
  { template: "Mistral-Small-3.2-24B-Instruct-2506", family: "mistral", opener: "[/INST]", shapes: ["object", "string"] },
  { template: "unsloth-mistral-Devstral-Small-2507", family: "mistral", opener: "[/INST]", shapes: ["object", "string"] },
  { template: "mistralai-Ministral-3-14B-Reasoning-2512", family: "mistral", opener: "[/INST]", shapes: ["object", "string"] },
  { template: "openai-gpt-oss-120b", family: "gpt-oss", opener: "<|start|>assistant", shapes: ["object", "string"], single: true },
  { template: "deepseek-ai-DeepSeek-R1-Distill-Qwen-32B", family: "deepseek", opener: "<｜Assistant｜>", shapes: ["object", "string"], content: null },
  // concatenates the arguments as text, and leaves out the block's end after a single call
  { template: "deepseek-ai-DeepSeek-R1-Distill-Llama-8B", family: "deepseek", opener: "<｜Assistant｜>", shapes: ["string"], content: null },
  { template: "deepseek-ai-DeepSeek-V3.1", family: "deepseek", opener: "<｜Assistant｜>", shapes: ["object", "string"] },
  { template: "llama-cpp-deepseek-r1", family: "deepseek", opener: "<｜Assistant｜>", shapes: ["object", "string"] },
];

const ARGS2 = { location: "Oslo, Norway", days: 1 };

function renderedCall(c: Case, shape: "object" | "string", count = 1): string {
  const template = new Template(readFileSync(join(DIR, `${c.template}.jinja`), "utf8"));
  const calls = [ARGS, ARGS2].slice(0, count).map((args, i) => ({
    id: `abc123de${i}`,
    type: "function",
    function: { name: "get_weather", arguments: shape === "object" ? args : JSON.stringify(args) },
  }));
  const text = template.render({
    messages: [
      { role: "user", content: "Weather in Paris?" },
      { role: "assistant", content: c.content === undefined ? "" : c.content, tool_calls: calls },
    ],
    tools,
    add_generation_prompt: false,
    bos_token: "<s>",
    eos_token: "</s>",
  });
  const at = text.lastIndexOf(c.opener);
  if (at < 0) throw new Error(`no assistant turn in ${c.template}`);
  return text.slice(at + c.opener.length).replace(END_TOKENS, "");
}

describe("tool calls rendered by the models' own templates parse back", () => {
  for (const c of CASES) {
    for (const shape of c.shapes) {
      test(`${c.template} (${shape} arguments)`, () => {
        const sample = renderedCall(c, shape);
        expectParse({ family: c.family, reasoning: "auto", tools }, sample, { calls: [{ name: "get_weather", arguments: ARGS }] });
      });
    }
    if (!c.single) {
      test(`${c.template} (two calls)`, () => {
        const sample = renderedCall(c, c.shapes[0]!, 2);
        expectParse({ family: c.family, reasoning: "auto", tools }, sample, {
          calls: [
            { name: "get_weather", arguments: ARGS },
            { name: "get_weather", arguments: ARGS2 },
          ],
        });
      });
    }
  }
});
