// The base of every Engine decorator (metering, metrics, groups): everything goes to the inner
// engine unless a decorator overrides it.
import type { EngineErrorInfo } from "./errors.ts";
import type { Engine, GenerateEvent, GenerateRequest, ModelInfo } from "./generate.ts";

export abstract class DelegatingEngine implements Engine {
  constructor(readonly inner: Engine) {}

  listModels(): ModelInfo[] {
    return this.inner.listModels();
  }

  resolveModel(name: string): string | undefined {
    return this.inner.resolveModel(name);
  }

  loadModel(id: string): Promise<ModelInfo | { error: EngineErrorInfo }> {
    return this.inner.loadModel(id);
  }

  unloadModel(id: string): Promise<ModelInfo | { error: EngineErrorInfo }> {
    return this.inner.unloadModel(id);
  }

  countTokens(req: GenerateRequest): Promise<number | { error: EngineErrorInfo }> {
    return this.inner.countTokens(req);
  }

  generate(req: GenerateRequest, signal: AbortSignal): AsyncIterable<GenerateEvent> {
    return this.inner.generate(req, signal);
  }
}
