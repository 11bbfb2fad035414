// GET /v1/models (and /v1/models/{id}) in OpenAI's shape with this server's extra fields, and the
// admin routes that load and unload a model ahead of or after its requests.
import { Elysia } from "elysia";
import type { Engine, EngineErrorInfo, ModelInfo } from "../../core/index.ts";
import { ModelList, ModelObject, type ModelObject as ModelObjectType } from "../../schemas/models.ts";
import { OpenAIErrorBody } from "../../schemas/openai-chat.ts";
import { ApiError, modelNotFound } from "../http/errors.ts";
import { openAIErrorResponse } from "./errors.ts";

const errors = { 404: OpenAIErrorBody, 500: OpenAIErrorBody, 503: OpenAIErrorBody, 507: OpenAIErrorBody };

export function modelRoutes(engine: Engine) {
  /** An id or alias; model ids may contain slashes ("org/model"), hence the wildcard routes. */
  const find = (name: string): string => {
    const id = engine.resolveModel(name);
    if (id === undefined) throw modelNotFound(name, engine.listModels().map((m) => m.id));
    return id;
  };
  const answer = (result: ModelInfo | { error: EngineErrorInfo }) => {
    if ("error" in result) throw ApiError.from(result.error);
    return toModelObject(result);
  };
  return new Elysia({ name: "openai-models" })
    .onError(({ code, error }) => openAIErrorResponse(error, code))
    .get("/v1/models", () => ({ object: "list" as const, data: engine.listModels().map(toModelObject) }), {
      response: { 200: ModelList, ...errors },
      detail: { tags: ["Models"], summary: "List models", description: "Every configured model with its status, aliases and capabilities." },
    })
    .get(
      "/v1/models/*",
      ({ params }) => {
        const id = find(safeDecode(params["*"]));
        return toModelObject(engine.listModels().find((m) => m.id === id)!);
      },
      { response: { 200: ModelObject, ...errors }, detail: { tags: ["Models"], summary: "Retrieve a model (by id or alias)" } },
    )
    .post(
      "/v1/models/*",
      async ({ params }) => {
        const path = safeDecode(params["*"]);
        const action = /\/(load|unload)$/.exec(path);
        if (!action) throw new ApiError("not_found", "not_found", "no such route: POST /v1/models/{id}/load or /unload");
        const id = find(path.slice(0, -action[0].length));
        return answer(action[1] === "load" ? await engine.loadModel(id) : await engine.unloadModel(id));
      },
      {
        response: { 200: ModelObject, ...errors },
        detail: {
          tags: ["Models"],
          summary: "Load or unload a model: POST /v1/models/{id}/load, /v1/models/{id}/unload",
          description: "Load answers once the model is loaded; unload once its running requests have ended.",
        },
      },
    );
}

export function toModelObject(m: ModelInfo): ModelObjectType {
  return {
    id: m.id,
    object: "model",
    created: m.created,
    owned_by: m.ownedBy,
    status: m.status,
    aliases: m.aliases,
    ...(m.capabilities ? { capabilities: m.capabilities } : {}),
    ...(m.contextLength !== undefined ? { context_length: m.contextLength } : {}),
    ...(m.memory ? { memory: { ram_bytes: Math.round(m.memory.ramBytes), vram_bytes: Math.round(m.memory.vramBytes) } } : {}),
    ...(m.loadError ? { error: m.loadError } : {}),
  };
}

const safeDecode = (s: string) => {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
};
