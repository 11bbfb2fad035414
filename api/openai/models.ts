// GET /v1/models (and /v1/models/{id}) in OpenAI's shape with this server's extra fields, and the
// admin routes that load and unload a model ahead of or after its requests.
import { Elysia, t } from "elysia";
import type { Engine, EngineErrorInfo, ModelInfo } from "../../core/index.ts";
import { AnthropicModel, AnthropicModelList, ModelList, ModelObject, type ModelObject as ModelObjectType } from "../../schemas/models.ts";
import { OpenAIErrorBody } from "../../schemas/openai-chat.ts";
import { ApiError, modelNotFound } from "../http/errors.ts";
import { requestContext } from "../http/requestContext.ts";
import { anthropicErrorResponse } from "../anthropic/errors.ts";
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
    .onError(({ code, error, request }) =>
      // The Anthropic error's request-id is the request's own, as on every other Anthropic answer.
      request.headers.has("anthropic-version") ? anthropicErrorResponse(error, code, requestContext(request).requestId) : openAIErrorResponse(error, code),
    )
    .get(
      "/v1/models",
      ({ request }) => {
        const models = visibleModels(engine, request);
        // Anthropic's SDK lists models at the same path, telling itself apart by this header.
        if (request.headers.has("anthropic-version")) return toAnthropicModelList(models);
        return { object: "list" as const, data: models.map(toModelObject) };
      },
      {
        response: { 200: t.Union([ModelList, AnthropicModelList]), ...errors },
        detail: {
          tags: ["Models"],
          summary: "List models",
          description: "Every configured model with its status, aliases and capabilities. With an `anthropic-version` header: Anthropic's list shape.",
        },
      },
    )
    .get(
      "/v1/models/*",
      ({ params, request }) => {
        const id = find(safeDecode(params["*"]));
        const visible = visibleModels(engine, request);
        const model = visible.find((m) => m.id === id);
        if (!model) throw modelNotFound(id, visible.map((m) => m.id));
        return request.headers.has("anthropic-version") ? toAnthropicModel(model) : toModelObject(model);
      },
      {
        response: { 200: t.Union([ModelObject, AnthropicModel]), ...errors },
        detail: { tags: ["Models"], summary: "Retrieve a model (by id or alias)" },
      },
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

/** A token limited to some models (auth on) sees only those. */
function visibleModels(engine: Engine, request: Request): ModelInfo[] {
  const limited = requestContext(request).token?.models;
  const models = engine.listModels();
  if (!limited) return models;
  const allowed = new Set(limited.map((name) => engine.resolveModel(name)).filter((id) => id !== undefined));
  return models.filter((m) => allowed.has(m.id));
}

/** Anthropic's model object: type, id, display_name, created_at (RFC 3339). */
function toAnthropicModel(m: ModelInfo) {
  return { type: "model" as const, id: m.id, display_name: m.id, created_at: new Date(m.created * 1000).toISOString() };
}

/** All models on one page: has_more false, first and last ids for the SDK's paginator. */
function toAnthropicModelList(models: ModelInfo[]) {
  const data = models.map(toAnthropicModel);
  return { data, has_more: false, first_id: data[0]?.id ?? null, last_id: data.at(-1)?.id ?? null };
}

const safeDecode = (s: string) => {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
};
