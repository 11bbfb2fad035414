// What the produced grammars accept, checked with a GBNF recognizer against the schema
// semantics (validate.ts, RegExp): exact where the converter is exact, and never wider.
import { describe, expect, test } from "bun:test";
import { JSON_OBJECT_GRAMMAR, jsonSchemaToGrammar, type JsonSchemaGrammarOptions } from "../../../chat/grammar/index.ts";
import { Gbnf } from "./gbnf-match.ts";
import { validate } from "./validate.ts";
import { seededRandom } from "../../support/random.ts";

const grammarOf = (schema: unknown, options?: JsonSchemaGrammarOptions) => new Gbnf(jsonSchemaToGrammar(schema, options));

function expectDocs(schema: unknown, accepted: string[], rejected: string[], options?: JsonSchemaGrammarOptions): void {
  const g = grammarOf(schema, options);
  for (const doc of accepted) {
    expect({ doc, accepted: g.accepts(doc) }).toEqual({ doc, accepted: true });
    expect(validate(JSON.parse(doc), schema as object)).toEqual([]);
  }
  for (const doc of rejected) expect({ doc, accepted: g.accepts(doc) }).toEqual({ doc, accepted: false });
}

describe("integers", () => {
  const cases: [Record<string, unknown>, (n: number) => boolean][] = [
    [{}, () => true],
    [{ minimum: 0 }, (n) => n >= 0],
    [{ minimum: 17 }, (n) => n >= 17],
    [{ maximum: -17 }, (n) => n <= -17],
    [{ minimum: -123, maximum: 4567 }, (n) => n >= -123 && n <= 4567],
    [{ minimum: 99, maximum: 1001 }, (n) => n >= 99 && n <= 1001],
    [{ exclusiveMinimum: -5, exclusiveMaximum: 5 }, (n) => n > -5 && n < 5],
    [{ minimum: 1.5, maximum: 20.5 }, (n) => n >= 2 && n <= 20],
    [{ minimum: 5, exclusiveMinimum: true, maximum: 8 }, (n) => n > 5 && n <= 8],
    [{ maximum: 300, minimum: -300, multipleOf: 1 }, (n) => Math.abs(n) <= 300],
  ];
  for (const [bounds, inRange] of cases) {
    test(`integer ${JSON.stringify(bounds)} accepts exactly the integers in range`, () => {
      const g = grammarOf({ type: "integer", ...bounds });
      const wrong: number[] = [];
      for (let n = -6000; n <= 6000; n++) if (g.accepts(String(n)) !== inRange(n)) wrong.push(n);
      expect(wrong).toEqual([]);
      expect(g.accepts("007")).toBe(false);
      expect(g.accepts("1.0")).toBe(false);
    });
  }

  test("integers are bounded to 16 digits so a model cannot write digits forever", () => {
    const g = grammarOf({ type: "integer", minimum: 0 });
    expect(g.accepts("9".repeat(16))).toBe(true);
    expect(g.accepts("9".repeat(17))).toBe(false);
  });
});

describe("numbers", () => {
  const plain = grammarOf({ type: "number" });
  test("JSON number syntax", () => {
    for (const ok of ["0", "-0", "1.5", "-12.25e3", "3E-7", "1e+2", "0.001"]) expect(plain.accepts(ok)).toBe(true);
    for (const bad of ["01", "1.", ".5", "+1", "1e", "--1", "NaN", "Infinity"]) expect(plain.accepts(bad)).toBe(false);
  });

  const cases: [Record<string, unknown>, (v: number) => boolean][] = [
    [{ minimum: 0 }, (v) => v >= 0],
    [{ minimum: -2.5, exclusiveMaximum: 10.25 }, (v) => v >= -2.5 && v < 10.25],
    [{ exclusiveMinimum: 0, maximum: 1 }, (v) => v > 0 && v <= 1],
    [{ minimum: 0.05, maximum: 0.5 }, (v) => v >= 0.05 && v <= 0.5],
    [{ minimum: -90, maximum: 90 }, (v) => v >= -90 && v <= 90],
    [{ exclusiveMinimum: -1.5, exclusiveMaximum: -0.25 }, (v) => v > -1.5 && v < -0.25],
  ];
  for (const [bounds, inRange] of cases) {
    test(`number ${JSON.stringify(bounds)}: accepted means in range, in range means accepted`, () => {
      const g = grammarOf({ type: "number", ...bounds });
      const wrong: string[] = [];
      for (let i = -12000; i <= 12000; i += 7) {
        for (const text of [String(i / 1000), (i / 1000).toFixed(1), (i / 100).toFixed(3), String(i / 100)]) {
          const value = Number(text);
          const negativeZero = /^-0(\.0*)?$/.test(text);
          // Negative zero spellings are refused: narrower, never wider.
          if (g.accepts(text) !== (inRange(value) && !negativeZero)) wrong.push(text);
        }
      }
      expect(wrong).toEqual([]);
    });
  }
});

