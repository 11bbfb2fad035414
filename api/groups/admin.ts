// /v1/admin/groups: create, list, get, update (PUT replaces, PATCH changes the given fields) and
// delete groups. Groups from the config file are listed but read-only here (409): the file is
// their source and replaces them at each start. The auth plugin requires the `admin` scope.
import { Elysia, t } from "elysia";
import type { Engine } from "../../core/index.ts";
import { isUuid, parseGroupSpec, SpecError } from "../../groups/spec.ts";
import type { GroupStore } from "../../groups/store.ts";
import { GROUP_PREFIX, type Group, type GroupSpec } from "../../groups/types.ts";
import { GroupBody, GroupDeleted, GroupList, GroupObject, GroupPatch } from "../../schemas/groups.ts";
import { OpenAIErrorBody } from "../../schemas/openai-chat.ts";
import { DEFAULT_MAX_BODY_BYTES, jsonBody } from "../http/body.ts";
import { ApiError, badRequest } from "../http/errors.ts";
import { protocolErrorHandler } from "../http/onError.ts";
import { openAIErrorResponse } from "../openai/errors.ts";

const errors = { 400: OpenAIErrorBody, 401: OpenAIErrorBody, 403: OpenAIErrorBody, 404: OpenAIErrorBody, 409: OpenAIErrorBody, 413: OpenAIErrorBody };
const Params = t.Object({ id: t.String({ description: "The group's id (a UUID) or `group:<id>`." }) });

/** A group as the API shows it: the body's snake_case fields, defaults filled. */
export function toGroupObject(g: Group) {
  return {
    id: g.id,
    object: "group" as const,
    model: `${GROUP_PREFIX}${g.id}`,
    name: g.name,
    brain: g.brain,
    agents: g.agents,
    default_mode: g.defaultMode,
    instruction: g.instruction,
    tools: g.tools.map((tool) => ({
      name: tool.name,
      ...(tool.description !== undefined ? { description: tool.description } : {}),
      parameters: tool.parameters,
      method: tool.method,
      url: tool.url,
      headers: tool.headers,
      body: tool.body,
      timeout_ms: tool.timeoutMs,
      max_response_bytes: tool.maxResponseBytes,
      approval: tool.approval,
      allow_private: tool.allowPrivate,
    })),
    // A config resource read from a file shows its path; the text is what the model gets.
    resources: g.resources.map((r) => ({ name: r.name, text: r.text, ...(r.path ? { path: r.path } : {}) })),
    force_tool: typeof g.forceTool === "object" ? g.forceTool.name : g.forceTool,
    approval_ttl: g.approvalTtlSeconds ?? null,
    source: g.source,
    created_at: Math.floor(g.createdAt / 1000),
    updated_at: Math.floor(g.updatedAt / 1000),
  };
}

/** The writable fields of a stored group, as a body (for PATCH). */
function bodyOf(g: Group): Record<string, unknown> {
  const { id: _, object: __, model: ___, source: ____, created_at: _____, updated_at: ______, approval_ttl, resources, ...rest } = toGroupObject(g);
  return { ...rest, resources: resources.map((r) => ({ name: r.name, text: r.text })), ...(approval_ttl !== null ? { approval_ttl } : {}) };
}

