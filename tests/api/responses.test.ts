// Responses API conversions, apart from serving: request -> GenerateRequest, events -> stream
// events and output items, encrypted reasoning, truncation, replay. Pure.
import { describe, expect, test } from "bun:test";
import { readdirSync, readFileSync } from "node:fs";
import { resolve } from "node:path";
import type { ChatMessage, GenerateEvent } from "../../core/index.ts";
import { ApiError } from "../../api/http/errors.ts";
import { fromResponsesRequest } from "../../api/responses/fromRequest.ts";
import { larkToRegex } from "../../api/responses/lark.ts";
import { ReasoningCipher } from "../../api/responses/reasoningCipher.ts";
import { replayFrames } from "../../api/responses/replay.ts";
import { ResponsesStreamConverter } from "../../api/responses/streamConverter.ts";
import type { ResponseContext } from "../../api/responses/toResponse.ts";
import { dropOldestTurn } from "../../api/responses/truncation.ts";
import type { ResponsesRequest } from "../../schemas/openai-responses.ts";
import { usage } from "../support/scriptedEngine.ts";

/** Loose on purpose: requests carry item and tool fields the schema leaves open. */
type Body = Record<string, unknown>;
const req = (body: Body) => ({ model: "m", ...body }) as unknown as ResponsesRequest;
const plan = (body: Body, history?: ChatMessage[]) =>
  fromResponsesRequest(req("input" in body ? body : { input: "x", ...body }), { history });
const text = (m: ChatMessage) => m.content.map((p) => p.text).join("");

/** The ApiError a conversion throws, for asserting its param. */
function refusal(fn: () => unknown): ApiError {
  try {
    fn();
  } catch (err) {
    if (err instanceof ApiError) return err;
    throw err;
  }
  throw new Error("expected an ApiError");
}

