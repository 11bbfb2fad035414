// One group execution: the brain generates with the group's tools (and agents, in orchestration)
// offered as functions; calls needing no approval run at once, in parallel, and the brain goes
// on with their results; calls needing approval pause the execution (state persisted, pending
// calls and a "tool_calls" done carrying the approval). Client tools are returned, never run.
import { textPart, type ChatMessage, type Engine, type GenerateEvent, type GenerateRequest, type RequestCaller, type ToolChoice, type ToolDefinition } from "../core/index.ts";
import { checkArguments, runHttpTool, type ToolFetcher } from "./httpTool.ts";
import { Meter } from "./meter.ts";
import { runOrdered, type Task } from "./ordered.ts";
import { agentConversation, agentTask, brainMessages, synthesisNote } from "./prompt.ts";
import type { SecretStore } from "./secrets.ts";
import type { CallResult, ExecutionState, PendingCall } from "./state.ts";
import type { ApprovalRecord, GroupStore } from "./store.ts";
import type { Group, GroupAgent, HttpTool } from "./types.ts";

export interface ExecutionDeps {
  inner: Engine;
  store: GroupStore;
  secrets: SecretStore;
  fetch: ToolFetcher;
  log: (line: string) => void;
  /** Brain steps per execution, resumes included; the last one may not call tools. */
  maxSteps: number;
  /** How long a paused execution waits, unless the group says. */
  approvalTtlMs: number;
}

interface StepCall {
  id: string;
  name: string;
  arguments: string;
  client: boolean;
}

interface Step {
  text: string;
  reasoning: string;
  calls: StepCall[];
  finishReason: Extract<GenerateEvent, { type: "done" }>["finishReason"];
  stopSequence?: string;
}

export const AGENT_TOOL_PREFIX = "ask_";

export class Execution {
  private readonly meter: Meter;
  /** Index of the next tool call shown to the client. */
  private shownCalls = 0;

  constructor(
    private readonly deps: ExecutionDeps,
    private readonly group: Group,
    /** The client's request: sampling, limits, its own tools. */
    private readonly request: GenerateRequest,
    /** Ids of the execution (a resume carries the paused execution's id). */
    private readonly caller: RequestCaller,
    private readonly signal: AbortSignal,
  ) {
    this.meter = new Meter(deps.inner);
  }

  /** A new execution: in synthesis every agent answers first, then the brain's loop. */
  async *start(state: ExecutionState, client: ChatMessage[], firstChoice: ToolChoice | undefined): AsyncGenerator<GenerateEvent> {
    this.log(`started (mode ${state.mode}, brain ${this.group.brain})`);
    let note: string | undefined;
    if (state.mode === "synthesis") {
      const answers = yield* runOrdered(this.group.agents.map((agent) => this.agentTask(agent, agentConversation(agent, client))));
      note = synthesisNote(answers.map((a, i) => ({ agent: this.group.agents[i]!.name, text: a.text })));
    }
    state.messages = brainMessages(this.group, client, note);
    yield* this.loop(state, firstChoice);
  }

  /** A paused execution continued: approved calls run, denied ones are answered with the reason. */
  async *resume(record: ApprovalRecord, approved: Set<string>, denied: Map<string, string | undefined>, added: ChatMessage[]): AsyncGenerator<GenerateEvent> {
    const state = record.state;
    this.log(`resumed from approval ${record.id} (${approved.size} approved, ${state.pending.length - approved.size} denied)`);
    const tasks = state.pending.map((call): Task<CallResult> => {
      if (approved.has(call.id)) return this.approvedTask(call);
      const reason = denied.get(call.id)?.trim();
      const content = denied.has(call.id) ? `denied by the user${reason ? `: ${reason}` : ""}` : "denied: the user gave no decision on this call";
      return async () => ({ callId: call.id, name: call.name, content, isError: true });
    });
    const results = [...state.results, ...(yield* runOrdered(tasks))];
    this.appendResults(state, results);
    const answered = new Set<string>();
    for (const m of added) {
      if (m.role === "tool" && m.toolCallId && state.clientCalls.includes(m.toolCallId)) answered.add(m.toolCallId);
    }
    for (const id of state.clientCalls) {
      if (!answered.has(id)) state.messages.push({ role: "tool", toolCallId: id, content: [textPart("error: the client sent no result for this call")], isError: true });
    }
    state.messages.push(...added);
    state.results = [];
    state.pending = [];
    state.clientCalls = [];
    yield* this.loop(state, undefined);
  }