describe("strings", () => {
  test("minLength and maxLength count characters, escapes included", () => {
    const g = grammarOf({ type: "string", minLength: 2, maxLength: 3 });
    for (const s of ["ab", "abc", 'a"', "é😀", "\n\t", "a\\u0041"]) {
      const text = s === "a\\u0041" ? '"a\\u0041"' : JSON.stringify(s);
      expect({ text, ok: g.accepts(text) }).toEqual({ text, ok: true });
    }
    for (const s of ["a", "abcd", "😀😀😀😀"]) expect(g.accepts(JSON.stringify(s))).toBe(false);
    expect(g.accepts('"a\nb"')).toBe(false); // raw control characters are not JSON
  });

  test("any string: escapes and Unicode", () => {
    const g = grammarOf({ type: "string" });
    for (const s of ["", "hello", 'quote " and \\ backslash', "\u0000\u001f", "日本語", "😀"]) expect(g.accepts(JSON.stringify(s))).toBe(true);
    for (const bad of ['"\\x41"', '"\\u12"', '"abc', 'abc"', '"\t"']) expect(g.accepts(bad)).toBe(false);
  });
});

describe("patterns", () => {
  // [pattern, strings that match (mutated below), alphabet for random strings and edits]
  const patterns: [string, string[], string][] = [
    ["^[A-Z]{2}-\\d{3,4}$", ["AB-123", "ZZ-0000"], "AZ-0123x"],
    ["^(cat|dog)s?$", ["cat", "dogs"], "catdogs"],
    ["^(\\+\\d{1,3} )?\\(\\d{3}\\) \\d{3}-\\d{4}$", ["(555) 123-4567", "+44 (555) 123-4567"], "+1 ()-05"],
    ["^[^a-c]*$", ["xyz", ""], 'abcd"\\\n'],
    ["ab+c", ["abbc", "xxabcxx"], "abcx"],
    ["^a.c$", ["abc", "aéc"], "abc\n\r\u2028é"],
    ["^\\w+\\s\\W?$", ["a_1 ", "b\t-"], "a_1 \t-\n"],
    ["^[\\d\\-.]{2,}$", ["1-.2"], "12-.a"],
    ["^(?:x|y(?<n>z))*$", ["xyzx", ""], "xyz"],
    ['^"[\\\\"]"$', ['"\\"', '"""'], 'a"\\'],
    ["^\\u00e9|^\\x41+$", ["éx", "AAA"], "éA"],
    ["^a{2}b{0,2}$|^$", ["aab", ""], "ab"],
    ["^[^\\s\\S]?x$", ["x"], "x "],
    ["^😀+.$", ["😀😀x"], "😀x"],
    ["^(a*b?)+c$|^[^]$|^[]x$", ["aabc", "c", "é"], "abcé"],
  ];

  for (const [pattern, examples, alphabet] of patterns) {
    test(`/${pattern}/ accepts exactly what RegExp matches`, () => {
      const g = grammarOf({ type: "string", pattern });
      const regex = new RegExp(pattern, "u");
      const chars = [...alphabet];
      const next = seededRandom(pattern.length);
      const pick = () => chars[Math.floor(next() * chars.length)]!;
      const samples: string[] = [...examples];
      for (let i = 0; i < 300; i++) {
        if (i % 2 === 0) {
          samples.push(Array.from({ length: Math.floor(next() * 9) }, pick).join(""));
          continue;
        }
        // A matching example with one or two random edits.
        const s = [...examples[i % examples.length]!];
        for (let edits = 1 + Math.floor(next() * 2); edits > 0; edits--) {
          const at = Math.floor(next() * (s.length + 1));
          const op = Math.floor(next() * 3);
          if (op === 0) s.splice(at, 0, pick());
          else if (op === 1) s.splice(at, 1);
          else s[at] = pick();
        }
        samples.push(s.join(""));
      }
      const wrong = samples.filter((s) => g.accepts(JSON.stringify(s)) !== regex.test(s));
      expect(wrong).toEqual([]);
      const matched = samples.filter((s) => regex.test(s)).length;
      expect(matched).toBeGreaterThan(examples.length - 1);
      expect(matched).toBeLessThan(samples.length);
    });
  }

  test("examples for the phone pattern", () => {
    expectDocs({ type: "string", pattern: "^(\\+\\d{1,3} )?\\(\\d{3}\\) \\d{3}-\\d{4}$" }, ['"(555) 123-4567"', '"+44 (555) 123-4567"'], ['"555-1234"']);
  });
});