describe("fromResponsesRequest input", () => {
  test("a string input is one user message; instructions come first as system", () => {
    const p = plan({ input: "Hi", instructions: "Be brief." });
    expect(p.request.messages.map((m) => [m.role, text(m)])).toEqual([["system", "Be brief."], ["user", "Hi"]]);
    // Instructions are not part of the conversation that previous_response_id carries over.
    expect(p.conversation.map((m) => m.role)).toEqual(["user"]);
    expect(p.inputItems).toHaveLength(1);
    expect(String(p.inputItems[0]!.id)).toStartWith("msg_");
  });

  test("message items with roles, text parts, with or without id; developer becomes system", () => {
    const p = plan({
      input: [
        { type: "message", role: "developer", content: [{ type: "input_text", text: "dev" }], id: "msg_given" },
        { role: "user", content: "question" },
        { type: "message", role: "assistant", content: [{ type: "output_text", text: "answer" }] },
        { role: "system", content: [{ type: "input_text", text: "a" }, { type: "input_text", text: "b" }] },
      ],
    });
    expect(p.request.messages.map((m) => [m.role, text(m)])).toEqual([
      ["system", "dev"],
      ["user", "question"],
      ["assistant", "answer"],
      ["system", "ab"],
    ]);
    expect(p.inputItems[0]!.id).toBe("msg_given");
    expect(String(p.inputItems[1]!.id)).toStartWith("msg_");
    expect(p.inputItems[1]!.type).toBe("message");
  });

  test("function_call joins the assistant turn before it; function_call_output becomes a tool result", () => {
    const p = plan({
      input: [
        { role: "user", content: "list files" },
        { type: "message", role: "assistant", content: [{ type: "output_text", text: "Let me look." }] },
        { type: "function_call", call_id: "call_1", name: "exec_command", arguments: '{"cmd":"ls"}' },
        { type: "function_call", call_id: "call_2", name: "spawn_agent", namespace: "multi_agent_v1", arguments: "{}" },
        { type: "function_call_output", call_id: "call_1", output: "a.txt" },
        { type: "function_call_output", call_id: "call_2", output: [{ type: "input_text", text: "ok" }] },
      ],
    });
    const [, assistant, result1, result2] = p.request.messages;
    expect(text(assistant!)).toBe("Let me look.");
    expect(assistant!.toolCalls).toEqual([
      { id: "call_1", name: "exec_command", arguments: '{"cmd":"ls"}' },
      { id: "call_2", name: "multi_agent_v1__spawn_agent", arguments: "{}" },
    ]);
    expect(result1).toEqual({ role: "tool", toolCallId: "call_1", content: [{ type: "text", text: "a.txt" }] });
    expect(text(result2!)).toBe("ok");
    expect(String(p.inputItems[2]!.id)).toStartWith("fc_");
    expect(String(p.inputItems[4]!.id)).toStartWith("fco_");
  });

  test("custom_tool_call and its output travel as a one-argument call", () => {
    const p = plan({
      input: [
        { role: "user", content: "patch it" },
        { type: "custom_tool_call", call_id: "call_p", name: "apply_patch", input: "*** Begin Patch\n" },
        { type: "custom_tool_call_output", call_id: "call_p", output: "Done" },
      ],
    });
    expect(p.request.messages[1]!.toolCalls).toEqual([{ id: "call_p", name: "apply_patch", arguments: '{"input":"*** Begin Patch\\n"}' }]);
    expect(p.request.messages[2]).toMatchObject({ role: "tool", toolCallId: "call_p" });
  });

  test("our own encrypted reasoning is restored onto the next assistant turn; a foreign blob is ignored", () => {
    const cipher = new ReasoningCipher(ReasoningCipher.newKey());
    const input = [
      { role: "user", content: "q1" },
      { type: "reasoning", id: "rs_1", summary: [], encrypted_content: cipher.seal("I should call ls.") },
      { type: "function_call", call_id: "call_1", name: "ls", arguments: "{}" },
      { type: "function_call_output", call_id: "call_1", output: "x" },
      { type: "reasoning", id: "rs_2", summary: [{ type: "summary_text", text: "Thinking about it." }], encrypted_content: "opaque-capture-blob-1" },
      { type: "message", role: "assistant", content: "done" },
    ];
    const p = fromResponsesRequest(req({ input }), { restoreReasoning: (blob) => cipher.open(blob) });
    expect(p.request.messages[1]!.reasoning).toBe("I should call ls.");
    expect(p.request.messages[3]!.reasoning).toBeUndefined();
  });

  test("previous_response_id history comes before the new input", () => {
    const history: ChatMessage[] = [
      { role: "user", content: [{ type: "text", text: "old" }] },
      { role: "assistant", content: [{ type: "text", text: "reply" }] },
    ];
    const p = plan({ input: "new", instructions: "sys" }, history);
    expect(p.request.messages.map(text)).toEqual(["sys", "old", "reply", "new"]);
    expect(p.conversation.map(text)).toEqual(["old", "reply", "new"]);
  });

  test("refusals name the field: images, unknown item types, missing call_id, bad role", () => {
    expect(refusal(() => plan({ input: [{ role: "user", content: [{ type: "input_file" }] }] })).param).toBe("input[0].content[0].type");
    expect(refusal(() => plan({ input: [{ role: "user", content: [{ type: "input_image", file_id: "x" }] }] })).param).toBe("input[0].content[0].file_id");
    expect(refusal(() => plan({ input: [{ role: "user", content: [{ type: "input_image", image_url: "data:image/png;base64,AA", detail: "max" }] }] })).param).toBe(
      "input[0].content[0].detail",
    );
    expect(refusal(() => plan({ input: [{ type: "item_reference", id: "x" }] })).param).toBe("input[0].type");
    expect(refusal(() => plan({ input: [{ type: "function_call_output", output: "x" }] })).param).toBe("input[0].call_id");
    expect(refusal(() => plan({ input: [{ role: "tool", content: "x" }] })).param).toBe("input[0].role");
    expect(refusal(() => plan({ input: undefined })).param).toBe("input");
  });

  test("every request Codex sends converts", () => {
    const root = resolve(import.meta.dir, "../../../shared/fixtures/clients/codex");
    let count = 0;
    for (const dir of readdirSync(root))
      for (const file of readdirSync(resolve(root, dir))) {
        const body = JSON.parse(readFileSync(resolve(root, dir, file), "utf8")).body;
        const p = fromResponsesRequest(body);
        expect(p.request.messages.length).toBeGreaterThan(0);
        expect(p.request.messages[0]!.role).toBe("system");
        // Compaction requests carry no tools; every other one has web_search, which is left out.
        if (body.tools.length) expect(p.toolPlan.ignored).toContain("web_search");
        expect(p.request.tools!.length).toBe(body.tools.filter((t: { type: string }) => t.type === "function").length + nestedCount(body.tools) + customCount(body.tools));
        count++;
      }
    expect(count).toBe(12);
  });
});

