// The request path run once at load on a sample conversation: in a fresh server the first request
// otherwise rendered the template with messages, sent the tokenizer process its first prompt and
// built its output parser cold, about 40 ms before its first token here (a restarted server's
// cached conversation, whose answer should start at once, paid all of it).
import { createOutputParser } from "../chat/parsers/index.ts";
import type { GenerateRequest } from "../core/index.ts";
import { JobEvents } from "./jobEvents.ts";
import { planJob } from "./jobPlan.ts";
import type { LoadedModel } from "./registry.ts";

export async function warmRequestPath(model: LoadedModel): Promise<void> {
  const req: GenerateRequest = {
    model: model.spec.id,
    messages: [{ role: "user", content: [{ type: "text", text: "Hello" }] }],
    sampling: {},
    stop: [],
    returnPrompt: false,
  };
  const plan = planJob(req, model.template, model.traits, model.spec.sampling);
  if ("error" in plan) return;
  await model.client.count(plan.prompt, plan.job.addSpecial);
  const job = new JobEvents(1, () => createOutputParser(plan.parser));
  job.events({ id: 0, type: "start", promptTokens: 1 });
  job.events({ id: 0, type: "text", text: "Hi", tokens: 1 });
  job.events({ id: 0, type: "done", finishReason: "max_tokens", promptTokens: 1, cachedTokens: 0, completionTokens: 1, promptMs: 0, generationMs: 0 });
}
