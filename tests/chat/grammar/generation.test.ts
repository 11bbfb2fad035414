// The real proof: llama.cpp parses every grammar and the model, sampling at temperature 1
// under it, writes JSON that validates against the schema. Needs libllama and libshim (make
// setup) and ../shared/models/stories260K.gguf.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { JSON_OBJECT_GRAMMAR, jsonSchemaToGrammar } from "../../../chat/grammar/index.ts";
import { Gbnf } from "./gbnf-match.ts";
import { GrammarGenerator } from "./generate.ts";
import { validate } from "./validate.ts";

const SEEDS = [1, 2, 3, 4, 5];
let generator: GrammarGenerator;

beforeAll(() => {
  generator = new GrammarGenerator();
});
afterAll(() => generator.close());

/** Every seed must finish within the token budget with a valid document. */
function expectValidOutputs(schema: unknown, options = {}, maxTokens = 1500): unknown[] {
  const grammar = jsonSchemaToGrammar(schema, options);
  const recognizer = new Gbnf(grammar);
  return SEEDS.map((seed) => {
    const { text, complete } = generator.generate(grammar, seed, maxTokens);
    expect({ seed, complete, text }).toEqual({ seed, complete: true, text });
    const value = JSON.parse(text);
    expect({ seed, text, errors: validate(value, schema as object) }).toEqual({ seed, text, errors: [] });
    expect(recognizer.accepts(text)).toBe(true);
    return value;
  });
}