const nestedCount = (tools: { type: string; tools?: unknown[] }[]) => tools.filter((t) => t.type === "namespace").reduce((n, t) => n + t.tools!.length, 0);
const customCount = (tools: { type: string }[]) => tools.filter((t) => t.type === "custom").length;

describe("fromResponsesRequest tools", () => {
  test("flat and nested function tools; strict false relaxes the schema", () => {
    const p = plan({
      tools: [
        { type: "function", name: "a", description: "A", parameters: { type: "object" }, strict: false },
        { type: "function", function: { name: "b", parameters: { type: "object" }, strict: true } },
      ],
    });
    expect(p.request.tools!.map((t) => [t.name, t.relaxSchema])).toEqual([["a", true], ["b", false]]);
    expect(p.request.toolChoice).toBe("auto");
  });

  test("namespace tools are offered under qualified names and bound back", () => {
    const p = plan({
      tools: [{ type: "namespace", name: "crm", description: "CRM tools", tools: [{ type: "function", name: "lookup", description: "Find a customer" }] }],
    });
    expect(p.request.tools![0]!.name).toBe("crm__lookup");
    expect(p.request.tools![0]!.description).toContain("CRM tools");
    expect(p.toolPlan.bindings.get("crm__lookup")).toEqual({ kind: "function", name: "lookup", namespace: "crm" });
  });

  test("a custom tool takes its freeform text as one string; regex and regular Lark grammars become its pattern", () => {
    const p = plan({
      tools: [
        { type: "custom", name: "free" },
        { type: "custom", name: "digits", format: { type: "grammar", syntax: "regex", definition: "[0-9]+" } },
        { type: "custom", name: "greeting", format: { type: "grammar", syntax: "lark", definition: 'start: "hi " NAME\nNAME: /[a-z]+/' } },
        { type: "custom", name: "nested", format: { type: "grammar", syntax: "lark", definition: 'start: "(" start ")" | "x"' } },
      ],
    });
    const [free, digits, greeting, nested] = p.request.tools!;
    const pattern = (t: typeof free) => (t!.parameters as any).properties.input.pattern;
    expect(free!.parameters).toEqual({ type: "object", properties: { input: { type: "string" } }, required: ["input"], additionalProperties: false });
    expect(pattern(digits)).toBe("^(?:[0-9]+)$");
    expect(pattern(greeting)).toBe("^(?:hi (?:[a-z]+))$");
    // Recursion is not regular: described to the model, not enforced, and said so.
    expect(pattern(nested)).toBeUndefined();
    expect(nested!.description).toContain('start: "(" start ")"');
    expect(p.toolPlan.warnings).toEqual([expect.stringContaining("'nested': its lark grammar is not enforced ('start' is recursive)")]);
    expect(p.toolPlan.bindings.get("greeting")!.kind).toBe("custom");
  });

  test("Codex's apply_patch Lark grammar is enforced: valid patches match, others do not", () => {
    const body = JSON.parse(readFileSync(resolve(import.meta.dir, "../../../shared/fixtures/clients/codex/known-model/001-POST-v1_responses.json"), "utf8")).body;
    const p = fromResponsesRequest(body);
    expect(p.toolPlan.warnings).toEqual([]);
    const re = new RegExp((p.request.tools!.find((t) => t.name === "apply_patch")!.parameters as any).properties.input.pattern);
    expect(re.test("*** Begin Patch\n*** Add File: a.txt\n+hello\n*** Update File: b.txt\n@@ def f\n-x\n+y\n ctx\n*** End Patch\n")).toBe(true);
    expect(re.test("*** Begin Patch\n*** Delete File: c.txt\n*** End Patch")).toBe(true);
    expect(re.test("*** Begin Patch\n*** End Patch\n")).toBe(false);
    expect(re.test("--- a.txt\n+++ a.txt\n")).toBe(false);
  });

  test("tools the server cannot run are left out and named, never refused", () => {
    const p = plan({ tools: [{ type: "web_search" }, { type: "tool_search", execution: "client" }, { type: "function", name: "f" }] });
    expect(p.request.tools!.map((t) => t.name)).toEqual(["f"]);
    expect(p.toolPlan.ignored).toEqual(["web_search", "tool_search"]);
    // Only unrunnable tools: nothing to call.
    expect(plan({ tools: [{ type: "web_search" }] }).request.toolChoice).toBe("none");
  });

  test("tool_choice: named function or custom tool, required, and refusals", () => {
    const tools = [{ type: "function", name: "f" }, { type: "custom", name: "c" }];
    expect(plan({ tools, tool_choice: { type: "function", name: "f" } }).request.toolChoice).toEqual({ name: "f" });
    expect(plan({ tools, tool_choice: { type: "custom", name: "c" } }).request.toolChoice).toEqual({ name: "c" });
    expect(plan({ tools, tool_choice: "required" }).request.toolChoice).toBe("required");
    expect(refusal(() => plan({ tool_choice: "required" })).param).toBe("tool_choice");
    expect(refusal(() => plan({ tools, tool_choice: { type: "function", name: "g" } })).param).toBe("tool_choice.name");
    expect(refusal(() => plan({ tools, tool_choice: { type: "allowed_tools" } })).param).toBe("tool_choice.type");
    expect(refusal(() => plan({ tools: [{ type: "function", name: "f" }, { type: "function", name: "f" }] })).param).toBe("tools[1].name");
  });
});

