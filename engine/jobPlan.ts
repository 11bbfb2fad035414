// Everything decided before a request reaches a runner: the rendered prompt, the output
// format (tool-call family, reasoning), the grammar, and the job itself.
import { FALLBACK_STOP } from "../chat/fallback.ts";
import { familyByName, toolCallFamily } from "../chat/families/registry.ts";
import { promptOpensReasoning, type Family, type ParserOptions } from "../chat/parsers/index.ts";
import type { ChatTemplate } from "../chat/template.ts";
import type { TemplateTraits } from "../chat/templateTraits.ts";
import { withNineCharToolCallIds } from "../chat/toolCallIds.ts";
import { outputConstraint } from "./constraints.ts";
import type { Job, ReasoningBudget } from "./protocol.ts";
import { MEDIA_MARKER } from "../chat/messages.ts";
import { mediaParts, resolveSampling, type EngineErrorInfo, type GenerateRequest, type SamplingParams } from "../core/index.ts";

export interface JobPlan {
  prompt: string;
  job: Omit<Job, "id">;
  parser: ParserOptions;
}

const TEMPLATE_HINT = "; if the template cannot be rendered here, start the server with --chat-template-file pointing to a fixed copy";

/** `modelSampling`: the model's configured defaults, under what the request says. */
export function planJob(
  req: GenerateRequest,
  template: ChatTemplate,
  traits: TemplateTraits,
  modelSampling: Partial<SamplingParams> = {},
): JobPlan | { error: EngineErrorInfo } {
  const tools = req.toolChoice === "none" ? [] : (req.tools ?? []);
  let prompt: string;
  try {
    const messages = traits.nineCharToolCallIds ? withNineCharToolCallIds(req.messages) : req.messages;
    prompt = template.render(messages, {
      // Several templates (gpt-oss) concatenate the description unguarded.
      // relaxSchema is ours: templates that print the tool as JSON must not show it.
      tools: tools.map(({ relaxSchema: _, ...tool }) => ({ type: "function", function: { ...tool, description: tool.description ?? "" } })),
      extra: { enable_thinking: req.reasoning?.enabled ?? true, reasoning_effort: req.reasoning?.effort ?? "medium" },
    });
  } catch (error) {
    return { error: { kind: "invalid_request", code: "chat_template_error", param: "messages", message: (error as Error).message + TEMPLATE_HINT } };
  }
  const markerError = mediaMarkerError(prompt, mediaParts(req.messages).length);
  if (markerError) return { error: markerError };

  // Families matter with tools (a template with no known tool format gets the generic JSON
  // envelope); without, only one whose output has structure anyway (gpt-oss channels).
  const family: Family =
    tools.length > 0 ? toolCallFamily(traits.family).name : familyByName(traits.family).parsedWithoutTools ? traits.family : "none";
  const thinkingForcedOpen = promptOpensReasoning(prompt);
  const constraint = outputConstraint(req, tools, { family, traits, thinkingForcedOpen });
  if ("error" in constraint) return { error: constraint.error };

  const sampling = resolveSampling(req.sampling, modelSampling);
  return {
    prompt,
    parser: { family, reasoning: "auto", tools, thinkingForcedOpen },
    job: {
      prompt,
      addSpecial: template.needsBos(prompt),
      sampling: constraint.grammar ? { ...sampling, grammar: constraint.grammar, grammarTriggers: constraint.triggers } : sampling,
      maxTokens: req.maxTokens,
      stop: template.isFallback ? [...req.stop, FALLBACK_STOP] : req.stop,
      topLogprobs: req.topLogprobs,
      // Tool and channel markers are control tokens in some families.
      renderSpecial: family !== "none",
      reasoningBudget: reasoningBudget(req, traits, thinkingForcedOpen),
      cachePrompt: req.cachePrompt ?? true,
      cacheKey: req.cacheKey,
      ...(req.n !== undefined && req.n !== 1 ? { n: req.n } : {}),
    },
  };
}

/** A token budget for <think> blocks, when the request sets one and the template thinks that way. */
function reasoningBudget(req: GenerateRequest, traits: TemplateTraits, startsOpen: boolean): ReasoningBudget | undefined {
  const tokens = req.reasoning?.budgetTokens;
  if (tokens === undefined || req.reasoning?.enabled === false || !traits.thinks) return undefined;
  return { tokens, open: "<think>", close: "</think>", startsOpen };
}

/**
 * With media, libmtmd pairs each marker of the prompt with a file: a text that writes the marker
 * itself (or a template that drops a message's media) would shift them, so it is refused.
 */
function mediaMarkerError(prompt: string, media: number): EngineErrorInfo | undefined {
  if (media === 0) return undefined;
  const markers = prompt.split(MEDIA_MARKER).length - 1;
  if (markers === media) return undefined;
  return {
    kind: "invalid_request",
    code: "media_marker_mismatch",
    param: "messages",
    message: `the rendered prompt has ${markers} media markers for ${media} images and audio clips: text must not contain ${MEDIA_MARKER}, and the chat template must keep every message that carries media`,
  };
}
