// No markup to read: models without a template, and templates with a native tool format not
// handled here (GLM, Kimi K2, functionary...). With tools, the generic JSON envelope is used.
import type { ModelFamily } from "./types.ts";

export const none: ModelFamily<"none"> = {
  name: "none",
  detect: () => true,
  toolCallIds: "prefixed",
};