describe("fromResponsesRequest options", () => {
  test("text.format, max_output_tokens, reasoning, sampling, include", () => {
    const schema = { type: "object", properties: { a: { type: "string" } } };
    const p = plan({
      input: "x",
      text: { format: { type: "json_schema", name: "out", schema, strict: true }, verbosity: "low" },
      max_output_tokens: 33,
      reasoning: { effort: "xhigh", summary: "auto" },
      temperature: 0.1,
      top_k: 5,
      include: ["reasoning.encrypted_content", "message.output_text.logprobs"],
      top_logprobs: 2,
    });
    expect(p.request.responseFormat).toEqual({ type: "json_schema", name: "out", schema, strict: true });
    expect(p.request.maxTokens).toBe(33);
    expect(p.request.reasoning).toEqual({ enabled: true, effort: "high" });
    expect(p.request.sampling).toMatchObject({ temperature: 0.1, topK: 5 });
    expect(p.request.topLogprobs).toBe(2);
    expect(p.request.toolCallIdPrefix).toBe("fc_");
    expect(p.wants).toEqual({ encryptedReasoning: true, reasoningSummary: true, logprobs: true });
    expect(plan({ input: "x", text: { format: { type: "json_object" } } }).request.responseFormat).toEqual({ type: "json_object" });
    expect(plan({ input: "x", reasoning: { effort: "none" } }).request.reasoning!.enabled).toBe(false);
  });

  test("fields that cannot be honoured are refused by name", () => {
    expect(refusal(() => plan({ input: "x", background: true })).param).toBe("background");
    expect(refusal(() => plan({ input: "x", max_tool_calls: 2 })).param).toBe("max_tool_calls");
    expect(refusal(() => plan({ input: "x", conversation: "conv_1" })).param).toBe("conversation");
    expect(refusal(() => plan({ input: "x", text: { format: { type: "json_schema" } } })).param).toBe("text.format.schema");
  });
});