describe("formats", () => {
  const cases: Record<string, [string[], string[]]> = {
    date: [["2024-02-29", "1999-12-31", "0001-01-01"], ["2024-13-01", "2024-04-31", "2024-02-30", "24-01-01", "2024-1-1"]],
    time: [["23:59:59Z", "00:00:00.123+05:30", "12:30:00-08:00"], ["24:00:00Z", "12:30Z", "12:30:00", "12:60:00Z"]],
    "date-time": [["2024-05-06T07:08:09Z", "2024-05-06T07:08:09.5+01:00"], ["2024-05-06 07:08:09Z", "2024-05-06T07:08:09"]],
    uuid: [["123e4567-e89b-12d3-a456-426614174000"], ["123e4567e89b12d3a456426614174000", "123e4567-e89b-12d3-a456-42661417400"]],
    email: [["a@b.co", "first.last+tag@mail.example.org"], ["a@b", "@b.co", "a..b@c.de", ".a@b.co", "a@-b.co", "a b@c.de"]],
    hostname: [["localhost", "a-b.example.com"], ["-a.com", "a-.com", "a..b", "a_b.com"]],
    ipv4: [["0.0.0.0", "192.168.1.255", "255.255.255.255"], ["256.1.1.1", "1.2.3", "01.2.3.4", "1.2.3.4.5"]],
    duration: [["P1Y2M3DT4H5M6S", "PT5M", "P3W", "P1D"], ["P", "PT", "P1H", "1Y"]],
  };
  for (const [format, [good, bad]] of Object.entries(cases)) {
    test(`format ${format}`, () => {
      expectDocs({ type: "string", format }, good.map((s) => JSON.stringify(s)), bad.map((s) => JSON.stringify(s)));
    });
  }
});

