// A scripted inner engine for the execution loop's tests: its "models" answer what the test says
// (a random-weight model cannot be made to call two tools or write invalid arguments on demand).
// Every request is recorded, so a test sees exactly what each model call was given.
import type { Engine, EngineErrorInfo, GenerateEvent, GenerateRequest, ModelInfo, Usage } from "../../core/index.ts";
import { partsText } from "../../core/index.ts";

export const USAGE: Usage = { promptTokens: 100, cachedPromptTokens: 0, completionTokens: 10, reasoningTokens: 0, tokensPerSecond: 50, promptMs: 5, generationMs: 200 };

export type Script = (req: GenerateRequest) => GenerateEvent[];

export class ScriptedModels implements Engine {
  readonly requests: GenerateRequest[] = [];

  constructor(
    private readonly scripts: Record<string, Script>,
    private readonly prices: Record<string, { prompt: number; completion: number }> = {},
  ) {}

  listModels(): ModelInfo[] {
    return Object.keys(this.scripts).map((id) => ({ id, created: 1, ownedBy: "test", status: "loaded", aliases: [], ...(this.prices[id] ? { price: this.prices[id] } : {}) }));
  }

  resolveModel(name: string): string | undefined {
    return name in this.scripts ? name : undefined;
  }

  async loadModel(id: string): Promise<ModelInfo | { error: EngineErrorInfo }> {
    return this.listModels().find((m) => m.id === id)!;
  }

  async unloadModel(id: string): Promise<ModelInfo | { error: EngineErrorInfo }> {
    return this.listModels().find((m) => m.id === id)!;
  }

  async countTokens(): Promise<number> {
    return 1;
  }

  async *generate(req: GenerateRequest): AsyncGenerator<GenerateEvent> {
    this.requests.push(structuredClone(req));
    yield { type: "start", promptTokens: USAGE.promptTokens };
    yield* this.scripts[req.model]!(req);
  }

  /** The requests one model got. */
  to(model: string): GenerateRequest[] {
    return this.requests.filter((r) => r.model === model);
  }
}

export const say = (text: string, reason: "eos" | "max_tokens" = "eos"): GenerateEvent[] => [{ type: "text", text }, { type: "done", finishReason: reason, usage: USAGE }];

export function calls(...list: { name: string; args: unknown }[]): GenerateEvent[] {
  return [
    ...list.flatMap((c, index): GenerateEvent[] => [
      { type: "tool_call_start", index, id: `call_${index}`, name: c.name },
      { type: "tool_call_delta", index, argumentsDelta: typeof c.args === "string" ? c.args : JSON.stringify(c.args) },
      { type: "tool_call_end", index },
    ]),
    { type: "done", finishReason: "tool_calls", usage: USAGE },
  ];
}

/** The text of every tool message of a request, in order. */
export const toolResults = (req: GenerateRequest) => req.messages.filter((m) => m.role === "tool").map((m) => partsText(m.content));

/** The last message is a tool result: the brain's turn after its calls ran. */
export const afterTools = (req: GenerateRequest) => req.messages.at(-1)?.role === "tool";