describe("larkToRegex", () => {
  test("literals, ranges, optional and repeated groups, aliases, ~ counts and common imports", () => {
    const grammar = [
      "start: greeting+ [\"!\"] WS_INLINE? code -> all",
      "greeting: (\"hi\" | \"yo\") \".\"",
      "code: LETTER~2 DIGIT~1..3",
      "LETTER: \"a\"..\"z\"",
      "%import common.DIGIT",
      "%import common (WS_INLINE)",
    ].join("\n");
    const result = larkToRegex(grammar);
    if (!("regex" in result)) throw new Error(result.error);
    const re = new RegExp(`^(?:${result.regex})$`);
    for (const ok of ["hi.ab1", "hi.yo.! zz123"]) expect(re.test(ok)).toBe(true);
    for (const bad of ["hi.a1", "ab1", "hi.ab1234", "hi!ab1"]) expect(re.test(bad)).toBe(false);
  });

  test("what is not regular, or not plain text, is named", () => {
    expect(larkToRegex('start: "(" start ")" | "x"')).toEqual({ error: "'start' is recursive" });
    expect(larkToRegex('start: "a"\n%ignore " "')).toEqual({ error: "%ignore" });
    expect(larkToRegex('start: "a"i')).toEqual({ error: 'case-insensitive literal "a"i' });
    expect(larkToRegex("start: other")).toEqual({ error: "'other' is used but not defined" });
    expect(larkToRegex('item: "a"')).toEqual({ error: "no 'start' rule" });
  });
});

describe("ReasoningCipher", () => {
  test("seals and opens; another key, a tampered blob or a foreign string give undefined", () => {
    const cipher = new ReasoningCipher(ReasoningCipher.newKey());
    const blob = cipher.seal("thinking é");
    expect(blob).not.toContain("thinking");
    expect(cipher.open(blob)).toBe("thinking é");
    expect(new ReasoningCipher(ReasoningCipher.newKey()).open(blob)).toBeUndefined();
    expect(cipher.open(blob.slice(0, -2) + (blob.endsWith("A") ? "BB" : "AA"))).toBeUndefined();
    expect(cipher.open("gAAAAABopaque")).toBeUndefined();
  });
});

const context = (body: Body = {}, wants: Partial<ResponseContext["wants"]> = {}): ResponseContext => {
  const p = plan({ input: "x", ...body });
  return {
    id: "resp_1",
    createdAt: 1700000000,
    body: req({ input: "x", ...body }),
    toolPlan: p.toolPlan,
    wants: { encryptedReasoning: false, reasoningSummary: false, logprobs: false, ...wants },
    cipher: new ReasoningCipher(ReasoningCipher.newKey()),
  };
};

function run(ctx: ResponseContext, events: GenerateEvent[]) {
  const converter = new ResponsesStreamConverter(ctx);
  const frames = events.flatMap((e) => converter.process(e));
  const parsed = frames.map((f) => ("data" in f ? { event: f.event, ...JSON.parse(f.data) } : f));
  return { converter, events: parsed as Record<string, any>[] };
}

const START: GenerateEvent = { type: "start", promptTokens: 5 };
const DONE = (finishReason: "eos" | "max_tokens" | "tool_calls" = "eos"): GenerateEvent => ({ type: "done", finishReason, usage });

