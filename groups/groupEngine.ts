// An Engine decorating another: `model: "group:<uuid>"` runs a group execution, a request with
// `resume` continues a paused one, anything else goes to the inner engine untouched.
import { DelegatingEngine, type ChatMessage, type Engine, type EngineErrorInfo, type GenerateEvent, type GenerateRequest, type ModelInfo, type RequestCaller, type ToolChoice } from "../core/index.ts";
import { Execution, type ExecutionDeps } from "./execution.ts";
import { parseMode } from "./spec.ts";
import type { ExecutionState, RunMode } from "./state.ts";
import { GROUP_PREFIX, type Group } from "./types.ts";

export interface GroupEngineOptions extends Omit<ExecutionDeps, "inner"> {
  /** The groups a token may use (undefined: any), for tokens limited to groups. */
}

const fail = (kind: EngineErrorInfo["kind"], code: string, message: string, param?: string): GenerateEvent => ({
  type: "error",
  error: { kind, code, message, ...(param ? { param } : {}) },
});

export class GroupEngine extends DelegatingEngine {
  constructor(
    inner: Engine,
    readonly options: GroupEngineOptions,
  ) {
    super(inner);
  }

  /** The inner engine's models, then every group as `group:<uuid>` (owned by "group"). */
  listModels(): ModelInfo[] {
    const groups = this.options.store.list().map(
      (g): ModelInfo => ({ id: `${GROUP_PREFIX}${g.id}`, created: Math.floor(g.createdAt / 1000), ownedBy: "group", status: "loaded", aliases: [] }),
    );
    return [...this.inner.listModels(), ...groups];
  }

  resolveModel(name: string): string | undefined {
    if (!name.startsWith(GROUP_PREFIX)) return this.inner.resolveModel(name);
    return this.groupOf(name) ? name : undefined;
  }

  async countTokens(req: GenerateRequest) {
    if (req.model.startsWith(GROUP_PREFIX)) return { error: { kind: "unsupported", code: "unsupported_for_groups", message: "Counting tokens is not supported for groups.", param: "model" } as EngineErrorInfo };
    return this.inner.countTokens(req);
  }

  generate(req: GenerateRequest, signal: AbortSignal): AsyncIterable<GenerateEvent> {
    if (req.resume) return gated(this.resume(req, signal));
    if (req.model.startsWith(GROUP_PREFIX)) return gated(this.fresh(req, signal));
    return this.inner.generate(req, signal);
  }

  private groupOf(model: string): Group | undefined {
    const id = model.slice(GROUP_PREFIX.length).toLowerCase();
    return this.options.store.get(id);
  }

  private deps(): ExecutionDeps {
    return { ...this.options, inner: this.inner };
  }

  /** Why this caller may not run this group now, if it may not. */
  private refusal(group: Group, req: GenerateRequest, caller: RequestCaller): GenerateEvent | undefined {
    if (caller.endpoint !== "chat-completions" && caller.endpoint !== "unknown")
      return fail("invalid_request", "groups_on_chat_completions", "Groups are served on POST /v1/chat/completions (and /v1/chat/resume).", "model");
    const allowed = caller.tokenGroups;
    if (allowed && !allowed.includes(group.id)) return fail("permission", "group_not_allowed", `This token may not use the group '${group.id}'.`, "model");
    if ((req.n ?? 1) > 1) return fail("invalid_request", "unsupported_for_groups", "A group answers one choice: n must be 1.", "n");
    if (this.inner.resolveModel(group.brain) === undefined)
      return fail("not_found", "model_not_found", `The group's brain model '${group.brain}' does not exist.`, "model");
    const clientNames = new Set((req.tools ?? []).map((t) => t.name));
    const clash = group.tools.find((t) => clientNames.has(t.name))?.name ?? group.agents.map((a) => `ask_${a.name}`).find((n) => clientNames.has(n));
    if (clash) return fail("invalid_request", "tool_name_taken", `The tool name '${clash}' is the group's own; rename the client tool.`, "tools");
    return undefined;
  }

  private async *fresh(req: GenerateRequest, signal: AbortSignal): AsyncGenerator<GenerateEvent> {
    const group = this.groupOf(req.model);
    if (!group) return yield fail("not_found", "model_not_found", `The group '${req.model.slice(0, 256)}' does not exist.`, "model");
    const caller = callerOf(req);
    const refused = this.refusal(group, req, caller);
    if (refused) return yield refused;
    let mode: RunMode;
    try {
      mode = runMode(group, caller.mode);
    } catch (error) {
      return yield fail("invalid_request", "invalid_mode", (error as Error).message, "metadata.mode");
    }
    const agentModel = mode === "normal" ? undefined : group.agents.find((a) => this.inner.resolveModel(a.model) === undefined);
    if (agentModel) return yield fail("not_found", "model_not_found", `The model '${agentModel.model}' of the group's agent '${agentModel.name}' does not exist.`, "model");
    const state: ExecutionState = { messages: [], results: [], pending: [], clientCalls: [], clientTools: req.tools ?? [], mode, steps: 0, requestId: caller.requestId, ...(caller.tokenId ? { tokenId: caller.tokenId } : {}) };
    // The client's tool_choice counts with its own tools only (without them the protocol layer says "none").
    const asked = req.tools?.length ? req.toolChoice : undefined;
    const choice: ToolChoice | undefined = asked && asked !== "auto" ? asked : group.forceTool === "auto" ? undefined : group.forceTool;
    yield* new Execution(this.deps(), group, req, caller, signal).start(state, req.messages, choice);
  }