export function groupAdminRoutes(store: GroupStore, engine: Engine, options: { maxBodyBytes?: number } = {}) {
  const limit = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const detail = (summary: string, description?: string) => ({ tags: ["Admin"], summary, ...(description ? { description } : {}) });

  /** The body as a spec whose models exist; SpecError -> 400 naming the field. */
  const specOf = (body: unknown): GroupSpec => {
    let spec: GroupSpec;
    try {
      spec = parseGroupSpec(body);
    } catch (error) {
      if (error instanceof SpecError) throw badRequest(error.message, error.field);
      throw error;
    }
    if (engine.resolveModel(spec.brain) === undefined) throw new ApiError("invalid_request", "model_not_found", `brain names no model: '${spec.brain}'.`, "brain");
    spec.agents.forEach((a, i) => {
      if (engine.resolveModel(a.model) === undefined) throw new ApiError("invalid_request", "model_not_found", `agents[${i}].model names no model: '${a.model}'.`, `agents[${i}].model`);
    });
    return spec;
  };
  const find = (raw: string): Group => {
    const id = (raw.startsWith(GROUP_PREFIX) ? raw.slice(GROUP_PREFIX.length) : raw).toLowerCase();
    const group = store.get(id);
    if (!group) throw new ApiError("not_found", "group_not_found", `No group '${raw.slice(0, 64)}' exists.`, "id");
    return group;
  };
  const writable = (raw: string): Group => {
    const group = find(raw);
    if (group.source === "config") throw new ApiError("conflict", "group_from_config", "This group comes from the config file: change it there (it is replaced at each start).", "id");
    return group;
  };
  const checkId = (body: Record<string, unknown>, group: Group) => {
    if (body.id != null && String(body.id).toLowerCase() !== group.id) throw badRequest("id cannot be changed.", "id");
  };

  return new Elysia({ name: "groups-admin", detail: { tags: ["Admin"] } })
    .onError(protocolErrorHandler(GroupBody, openAIErrorResponse, "groups-admin"))
    .post(
      "/v1/admin/groups",
      ({ body, set }) => {
        const raw = body as Record<string, unknown>;
        let id: string = crypto.randomUUID();
        if (raw.id != null) {
          if (typeof raw.id !== "string" || !isUuid(raw.id)) throw badRequest("id must be a UUID.", "id");
          id = raw.id.toLowerCase();
          if (store.get(id)) throw new ApiError("conflict", "group_exists", `A group '${id}' exists already.`, "id");
        }
        const group = store.put(id, "api", specOf(raw));
        set.status = 201;
        return toGroupObject(group);
      },
      { parse: jsonBody(limit, GroupBody), body: GroupBody, response: { 201: GroupObject, ...errors }, detail: detail("Create a group", "Clients then send `model: \"group:<id>\"`.") },
    )
    .get("/v1/admin/groups", () => ({ object: "list" as const, data: store.list().map(toGroupObject) }), {
      response: { 200: GroupList, ...errors },
      detail: detail("List groups"),
    })
    .get("/v1/admin/groups/:id", ({ params }) => toGroupObject(find(params.id)), {
      params: Params,
      response: { 200: GroupObject, ...errors },
      detail: detail("Get a group"),
    })
    .put(
      "/v1/admin/groups/:id",
      ({ params, body }) => {
        const group = writable(params.id);
        checkId(body as Record<string, unknown>, group);
        return toGroupObject(store.put(group.id, "api", specOf({ ...(body as Record<string, unknown>), id: undefined })));
      },
      { parse: jsonBody(limit, GroupBody), params: Params, body: GroupBody, response: { 200: GroupObject, ...errors }, detail: detail("Replace a group") },
    )
    .patch(
      "/v1/admin/groups/:id",
      ({ params, body }) => {
        const group = writable(params.id);
        checkId(body as Record<string, unknown>, group);
        return toGroupObject(store.put(group.id, "api", specOf({ ...bodyOf(group), ...(body as Record<string, unknown>), id: undefined })));
      },
      { parse: jsonBody(limit, GroupPatch), params: Params, body: GroupPatch, response: { 200: GroupObject, ...errors }, detail: detail("Change some fields of a group") },
    )
    .delete(
      "/v1/admin/groups/:id",
      ({ params }) => {
        const group = writable(params.id);
        store.delete(group.id);
        return { id: group.id, object: "group.deleted" as const, deleted: true };
      },
      { params: Params, response: { 200: GroupDeleted, ...errors }, detail: detail("Delete a group", "Its paused executions can no longer be resumed (404).") },
    );
}