  private async *loop(state: ExecutionState, firstChoice: ToolChoice | undefined): AsyncGenerator<GenerateEvent> {
    let choice = firstChoice;
    for (;;) {
      const last = state.steps + 1 >= this.deps.maxSteps;
      const step = yield* this.brainStep(state, last ? "none" : choice);
      if (!step) return;
      state.steps++;
      choice = this.request.tools?.length && this.request.toolChoice === "none" ? "none" : undefined;
      if (step.calls.length === 0) {
        yield this.done(step.finishReason, step.stopSequence);
        return;
      }
      state.messages.push({
        role: "assistant",
        content: step.text ? [textPart(step.text)] : [],
        toolCalls: step.calls.map(({ id, name, arguments: args }) => ({ id, name, arguments: args })),
        ...(step.reasoning ? { reasoning: step.reasoning } : {}),
      });
      const results: CallResult[] = [];
      const tasks: Task<CallResult>[] = [];
      const pending: PendingCall[] = [];
      for (const call of step.calls.filter((c) => !c.client)) {
        const agent = this.agentNamed(call.name, state);
        const tool = this.group.tools.find((t) => t.name === call.name);
        const checked = checkArguments(agent ? AGENT_PARAMETERS : (tool ?? { parameters: {} }), call.arguments);
        if (!agent && !tool) results.push({ callId: call.id, name: call.name, content: `error: there is no tool named '${call.name}'`, isError: true });
        else if ("error" in checked) {
          this.log(`refused the arguments of ${call.name}: ${checked.error}`);
          results.push({ callId: call.id, name: call.name, content: checked.error, isError: true });
        } else if (agent) tasks.push(this.askTask(call.id, agent, String(checked.args.task)));
        else if (tool!.approval === "required") pending.push({ id: call.id, name: call.name, arguments: JSON.stringify(checked.args) });
        else tasks.push(this.toolTask(call.id, tool!, checked.args));
      }
      results.push(...(yield* runOrdered(tasks)));
      const clientCalls = step.calls.filter((c) => c.client).map((c) => c.id);
      if (pending.length || clientCalls.length) {
        Object.assign(state, { results, pending, clientCalls });
        const approval = pending.length ? this.pause(state) : undefined;
        for (const call of pending) yield* this.showCall(call);
        yield this.done("tool_calls", undefined, approval);
        return;
      }
      this.appendResults(state, results);
    }
  }

  /** One brain call. Client calls stream as they come; the group's own are held back. */
  private async *brainStep(state: ExecutionState, choice: ToolChoice | undefined): AsyncGenerator<GenerateEvent, Step | undefined> {
    const tools = [...this.serverTools(state), ...state.clientTools];
    const clientNames = new Set(state.clientTools.map((t) => t.name));
    const req: GenerateRequest = {
      ...this.request,
      model: this.group.brain,
      messages: state.messages,
      tools: tools.length ? tools : undefined,
      toolChoice: tools.length ? (choice ?? "auto") : undefined,
      caller: this.modelCaller(),
      resume: undefined,
    };
    const step: Step = { text: "", reasoning: "", calls: [], finishReason: "eos" };
    const shown = new Map<number, number>();
    for await (const ev of this.deps.inner.generate(req, this.signal)) {
      switch (ev.type) {
        case "text":
          step.text += ev.text;
          yield ev;
          break;
        case "reasoning":
          step.reasoning += ev.text;
          yield ev;
          break;
        case "tool_call_start": {
          const client = clientNames.has(ev.name);
          step.calls[ev.index] = { id: client ? ev.id : crypto.randomUUID(), name: ev.name, arguments: "", client };
          if (client) {
            shown.set(ev.index, this.shownCalls++);
            yield { ...ev, index: shown.get(ev.index)! };
          }
          break;
        }
        case "tool_call_delta": {
          const call = step.calls[ev.index];
          if (call) call.arguments += ev.argumentsDelta;
          if (shown.has(ev.index)) yield { ...ev, index: shown.get(ev.index)! };
          break;
        }
        case "tool_call_end":
          if (shown.has(ev.index)) yield { ...ev, index: shown.get(ev.index)! };
          break;
        case "done":
          this.meter.add(this.deps.inner.resolveModel(this.group.brain) ?? this.group.brain, ev.usage, ev.receipt);
          step.finishReason = ev.finishReason;
          step.stopSequence = ev.stopSequence;
          step.calls = step.calls.filter(Boolean);
          return step;
        case "error":
          yield ev;
          return undefined;
        default:
          yield ev;
      }
    }
    return undefined;
  }

