// The GBNF text produced for small schemas: shape, naming, escaping, llama.cpp's limits.
import { describe, expect, test } from "bun:test";
import { JSON_OBJECT_GRAMMAR, jsonSchemaToGrammar } from "../../../chat/grammar/index.ts";

const rules = (grammar: string) =>
  Object.fromEntries(grammar.trim().split("\n").map((line) => line.split(" ::= ") as [string, string]));

describe("jsonSchemaToGrammar text", () => {
  test("a plain string schema uses the shared string rule", () => {
    expect(jsonSchemaToGrammar({ type: "string" })).toBe(
      [
        "root ::= string",
        'char ::= [^"\\\\\\x00-\\x1F] | "\\\\" (["\\\\/bfnrt] | "u" [0-9a-fA-F]{4})',
        'string ::= "\\"" char* "\\""',
        "",
      ].join("\n"),
    );
  });

  test("an object with one required property, no others allowed", () => {
    const grammar = jsonSchemaToGrammar({
      type: "object",
      properties: { a: { type: "integer" } },
      required: ["a"],
      additionalProperties: false,
    });
    expect(rules(grammar)).toEqual({
      root: '"{" space root-a-kv "}"',
      space: '("\\n" [ \\t]{0,20} | " ")?',
      integer: '"-"? ("0" | [1-9] [0-9]{0,15})',
      "root-a-kv": '"\\"a\\"" space ":" space integer space',
    });
  });

  test("optional properties keep their declared order", () => {
    const grammar = jsonSchemaToGrammar(
      { type: "object", properties: { a: { type: "boolean" }, b: { type: "null" }, c: { type: "boolean" } }, required: ["b"] },
      { strict: true },
    );
    const r = rules(grammar);
    // Starts: a then b (required) then maybe c; or b then maybe c. Shared tails are named.
    expect(r.root).toBe('"{" space (root-a-kv root-after-a | root-b-kv root-after-b) "}"');
    expect(r["root-after-a"]).toBe('"," space root-b-kv root-after-b');
    expect(r["root-after-b"]).toBe('("," space root-c-kv)?');
  });

  test("whitespace between tokens is bounded", () => {
    expect(rules(JSON_OBJECT_GRAMMAR).space).toBe('("\\n" [ \\t]{0,20} | " ")?');
  });

  test("enum values become JSON literals", () => {
    expect(rules(jsonSchemaToGrammar({ enum: ["a\"b", 1, null, { x: [true] }] })).root).toBe(
      '("\\"a\\\\\\"b\\"" | "1" | "null" | "{\\"x\\":[true]}")',
    );
  });

  test("enum values are filtered by type", () => {
    expect(rules(jsonSchemaToGrammar({ type: "integer", enum: [1, 1.5, "2"] })).root).toBe('"1"');
  });

  test("enum values outside the schema's own limits are dropped", () => {
    expect(rules(jsonSchemaToGrammar({ type: "string", enum: ["a", "abcd", "b1"], maxLength: 3, pattern: "^[a-z]+$" })).root).toBe('"\\"a\\""');
    expect(rules(jsonSchemaToGrammar({ enum: [1, 5, 10], minimum: 2, exclusiveMaximum: 10 })).root).toBe('"5"');
  });

  test("non-ASCII and control characters in literals", () => {
    expect(rules(jsonSchemaToGrammar({ const: "é\n\u0001" })).root).toBe('"\\"é\\\\n\\\\u0001\\""');
  });

  test("rule names are sanitised property names", () => {
    const grammar = jsonSchemaToGrammar({ type: "object", properties: { "My Prop!": { type: "string" } }, additionalProperties: false });
    expect(Object.keys(rules(grammar))).toContain("root-my-prop-kv");
  });

  test("a recursive $ref is one named rule that refers to itself", () => {
    const grammar = jsonSchemaToGrammar({
      $defs: { list: { type: "object", properties: { next: { $ref: "#/$defs/list" } }, additionalProperties: false } },
      $ref: "#/$defs/list",
    });
    const r = rules(grammar);
    expect(r.root).toBe("list");
    expect(r["list-next-kv"]).toBe('"\\"next\\"" space ":" space list space');
  });

  test("repetition counts above llama.cpp's 2000 are split into blocks", () => {
    const r = rules(jsonSchemaToGrammar({ type: "string", minLength: 2500, maxLength: 5000 }));
    expect(r.root).toBe('"\\"" char-x1000{2} char{500} char-x1000{0,2} char{0,500} "\\""');
    expect(r["char-x1000"]).toBe("char{1000}");
  });

  test("integer ranges are digit patterns", () => {
    expect(rules(jsonSchemaToGrammar({ type: "integer", minimum: 0, maximum: 120 })).root).toBe(
      '([0-9] | [1-9] [0-9] | "1" ([0-1] [0-9] | "20"))',
    );
  });

  test("patterns compile over JSON-escaped characters", () => {
    expect(rules(jsonSchemaToGrammar({ type: "string", pattern: '^a"\\\\[0-9]+$' })).root).toBe('"\\"" "a\\\\\\"\\\\\\\\" [0-9]+ "\\""');
  });
});
