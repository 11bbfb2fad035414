// ToolDefinition.relaxSchema: a tool schema the grammar cannot enforce exactly is relaxed to its
// plain type where it fails (Anthropic's non-strict tools), never refused; other tools still are.
import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { toolCallGrammar } from "../../../chat/grammar/toolCalls.ts";
import { plainType } from "../../../chat/grammar/relax.ts";
import { UnsupportedSchemaError } from "../../../chat/grammar/index.ts";
import { FAMILIES } from "../../../chat/families/registry.ts";
import type { ToolDefinition } from "../../../core/index.ts";
import { Gbnf } from "./gbnf-match.ts";

// Claude Code's SendMessage and WebFetch tools, as captured.
const sendMessage = {
  $schema: "https://json-schema.org/draft/2020-12/schema",
  type: "object",
  properties: {
    to: { type: "string", allOf: [{ pattern: "^[^\\n\\r]*$" }, { pattern: "^[\\s\\S]{0,300}$" }] },
    summary: { type: "string", maxLength: 4 },
  },
  required: ["to"],
  additionalProperties: false,
};
const webFetch = {
  type: "object",
  properties: { url: { type: "string", format: "uri" }, offset: { type: "integer", minimum: 0, maximum: 9 } },
  required: ["url"],
  additionalProperties: false,
};

const grammar = (tools: ToolDefinition[], family: "hermes" | "qwen3-coder" = "hermes") =>
  toolCallGrammar({ family, tools, parallel: false, thinking: "none", thinkingBudget: 0 });
const hermesCall = (name: string, args: unknown) => `<tool_call>\n{"name": "${name}", "arguments": ${JSON.stringify(args)}}\n</tool_call>`;

describe("relaxSchema", () => {
  test("without it, an unenforceable keyword is refused with its pointer", () => {
    expect(() => grammar([{ name: "SendMessage", parameters: sendMessage }])).toThrow(UnsupportedSchemaError);
    expect(() => grammar([{ name: "WebFetch", parameters: webFetch }])).toThrow(/format "uri"/);
  });

  test("with it, only the failing sub-schema becomes its plain type; the rest stays enforced", () => {
    const g = new Gbnf(
      grammar([
        { name: "SendMessage", parameters: sendMessage, relaxSchema: true },
        { name: "WebFetch", parameters: webFetch, relaxSchema: true },
      ]),
    );
    // The relaxed strings take any text (a newline too, which the allOf forbade).
    expect(g.accepts(hermesCall("SendMessage", { to: "main\nagent" }))).toBe(true);
    expect(g.accepts(hermesCall("WebFetch", { url: "not a uri" }))).toBe(true);
    // What the grammar can enforce still is: maxLength, bounds, required, no extra keys.
    expect(g.accepts(hermesCall("SendMessage", { to: "a", summary: "toolong" }))).toBe(false);
    expect(g.accepts(hermesCall("WebFetch", { url: "x", offset: 10 }))).toBe(false);
    expect(g.accepts(hermesCall("WebFetch", { offset: 1 }))).toBe(false);
    expect(g.accepts(hermesCall("WebFetch", { url: "x", extra: 1 }))).toBe(false);
    expect(g.accepts(hermesCall("SendMessage", { to: 5 }))).toBe(false);
  });

  test("a strict tool next to relaxed ones is still refused", () => {
    const tools = [
      { name: "WebFetch", parameters: webFetch, relaxSchema: true },
      { name: "Strict", parameters: { type: "object", properties: { n: { type: "integer", multipleOf: 2 } } } },
    ];
    expect(() => grammar(tools)).toThrow(/multipleOf/);
  });

  test("an unenforceable object keyword relaxes the object to any object", () => {
    const parameters = {
      type: "object",
      properties: { o: { type: "object", properties: { a: { type: "string" } }, patternProperties: { "^x": {} }, minProperties: 2 } },
      required: ["o"],
    };
    const g = new Gbnf(grammar([{ name: "f", parameters, relaxSchema: true }]));
    expect(g.accepts(hermesCall("f", { o: { anything: [1, 2], else: null } }))).toBe(true);
    expect(g.accepts(hermesCall("f", { o: "text" }))).toBe(false);
  });

  test("schemas inside a tool's own $defs relax too", () => {
    const parameters = { $defs: { link: { type: "string", format: "uri" } }, type: "object", properties: { u: { $ref: "#/$defs/link" } }, required: ["u"] };
    const g = new Gbnf(grammar([{ name: "f", parameters, relaxSchema: true }]));
    expect(g.accepts(hermesCall("f", { u: "anything" }))).toBe(true);
    expect(g.accepts(hermesCall("f", { u: 1 }))).toBe(false);
  });

  // Qwen3-Coder's format walks parameter schemas itself: relaxation must find them there too.
  for (const family of FAMILIES.filter((f) => f.toolCalls).map((f) => f.name)) {
    test(`${family}: every tool Claude Code sends builds`, () => {
      const capture = resolve(import.meta.dir, "../../../../shared/fixtures/clients/claude-code/no-betas/001-POST-v1_messages.json");
      const body = JSON.parse(readFileSync(capture, "utf8")).body;
      const tools = body.tools.map((t: any) => ({ name: t.name, description: t.description, parameters: t.input_schema, relaxSchema: true }));
      expect(toolCallGrammar({ family, tools, parallel: true, thinking: "allowed", thinkingBudget: 64 })).toStartWith("root ::=");
    });
  }

  test("qwen3-coder: a parameter its XML format walks into relaxes too", () => {
    const parameters = { type: "object", properties: { n: { type: "integer", multipleOf: 3 } }, required: ["n"] };
    const xml = (n: string) => `<tool_call>\n<function=f>\n<parameter=n>\n${n}\n</parameter>\n</function>\n</tool_call>`;
    expect(() => grammar([{ name: "f", parameters }], "qwen3-coder")).toThrow(/multipleOf/);
    const g = new Gbnf(grammar([{ name: "f", parameters, relaxSchema: true }], "qwen3-coder"));
    expect(g.accepts(xml("4"))).toBe(true);
    expect(g.accepts(xml("four"))).toBe(false);
  });

  test("plainType keeps the type only", () => {
    expect(plainType({ type: "string", format: "uri", description: "x" })).toEqual({ type: "string" });
    expect(plainType({ type: ["string", "null"], pattern: "(?=x)" })).toEqual({ type: ["string", "null"] });
    expect(plainType({ allOf: [{ type: "integer", multipleOf: 2 }] })).toEqual({ type: "integer" });
    expect(plainType({ properties: {}, propertyNames: { pattern: "a" } })).toEqual({ type: "object", additionalProperties: true });
    expect(plainType({ not: {} })).toBe(true);
    expect(plainType(false)).toBe(true);
  });
});