  private serverTools(state: ExecutionState): ToolDefinition[] {
    const tools: ToolDefinition[] = this.group.tools.map((t) => ({ name: t.name, description: t.description, parameters: t.parameters }));
    if (state.mode !== "orchestration") return tools;
    return [
      ...tools,
      ...this.group.agents.map((a) => ({
        name: `${AGENT_TOOL_PREFIX}${a.name}`,
        description: `Give a task to the agent '${a.name}' and get its answer.${a.instruction ? ` Its instruction: ${a.instruction.slice(0, 300)}` : ""}`,
        parameters: AGENT_PARAMETERS.parameters,
      })),
    ];
  }

  private agentNamed(name: string, state: ExecutionState): GroupAgent | undefined {
    if (state.mode !== "orchestration" || !name.startsWith(AGENT_TOOL_PREFIX)) return undefined;
    return this.group.agents.find((a) => `${AGENT_TOOL_PREFIX}${a.name}` === name);
  }

  /** An agent's model call; its text streams to the client as reasoning, so progress shows. */
  private agentTask(agent: GroupAgent, messages: ChatMessage[]): Task<{ text: string; error?: string }> {
    return async (emit) => {
      const req: GenerateRequest = { ...this.request, model: agent.model, messages, tools: undefined, toolChoice: undefined, responseFormat: undefined, caller: this.modelCaller(), resume: undefined, returnPrompt: false, topLogprobs: undefined };
      let text = "";
      emit({ type: "reasoning", text: `[agent ${agent.name}] ` });
      for await (const ev of this.deps.inner.generate(req, this.signal)) {
        if (ev.type === "start") emit(ev);
        else if (ev.type === "text") {
          text += ev.text;
          emit({ type: "reasoning", text: ev.text });
        } else if (ev.type === "done") {
          this.meter.add(this.deps.inner.resolveModel(agent.model) ?? agent.model, ev.usage, ev.receipt);
          this.log(`agent ${agent.name} (${agent.model}) answered: ${ev.usage.completionTokens} tokens`);
          break;
        } else if (ev.type === "error") {
          this.log(`agent ${agent.name} (${agent.model}) failed: ${ev.error.message}`);
          emit({ type: "reasoning", text: `(failed: ${ev.error.message})` });
          emit({ type: "reasoning", text: "\n" });
          return { text: `error: the agent failed: ${ev.error.message}`, error: ev.error.message };
        }
      }
      emit({ type: "reasoning", text: "\n" });
      return { text };
    };
  }

  private askTask(callId: string, agent: GroupAgent, task: string): Task<CallResult> {
    const run = this.agentTask(agent, agentTask(agent, task));
    return async (emit) => {
      const answer = await run(emit);
      return { callId, name: `${AGENT_TOOL_PREFIX}${agent.name}`, content: answer.text, isError: answer.error !== undefined };
    };
  }