describe("ResponsesStreamConverter", () => {
  test("reasoning, text and a function call in OpenAI's order, sequence numbers from 0, event lines matching the type", () => {
    const ctx = context({ tools: [{ type: "function", name: "ls" }] }, { encryptedReasoning: true, reasoningSummary: true });
    const { events, converter } = run(ctx, [
      START,
      { type: "reasoning", text: "hmm" },
      { type: "text", text: "Hel" },
      { type: "text", text: "lo" },
      { type: "tool_call_start", index: 0, id: "fc_abc", name: "ls" },
      { type: "tool_call_delta", index: 0, argumentsDelta: '{"a":' },
      { type: "tool_call_delta", index: 0, argumentsDelta: "1}" },
      { type: "tool_call_end", index: 0 },
      DONE("tool_calls"),
    ]);
    expect(events.map((e) => e.type)).toEqual([
      "response.created",
      "response.in_progress",
      "response.output_item.added",
      "response.content_part.added",
      "response.reasoning_summary_part.added",
      "response.reasoning_text.delta",
      "response.reasoning_summary_text.delta",
      "response.reasoning_text.done",
      "response.content_part.done",
      "response.reasoning_summary_text.done",
      "response.reasoning_summary_part.done",
      "response.output_item.done",
      "response.output_item.added",
      "response.content_part.added",
      "response.output_text.delta",
      "response.output_text.delta",
      "response.output_text.done",
      "response.content_part.done",
      "response.output_item.done",
      "response.output_item.added",
      "response.function_call_arguments.delta",
      "response.function_call_arguments.delta",
      "response.function_call_arguments.done",
      "response.output_item.done",
      "response.completed",
    ]);
    expect(events.map((e) => e.sequence_number)).toEqual(events.map((_, i) => i));
    for (const e of events) expect(e.event).toBe(e.type);
    const final = events.at(-1)!.response;
    expect(final.status).toBe("completed");
    expect(final.usage).toEqual({ input_tokens: 5, input_tokens_details: { cached_tokens: 0 }, output_tokens: 2, output_tokens_details: { reasoning_tokens: 0 }, total_tokens: 7 });
    const [reasoning, message, call] = final.output;
    expect(reasoning.summary).toEqual([{ type: "summary_text", text: "hmm" }]);
    expect(ctx.cipher!.open(reasoning.encrypted_content)).toBe("hmm");
    expect(message.content[0].text).toBe("Hello");
    expect(call).toEqual({ id: "fc_abc", type: "function_call", status: "completed", call_id: "call_abc", name: "ls", arguments: '{"a":1}' });
    // Every delta points at the item it belongs to.
    expect(events.filter((e) => e.type === "response.output_text.delta").every((e) => e.item_id === message.id && e.output_index === 1)).toBe(true);
    expect(converter.assistantMessage()).toEqual({
      role: "assistant",
      content: [{ type: "text", text: "Hello" }],
      reasoning: "hmm",
      toolCalls: [{ id: "call_abc", name: "ls", arguments: '{"a":1}' }],
    });
  });

  test("a namespaced call comes back under its own name and namespace; a custom call as custom_tool_call input", () => {
    const ctx = context({
      tools: [
        { type: "namespace", name: "crm", tools: [{ type: "function", name: "lookup" }] },
        { type: "custom", name: "apply_patch" },
      ],
    });
    const { events } = run(ctx, [
      START,
      { type: "tool_call_start", index: 0, id: "fc_1", name: "crm__lookup" },
      { type: "tool_call_delta", index: 0, argumentsDelta: "{}" },
      { type: "tool_call_end", index: 0 },
      { type: "tool_call_start", index: 1, id: "fc_2", name: "apply_patch" },
      { type: "tool_call_delta", index: 1, argumentsDelta: '{"input": "*** Begin' },
      { type: "tool_call_delta", index: 1, argumentsDelta: ' Patch\\n"}' },
      { type: "tool_call_end", index: 1 },
      DONE("tool_calls"),
    ]);
    const output = events.at(-1)!.response.output;
    expect(output[0]).toMatchObject({ type: "function_call", name: "lookup", namespace: "crm", call_id: "call_1" });
    expect(output[1]).toEqual({ id: "ctc_2", type: "custom_tool_call", status: "completed", call_id: "call_2", name: "apply_patch", input: "*** Begin Patch\n" });
    const custom = events.filter((e) => e.item_id === "ctc_2").map((e) => e.type);
    expect(custom).toEqual(["response.custom_tool_call_input.delta", "response.custom_tool_call_input.done"]);
    expect(events.find((e) => e.type === "response.custom_tool_call_input.done")!.input).toBe("*** Begin Patch\n");
  });

  test("the token limit ends as incomplete with its reason; an empty answer still has one message item", () => {
    const cut = run(context(), [START, { type: "text", text: "a" }, DONE("max_tokens")]).events.at(-1)!;
    expect(cut.type).toBe("response.incomplete");
    expect(cut.response.status).toBe("incomplete");
    expect(cut.response.incomplete_details).toEqual({ reason: "max_output_tokens" });
    const empty = run(context(), [START, DONE("eos")]).events;
    expect(empty.filter((e) => e.type === "response.output_item.done")).toHaveLength(1);
    expect(empty.at(-1)!.response.output[0].content[0].text).toBe("");
  });

  test("an error mid-stream closes the open item, then error and response.failed", () => {
    const { events, converter } = run(context(), [
      START,
      { type: "text", text: "a" },
      { type: "error", error: { kind: "internal", code: "runner_crashed", message: "The model's runner crashed." } },
    ]);
    expect(events.slice(-3).map((e) => e.type)).toEqual(["response.output_item.done", "error", "response.failed"]);
    expect(events.at(-2)).toMatchObject({ code: "runner_crashed", message: "The model's runner crashed." });
    expect(events.at(-1)!.response.error).toEqual({ code: "runner_crashed", message: "The model's runner crashed." });
    expect(converter.finished).toBe(true);
  });

  test("replaying a stored response gives the same event types as the live stream", () => {
    const ctx = context({ tools: [{ type: "function", name: "ls" }] });
    const script: GenerateEvent[] = [
      START,
      { type: "reasoning", text: "r" },
      { type: "text", text: "Hi" },
      { type: "tool_call_start", index: 0, id: "fc_9", name: "ls" },
      { type: "tool_call_delta", index: 0, argumentsDelta: "{}" },
      { type: "tool_call_end", index: 0 },
      DONE("tool_calls"),
    ];
    const live = run(ctx, script).events;
    const replayed = replayFrames(live.at(-1)!.response).map((f) => JSON.parse((f as { data: string }).data));
    expect(replayed.map((e) => e.type)).toEqual(live.map((e) => e.type));
    expect(replayed.at(-1).response).toEqual(live.at(-1)!.response);
    expect(replayFrames(live.at(-1)!.response, 15).map((f) => JSON.parse((f as { data: string }).data).sequence_number)).toEqual([16, 17, 18]);
  });
});

describe("truncation", () => {
  const m = (role: ChatMessage["role"], t: string, extra: Partial<ChatMessage> = {}): ChatMessage => ({ role, content: [{ type: "text", text: t }], ...extra });

  test("drops the oldest turn but keeps system messages, and a call leaves with its results", () => {
    const messages = [
      m("system", "sys"),
      m("assistant", "", { toolCalls: [{ id: "c1", name: "f", arguments: "{}" }] }),
      m("tool", "r1", { toolCallId: "c1" }),
      m("user", "u2"),
    ];
    expect(dropOldestTurn(messages)!.map(text)).toEqual(["sys", "u2"]);
    expect(dropOldestTurn([m("system", "sys"), m("user", "last")])).toBeUndefined();
  });
});