  private async *resume(req: GenerateRequest, signal: AbortSignal): AsyncGenerator<GenerateEvent> {
    const decision = req.resume!;
    const { store } = this.options;
    const record = store.approval(decision.approvalId);
    if (!record) return yield fail("not_found", "approval_not_found", `No approval '${decision.approvalId.slice(0, 64)}' exists.`, "approval_id");
    if (record.usedAt !== undefined) return yield fail("conflict", "approval_already_used", "This approval has already been used.", "approval_id");
    if (record.expiresAt <= Date.now()) return yield fail("gone", "approval_expired", `This approval expired at ${new Date(record.expiresAt).toISOString()}.`, "approval_id");
    const group = store.get(record.groupId);
    if (!group) return yield fail("not_found", "model_not_found", "The group of this approval no longer exists.", "approval_id");
    if (req.model !== `${GROUP_PREFIX}${group.id}`) return yield fail("invalid_request", "model_mismatch", `This approval belongs to the group 'group:${group.id}'.`, "model");
    const caller: RequestCaller = { ...callerOf(req), executionId: record.executionId };
    if (record.tokenId !== undefined && record.tokenId !== caller.tokenId) return yield fail("permission", "approval_other_token", "This approval belongs to another token.", "approval_id");
    const refused = this.refusal(group, req, caller);
    if (refused) return yield refused;
    const pending = new Set(record.state.pending.map((p) => p.id));
    const approved = new Set<string>();
    const denied = new Map<string, string | undefined>();
    for (const [i, id] of decision.approvedToolExecutionIds.entries()) {
      if (!pending.has(id)) return yield fail("invalid_request", "unknown_tool_execution", `'${id.slice(0, 64)}' is not a pending call of this approval.`, `approved_tool_execution_ids[${i}]`);
      approved.add(id);
    }
    for (const [i, d] of decision.deniedTools.entries()) {
      const param = `denied_tools[${i}].tool_execution_id`;
      if (!pending.has(d.toolExecutionId)) return yield fail("invalid_request", "unknown_tool_execution", `'${d.toolExecutionId.slice(0, 64)}' is not a pending call of this approval.`, param);
      if (approved.has(d.toolExecutionId)) return yield fail("invalid_request", "approved_and_denied", `'${d.toolExecutionId}' is both approved and denied.`, param);
      denied.set(d.toolExecutionId, d.reason);
    }
    // Claimed only once the request is known to be valid: a bad request does not burn it.
    if (!store.claim(record.id)) return yield fail("conflict", "approval_already_used", "This approval has already been used.", "approval_id");
    if (req.tools) record.state.clientTools = req.tools;
    yield* new Execution(this.deps(), group, req, caller, signal).resume(record, approved, denied, req.messages as ChatMessage[]);
  }
}

function callerOf(req: GenerateRequest): RequestCaller {
  return req.caller ?? { requestId: `req_${crypto.randomUUID().replaceAll("-", "")}`, executionId: crypto.randomUUID(), endpoint: "unknown" };
}

/** metadata.mode, else the group's default; auto: synthesis with agents and no tools, else normal. */
export function runMode(group: Group, requested: string | undefined): RunMode {
  const mode = requested === undefined ? group.defaultMode : parseMode(requested, "metadata.mode");
  if ((mode === "orchestration" || mode === "synthesis") && group.agents.length === 0)
    throw new Error(`metadata.mode ${mode} needs agents; this group has none`);
  if (mode === "auto") return group.agents.length > 0 && group.tools.length === 0 ? "synthesis" : "normal";
  return mode;
}

/**
 * One "start" first (the first model call's), everything before it held back, later starts
 * dropped: routes read the first event to choose the status, so an error before any model
 * call (an unknown approval, a missing model) still answers 4xx.
 */
async function* gated(events: AsyncGenerator<GenerateEvent>): AsyncGenerator<GenerateEvent> {
  let started = false;
  const held: GenerateEvent[] = [];
  for await (const ev of events) {
    if (started) {
      if (ev.type !== "start") yield ev;
      continue;
    }
    if (ev.type === "start" || ev.type === "done") {
      started = true;
      yield ev.type === "start" ? ev : { type: "start", promptTokens: 0 };
      yield* held;
      if (ev.type === "done") yield ev;
    } else if (ev.type === "error") yield ev;
    else held.push(ev);
  }
}