describe("objects", () => {
  const schema = {
    type: "object",
    properties: { a: { type: "integer" }, b: { type: "string" }, c: { type: "boolean" } },
    required: ["b"],
  };

  test("required properties always, optional ones in declared order", () => {
    expectDocs(
      schema,
      ['{"b":"x"}', '{"a":1,"b":"x"}', '{"a":1,"b":"x","c":true}', '{"b":"x","c":false}', '{ "b" : "x" }'],
      ["{}", '{"a":1}', '{"b":"x","a":1}', '{"b":"x","d":1}', '{"b":1}', '{"b":"x",}', '{"a":1,,"b":"x"}'],
      { strict: true },
    );
  });

  test("additional properties when allowed, but never a declared name again", () => {
    expectDocs(
      schema,
      ['{"b":"x","d":[1,{"e":null}]}', '{"b":"x","aa":1,"":2}', '{"d":1,"b":"x"}'.replace('"d":1,', "").replace("}", ',"zz":"y"}')],
      ['{"b":"x","a":1}', '{"b":"x","b":"y"}', '{"b":"x","c":true,"c":false}'],
    );
  });

  test("additionalProperties as a schema constrains the extra values", () => {
    expectDocs({ ...schema, additionalProperties: { type: "integer" } }, ['{"b":"x","n":5}'], ['{"b":"x","n":"5"}']);
  });

  test("strict mode: absent additionalProperties means none", () => {
    expect(grammarOf(schema, { strict: true }).accepts('{"b":"x","z":1}')).toBe(false);
    expect(grammarOf({ ...schema, additionalProperties: true }, { strict: true }).accepts('{"b":"x","z":1}')).toBe(true);
  });

  test("required names outside properties take the additionalProperties schema", () => {
    expectDocs({ type: "object", required: ["id"], additionalProperties: { type: "integer" } }, ['{"id":1}', '{"id":1,"x":2}'], ["{}", '{"id":"1"}']);
  });

  test("a property whose schema is false may not appear", () => {
    expectDocs({ type: "object", properties: { a: false, b: { type: "null" } }, additionalProperties: false }, ['{"b":null}', "{}"], ['{"a":null}']);
  });

  test("nested objects", () => {
    const nested = {
      type: "object",
      properties: { inner: { type: "object", properties: { x: { type: "integer" } }, required: ["x"], additionalProperties: false } },
      required: ["inner"],
      additionalProperties: false,
    };
    expectDocs(nested, ['{"inner":{"x":1}}', '{\n  "inner": {\n    "x": -3\n  }\n}'], ['{"inner":{}}', '{"inner":{"x":1,"y":2}}']);
  });
});

describe("arrays", () => {
  test("minItems and maxItems", () => {
    expectDocs({ type: "array", items: { type: "integer" }, minItems: 2, maxItems: 4 }, ["[1,2]", "[1, 2, 3, 4]"], ["[]", "[1]", "[1,2,3,4,5]", "[1,2,]"]);
  });

  test("prefixItems with no further items", () => {
    expectDocs({ type: "array", prefixItems: [{ type: "string" }, { type: "integer" }], items: false }, ["[]", '["a"]', '["a",1]'], ["[1]", '["a",1,2]']);
  });

  test("prefixItems, then items, with minItems", () => {
    expectDocs(
      { type: "array", prefixItems: [{ const: "head" }], items: { type: "boolean" }, minItems: 2, maxItems: 3 },
      ['["head",true]', '["head",true,false]'],
      ['["head"]', '["head",true,false,true]', "[true,true]"],
    );
  });

  test("draft-07 tuple items with additionalItems", () => {
    expectDocs({ type: "array", items: [{ type: "null" }], additionalItems: { type: "integer" } }, ["[null,1,2]", "[]"], ["[1]", '[null,"x"]']);
  });

  test("an array without items holds any values", () => {
    expectDocs({ type: "array" }, ['[1,"a",null,{"b":[true]}]', "[ ]"], ["[1,]"]);
  });
});

describe("enum, const, anyOf, oneOf, allOf, type lists", () => {
  test("enum and const", () => {
    expectDocs({ enum: ["red", "green", 3, null] }, ['"red"', "3", "null"], ['"blue"', '"Red"', "4"]);
    expectDocs({ const: { a: [1, 2] } }, ['{"a":[1,2]}'], ['{"a":[1]}']);
  });

  test("anyOf and oneOf as alternatives", () => {
    expectDocs({ anyOf: [{ type: "integer" }, { type: "string", maxLength: 2 }] }, ["1", '"ab"'], ['"abc"', "true"]);
    expectDocs({ oneOf: [{ type: "null" }, { type: "boolean" }] }, ["null", "false"], ["0"]);
  });

  test("anyOf merges its siblings into every branch", () => {
    expectDocs(
      { type: "object", properties: { kind: { type: "string" } }, required: ["kind"], additionalProperties: false, anyOf: [{ properties: { kind: { const: "a" } } }, { properties: { kind: { const: "b" } } }] },
      ['{"kind":"a"}', '{"kind":"b"}'],
      ['{"kind":"c"}'],
    );
  });

  test("allOf of objects merges properties and required", () => {
    expectDocs(
      { allOf: [{ type: "object", properties: { a: { type: "integer" } }, required: ["a"] }, { properties: { b: { type: "string" } }, required: ["b"] }] },
      ['{"a":1,"b":"x"}', '{"a":1,"b":"x","c":2}'],
      ['{"a":1}', '{"b":"x"}', '{"a":"1","b":"x"}'],
    );
  });

  test("allOf honours each part's additionalProperties: false", () => {
    expectDocs(
      { allOf: [{ type: "object", properties: { a: { type: "integer" } }, additionalProperties: false }, { properties: { b: { type: "string" } } }] },
      ['{"a":1}', "{}"],
      ['{"a":1,"b":"x"}'],
    );
  });

  test("type lists", () => {
    expectDocs({ type: ["string", "null"], maxLength: 1 }, ['"a"', "null"], ['"ab"', "1"]);
  });

  test("true and {} accept any JSON value", () => {
    for (const schema of [true, {}, { description: "anything" }]) expectDocs(schema, ['{"a":[1,"b",null]}', "1e5", '"x"', "true"], ["tru", "{,}"]);
  });
});

