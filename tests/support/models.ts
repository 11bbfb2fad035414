// Test models: the real small GGUFs shared beside the project (never copied into it).
import { existsSync } from "node:fs";
import { resolve } from "node:path";

const SHARED_MODELS = resolve(import.meta.dir, "..", "..", "..", "shared", "models");

function shared(file: string): string {
  const path = resolve(SHARED_MODELS, file);
  if (!existsSync(path)) throw new Error(`test model missing: ${path} (expected ../shared/models beside the project)`);
  return path;
}

/** Real TinyStories weights, SPM vocab with byte fallback: greedy output is known text. */
export const STORIES_260K = shared("stories260K.gguf");
/** Its vocab has no byte fallback: tokenizing "{x}" or "é" aborts llama.cpp. */
export const TINYSTORIES_656K = shared("TinyStories-656K-Q8_0.gguf");
