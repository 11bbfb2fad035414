// What the converter refuses: UnsupportedSchemaError naming the keyword (the server's 400),
// never a grammar that silently ignores a constraint.
import { describe, expect, test } from "bun:test";
import { jsonSchemaToGrammar, UnsupportedSchemaError } from "../../../chat/grammar/index.ts";

function refusal(schema: unknown, options = {}): UnsupportedSchemaError {
  try {
    jsonSchemaToGrammar(schema, options);
  } catch (error) {
    expect(error).toBeInstanceOf(UnsupportedSchemaError);
    return error as UnsupportedSchemaError;
  }
  throw new Error(`converted without error: ${JSON.stringify(schema)}`);
}

describe("UnsupportedSchemaError", () => {
  const cases: [string, unknown][] = [
    ["not", { not: { type: "string" } }],
    ["if", { if: { type: "string" }, then: { minLength: 1 } }],
    ["patternProperties", { type: "object", patternProperties: { "^x": { type: "string" } } }],
    ["propertyNames", { type: "object", propertyNames: { maxLength: 3 } }],
    ["dependentRequired", { type: "object", dependentRequired: { a: ["b"] } }],
    ["dependencies", { type: "object", dependencies: { a: ["b"] } }],
    ["unevaluatedProperties", { type: "object", unevaluatedProperties: false }],
    ["minProperties", { type: "object", minProperties: 1 }],
    ["maxProperties", { type: "object", maxProperties: 1 }],
    ["uniqueItems", { type: "array", uniqueItems: true }],
    ["contains", { type: "array", contains: { type: "integer" } }],
    ["multipleOf", { type: "number", multipleOf: 0.5 }],
    ["multipleOf", { type: "integer", multipleOf: 3 }],
    ["format", { type: "string", format: "uri" }],
    ["pattern", { type: "string", pattern: "^(?=a)a$" }],
    ["pattern", { type: "string", pattern: "^(?<!a)b$" }],
    ["pattern", { type: "string", pattern: "^(a)\\1$" }],
    ["pattern", { type: "string", pattern: "^\\bword$" }],
    ["pattern", { type: "string", pattern: "^\\p{Lu}$" }],
    ["pattern", { type: "string", pattern: "a^b" }],
    ["pattern", { type: "string", pattern: "^(unclosed$" }],
    ["maxLength", { type: "string", pattern: "^a+$", maxLength: 3 }],
    ["pattern", { type: "string", format: "date", pattern: "^2" }],
    ["$ref", { $ref: "https://example.com/schema.json" }],
    ["$ref", { $ref: "#anchor" }],
    ["$ref", { $ref: "#/$defs/missing" }],
    ["$ref", { $defs: { a: { anyOf: [{ $ref: "#/$defs/a" }, { type: "null" }] } }, $ref: "#/$defs/a" }],
    ["$ref", { $defs: { a: { anyOf: [{ $ref: "#/$defs/a", type: "object" }, { type: "null" }] } }, $ref: "#/$defs/a" }],
    ["$ref", { allOf: [{ $ref: "#" }] }],
    ["$dynamicRef", { $dynamicRef: "#meta" }],
    ["allOf", { allOf: [{ type: "string" }, { type: "integer" }] }],
    ["allOf", { allOf: [{ properties: { a: { type: "integer" } }, required: ["a"] }], additionalProperties: false }],
    ["enum", { type: "string", enum: [1, 2] }],
    ["false", { type: "array", items: false, minItems: 1, prefixItems: [false] }],
    ["minItems", { type: "array", items: false, minItems: 1 }],
    ["required", { type: "object", required: ["a"], additionalProperties: false }],
    ["type", { type: "date" }],
    ["minimum", { type: "integer", minimum: 5, maximum: 4 }],
    ["minimum", { type: "number", minimum: 1e20 }],
    ["maxLength", { type: "string", maxLength: 3e6 }],
  ];
  for (const [keyword, schema] of cases) {
    test(`${keyword}: ${JSON.stringify(schema)}`, () => {
      const error = refusal(schema);
      expect(error.keyword).toBe(keyword);
      expect(error.message).toContain(`"${keyword}"`);
    });
  }

  test("the error says where the keyword is", () => {
    const error = refusal({ type: "object", properties: { "a/b": { type: "array", items: { not: {} } } } });
    expect(error.path).toBe("#/properties/a~1b/items");
    expect(error.message).toBe('unsupported JSON Schema keyword "not" at #/properties/a~1b/items');
  });

  test("keywords that constrain another type are ignored, as JSON Schema does", () => {
    expect(() => jsonSchemaToGrammar({ type: "string", uniqueItems: true, multipleOf: 3, minProperties: 2 })).not.toThrow();
  });

  test("satisfied or vacuous values are accepted", () => {
    const ok = [
      { type: "array", uniqueItems: false },
      { type: "object", properties: { a: {} }, required: ["a"], minProperties: 1 },
      { type: "object", properties: { a: {} }, additionalProperties: false, maxProperties: 1 },
      { type: "object", patternProperties: {} },
      { type: "integer", multipleOf: 1 },
    ];
    for (const schema of ok) expect(() => jsonSchemaToGrammar(schema)).not.toThrow();
  });

  test("annotations and unknown (non-standard) keywords are ignored", () => {
    const schema = {
      $schema: "https://json-schema.org/draft/2020-12/schema",
      $id: "https://example.com/x",
      $comment: "c",
      title: "t",
      description: "d",
      examples: [1],
      default: 1,
      deprecated: false,
      readOnly: true,
      writeOnly: false,
      "x-vendor": { anything: true },
      type: "integer",
    };
    expect(jsonSchemaToGrammar(schema)).toBe(jsonSchemaToGrammar({ type: "integer" }));
  });
});