describe("$ref", () => {
  const tree = {
    $defs: {
      node: {
        type: "object",
        properties: { value: { type: "integer" }, children: { type: "array", items: { $ref: "#/$defs/node" } } },
        required: ["value"],
        additionalProperties: false,
      },
    },
    $ref: "#/$defs/node",
  };

  test("recursive references", () => {
    expectDocs(tree, ['{"value":1}', '{"value":1,"children":[{"value":2,"children":[{"value":3}]},{"value":4}]}'], ['{"value":1,"children":[{}]}']);
  });

  test("definitions, root references and pointer escapes", () => {
    expectDocs(
      { definitions: { "a/b": { type: "integer" } }, type: "object", properties: { x: { $ref: "#/definitions/a~1b" }, self: { $ref: "#" } }, additionalProperties: false },
      ['{"x":1}', '{"self":{"x":2,"self":{}}}'],
      ['{"x":"1"}'],
    );
  });

  test("recursion through a $ref with sibling keywords", () => {
    const schema = {
      $defs: { n: { type: "object", properties: { v: { type: "integer" }, next: { $ref: "#/$defs/n", required: ["v"] } }, additionalProperties: false } },
      $ref: "#/$defs/n",
    };
    expectDocs(schema, ["{}", '{"v":1,"next":{"v":2,"next":{"v":3}}}'], ['{"next":{}}', '{"v":1,"next":{"v":2,"next":{}}}']);
    const root = { type: "object", properties: { id: { type: "integer" }, child: { $ref: "#", required: ["id"] } }, additionalProperties: false };
    expectDocs(root, ["{}", '{"child":{"id":2}}', '{"id":1,"child":{"id":2,"child":{"id":3}}}'], ['{"child":{}}', '{"child":{"id":2,"child":{}}}']);
  });

  test("$ref with sibling keywords is their conjunction", () => {
    expectDocs({ $defs: { n: { type: "integer" } }, $ref: "#/$defs/n", minimum: 0, maximum: 9 }, ["0", "9"], ["10", "-1"]);
  });
});

describe("JSON_OBJECT_GRAMMAR", () => {
  const g = new Gbnf(JSON_OBJECT_GRAMMAR);
  test("accepts JSON objects, pretty-printed too", () => {
    const docs = [{}, { a: 1 }, { a: [1, 2, { b: null }], c: "d\"e", "": { f: -1.5e3 } }, { nested: { deeper: { deepest: [true, false] } } }];
    for (const doc of docs) {
      expect(g.accepts(JSON.stringify(doc))).toBe(true);
      expect(g.accepts(JSON.stringify(doc, null, 2))).toBe(true);
      expect(g.accepts(JSON.stringify(doc, null, "\t"))).toBe(true);
    }
  });

  test("rejects other values and broken JSON", () => {
    for (const bad of ["[]", '"a"', "1", "null", '{"a":1,}', "{'a':1}", '{"a" 1}', "{a:1}", "{} "]) expect(g.accepts(bad)).toBe(false);
  });

  test("whitespace runs are bounded", () => {
    expect(g.accepts(`{\n${" ".repeat(20)}}`)).toBe(true);
    expect(g.accepts(`{\n${" ".repeat(21)}}`)).toBe(false);
    expect(g.accepts("{  }")).toBe(false);
  });
});