  private toolTask(callId: string, tool: HttpTool, args: Record<string, unknown>): Task<CallResult> {
    return async (emit) => {
      const started = Date.now();
      const result = await runHttpTool(tool, args, { secrets: this.deps.secrets, fetch: this.deps.fetch, signal: this.signal });
      const outcome = result.status !== undefined ? `HTTP ${result.status}` : "failed";
      // The template, never the filled URL: a secret may sit in it.
      this.log(`tool ${tool.name} ${tool.method} ${tool.url}: ${outcome} in ${Date.now() - started} ms`);
      emit({ type: "reasoning", text: `[tool ${tool.name}: ${outcome}]\n` });
      return { callId, name: tool.name, content: result.content, isError: !result.ok };
    };
  }

  private approvedTask(call: PendingCall): Task<CallResult> {
    const tool = this.group.tools.find((t) => t.name === call.name);
    if (!tool) return async () => ({ callId: call.id, name: call.name, content: `error: the tool '${call.name}' no longer exists`, isError: true });
    return this.toolTask(call.id, tool, JSON.parse(call.arguments));
  }

  /** Tool messages in the order of the calls of the last assistant turn. */
  private appendResults(state: ExecutionState, results: CallResult[]): void {
    const order = state.messages.findLast((m) => m.role === "assistant")?.toolCalls?.map((c) => c.id) ?? [];
    const sorted = [...results].sort((a, b) => order.indexOf(a.callId) - order.indexOf(b.callId));
    for (const r of sorted) state.messages.push({ role: "tool", toolCallId: r.callId, name: r.name, content: [textPart(r.content)], ...(r.isError ? { isError: true } : {}) });
  }

  /** Persists the state; the approval the answer carries. */
  private pause(state: ExecutionState): { approvalId: string; expiresAt: string } {
    const now = Date.now();
    const ttl = this.group.approvalTtlSeconds !== undefined ? this.group.approvalTtlSeconds * 1000 : this.deps.approvalTtlMs;
    const id = crypto.randomUUID();
    this.deps.store.saveApproval({ id, executionId: this.caller.executionId, groupId: this.group.id, tokenId: this.caller.tokenId, state, createdAt: now, expiresAt: now + ttl });
    const expiresAt = new Date(now + ttl).toISOString();
    this.log(`paused for approval ${id}: ${state.pending.map((p) => p.name).join(", ")} (expires ${expiresAt})`);
    return { approvalId: id, expiresAt };
  }

  private *showCall(call: PendingCall): Generator<GenerateEvent> {
    const index = this.shownCalls++;
    yield { type: "tool_call_start", index, id: call.id, name: call.name };
    yield { type: "tool_call_delta", index, argumentsDelta: call.arguments };
    yield { type: "tool_call_end", index };
  }

  private done(finishReason: Step["finishReason"], stopSequence?: string, approval?: { approvalId: string; expiresAt: string }): GenerateEvent {
    this.log(`answered (${this.meter.calls} model calls, ${this.meter.credits} credits${approval ? ", waiting for approval" : ""})`);
    return {
      type: "done",
      finishReason,
      ...(stopSequence !== undefined ? { stopSequence } : {}),
      usage: { ...this.meter.usage },
      receipt: { executionId: this.caller.executionId, requestId: this.caller.requestId, creditsCharged: this.meter.credits, ...(approval ? { approval } : {}) },
    };
  }

  /**
   * The caller of one model call: the request's ids, but an execution id of its own, because the
   * usage ledger keeps one row per execution id (UNIQUE) and a group execution makes several
   * calls. Each call is one row (its model, tokens and credits) under the request's request_id.
   */
  private modelCaller(): RequestCaller {
    return { ...this.caller, executionId: crypto.randomUUID() };
  }

  private log(line: string): void {
    this.deps.log(`group ${this.group.id} execution ${this.caller.executionId}: ${line}`);
  }
}

/** What the brain gives an agent in orchestration: one task. */
const AGENT_PARAMETERS = {
  parameters: {
    type: "object",
    properties: { task: { type: "string", description: "What the agent should do, with everything it needs to know." } },
    required: ["task"],
  },
};