describe("grammar-constrained generation (stories260K)", () => {
  test("a grammar llama.cpp cannot parse is reported, so passing tests mean it parsed", () => {
    expect(() => generator.generate("root ::= missing-rule", 1, 5)).toThrow(/grammar/);
  });

  test("nested objects with required and optional properties", () => {
    const values = expectValidOutputs({
      type: "object",
      properties: {
        name: { type: "string", maxLength: 12 },
        age: { type: "integer", minimum: 0, maximum: 150 },
        address: {
          type: "object",
          properties: { city: { type: "string", minLength: 1, maxLength: 10 }, zip: { type: "string", pattern: "^[0-9]{5}$" } },
          required: ["city"],
          additionalProperties: false,
        },
        nickname: { type: "string", maxLength: 8 },
      },
      required: ["name", "address"],
      additionalProperties: false,
    });
    for (const v of values as Record<string, unknown>[]) expect(Object.keys(v).slice(0, 1)).toEqual(["name"]);
  });

  test("arrays with minItems and maxItems", () => {
    const values = expectValidOutputs({ type: "array", items: { type: "integer", minimum: -5, maximum: 5 }, minItems: 2, maxItems: 4 });
    for (const v of values as unknown[][]) expect(v.length).toBeGreaterThanOrEqual(2);
  });

  test("enums and const", () => {
    expectValidOutputs({
      type: "object",
      properties: {
        color: { enum: ["red", "green", "blue"] },
        version: { const: 2 },
        mode: { type: "string", enum: ["fast", "slow", 3] },
        flags: { type: "array", items: { enum: [true, null, "x"] }, maxItems: 3 },
      },
      required: ["color", "version", "mode", "flags"],
      additionalProperties: false,
    });
  });

  test("anyOf alternatives", () => {
    expectValidOutputs({
      type: "array",
      items: { anyOf: [{ type: "integer" }, { type: "null" }, { type: "boolean" }, { type: "string", maxLength: 4 }] },
      maxItems: 6,
    });
  });

  test("oneOf with disjoint branches and allOf merging", () => {
    expectValidOutputs({
      type: "object",
      properties: {
        shape: {
          oneOf: [
            { type: "object", properties: { kind: { const: "circle" }, r: { type: "number", minimum: 0, maximum: 10 } }, required: ["kind", "r"], additionalProperties: false },
            { type: "object", properties: { kind: { const: "square" }, side: { type: "integer", minimum: 1, maximum: 9 } }, required: ["kind", "side"], additionalProperties: false },
          ],
        },
        tagged: { allOf: [{ type: "object", properties: { id: { type: "integer", minimum: 0, maximum: 999 } }, required: ["id"] }, { properties: { ok: { type: "boolean" } }, required: ["ok"] }] },
      },
      required: ["shape", "tagged"],
    }, { strict: true });
  });

  test("$ref recursion: a tree", () => {
    const values = expectValidOutputs({
      $defs: {
        node: {
          type: "object",
          properties: {
            value: { type: "integer", minimum: 0, maximum: 99 },
            children: { type: "array", items: { $ref: "#/$defs/node" }, maxItems: 2 },
          },
          required: ["value"],
          additionalProperties: false,
        },
      },
      // The root must have children ($ref with siblings: merged), the nodes below may.
      $ref: "#/$defs/node",
      required: ["children"],
      properties: { children: { minItems: 1 } },
    });
    type Tree = { children?: Tree[] };
    const depth = (t: Tree): number => 1 + Math.max(0, ...(t.children ?? []).map(depth));
    expect(Math.max(...(values as Tree[]).map(depth))).toBeGreaterThanOrEqual(3);
  });

  test("string formats", () => {
    const formats = ["date", "time", "date-time", "uuid", "email", "hostname", "ipv4", "duration"];
    expectValidOutputs(
      { type: "object", properties: Object.fromEntries(formats.map((f) => [f, { type: "string", format: f }])), required: formats, additionalProperties: false },
      {},
      2500,
    );
  });

  test("patterns", () => {
    expectValidOutputs({
      type: "array",
      prefixItems: [
        { type: "string", pattern: "^[A-Z]{2}-\\d{3,4}$" },
        { type: "string", pattern: "^(cat|dog)s?$" },
        { type: "string", pattern: "^#[a-f0-9]{6}$" },
        { type: "string", pattern: "^(\\+\\d{1,3} )?\\(\\d{3}\\) \\d{3}-\\d{4}$" },
        { type: "string", pattern: "^[α-ω]{3}\\.[^\\x00-\\x7f]{2}$" },
        { type: "string", pattern: '^"[\\\\"]{1,3}"$' },
        { type: "string", pattern: "^(a*b?)+c$" },
      ],
      minItems: 7,
      items: false,
    });
  });

  test("integers and numbers with bounds", () => {
    expectValidOutputs({
      type: "array",
      prefixItems: [
        { type: "integer" },
        { type: "integer", minimum: 0 },
        { type: "integer", exclusiveMinimum: -10, maximum: -3 },
        { type: "number", minimum: 0.5, maximum: 2 },
        { type: "number", exclusiveMinimum: -1, exclusiveMaximum: 1 },
        { type: "number" },
      ],
      minItems: 6,
      items: false,
    });
  });

  test("additionalProperties false and strict mode allow only declared keys", () => {
    const schema = { type: "object", properties: { a: { type: "boolean" }, b: { type: "integer", minimum: 0, maximum: 9 }, c: { type: "null" } } };
    for (const v of expectValidOutputs({ ...schema, additionalProperties: false }) as object[]) {
      expect(Object.keys(v).every((k) => ["a", "b", "c"].includes(k))).toBe(true);
    }
    for (const v of expectValidOutputs(schema, { strict: true }) as object[]) {
      expect(Object.keys(v).every((k) => ["a", "b", "c"].includes(k))).toBe(true);
    }
  });

  // Unbounded grammars: the model may write a long story inside a string, so a run can end at
  // the token limit. What it wrote must still be a prefix the grammar accepts.
  function expectValidOrPrefix(grammar: string, check: (value: unknown) => void): void {
    const recognizer = new Gbnf(grammar);
    for (const seed of SEEDS) {
      const { text, complete } = generator.generate(grammar, seed, 400);
      expect({ seed, text, prefix: recognizer.acceptsPrefix(text) }).toEqual({ seed, text, prefix: true });
      if (complete) check(JSON.parse(text));
    }
  }

  test("json_object: any JSON object", () => {
    expect(JSON_OBJECT_GRAMMAR.startsWith('root ::= "{"')).toBe(true);
    expectValidOrPrefix(JSON_OBJECT_GRAMMAR, (value) => {
      expect(typeof value === "object" && value !== null && !Array.isArray(value)).toBe(true);
    });
  });

  test("additional properties never repeat a declared key", () => {
    const schema = { type: "object", properties: { a: { type: "integer" }, b: { type: "boolean" } }, required: ["a"], additionalProperties: { type: "integer" } };
    expectValidOrPrefix(jsonSchemaToGrammar(schema), (value) => expect(validate(value, schema)).toEqual([]));
  });
});
