// The schema walker: turns each (sub)schema into a GBNF expression. The grammar it builds
// may be narrower than the schema (declared key order, bounded whitespace and digits,
// canonical escapes) but never wider; what it cannot honour it refuses.
import { type ArrayShape, arrayGrammar } from "./arrays.ts";
import { UnsupportedSchemaError } from "./errors.ts";
import { formatRule, FORMAT_RULE_NAMES } from "./formats.ts";
import { alt, GrammarBuilder, seq } from "./gbnf.ts";
import { IGNORED, impliedTypes, isPlainObject, refuseAlways, refuseForType, type SchemaObject } from "./keywords.ts";
import { literalsGrammar } from "./literals.ts";
import { mergeSchemas } from "./merge.ts";
import { bounds, count } from "./limits.ts";
import { integerRange, numberRange } from "./numbers.ts";
import { type Additional, keyExcluding, type Member, objectGrammar } from "./objects.ts";
import { PRIMITIVE_NAMES, primitive } from "./primitives.ts";
import { localPointer, refHint, resolvePointer } from "./refs.ts";
import { patternToGrammar } from "./regex.ts";

export interface ConvertOptions {
  /** OpenAI strict mode: an object without "additionalProperties" allows no other keys. */
  strict?: boolean;
}

const TYPES = ["null", "boolean", "object", "array", "number", "integer", "string"];

/** Pointers of the references being expanded since the last token the grammar consumed:
 *  meeting one again would be left recursion, which llama.cpp rejects. */
type Head = ReadonlySet<string>;
const NO_HEAD: Head = new Set();

/** Nesting beyond this is taken for endless recursion through merged schemas. */
const MAX_DEPTH = 200;

interface Composite {
  name: string;
  /** Met again while being built: it becomes a named (recursive) rule. */
  used: boolean;
  done?: string;
}

export class SchemaConverter {
  readonly #b = new GrammarBuilder(["root", ...PRIMITIVE_NAMES, ...FORMAT_RULE_NAMES]);
  readonly #refs = new Map<string, string>();
  readonly #composites = new WeakMap<object, Composite>();
  #depth = 0;

  constructor(readonly root: unknown, readonly options: ConvertOptions = {}) {}

  convert(): string {
    this.#b.define("root", this.visit(this.root, "#", "root", NO_HEAD));
    return this.#b.toString();
  }

  /**
   * A grammar whose root is composed by `build`, which may turn any schema reachable from
   * this converter's root into an expression (`$ref`s resolve against the root) and add
   * rules of its own (tool-call markup around argument schemas).
   */
  compose(build: (schemaExpr: (schema: unknown, hint: string, path?: string) => string, rules: GrammarBuilder) => string): string {
    // `path`: where the schema lies in the root, for errors; default a name made of the hint.
    const schemaExpr = (schema: unknown, hint: string, path = `#/${hint}`) => this.visit(schema, path, hint, NO_HEAD);
    this.#b.define("root", build(schemaExpr, this.#b));
    return this.#b.toString();
  }

  visit(schema: unknown, path: string, hint: string, head: Head): string {
    if (schema === true) return primitive(this.#b, "value");
    if (schema === false) throw new UnsupportedSchemaError("false", path, "the schema `false` matches nothing");
    if (!isPlainObject(schema)) throw new UnsupportedSchemaError("schema", path, "a schema must be an object or a boolean");
    refuseAlways(schema, path);
    const keys = Object.keys(schema).filter((k) => !IGNORED.has(k));
    if (typeof schema.$ref === "string" && keys.length === 1) return this.#ref(schema.$ref, path, head);
    if (++this.#depth > MAX_DEPTH) throw new UnsupportedSchemaError("allOf", path, "schema nests too deeply (endless recursion through merged schemas?)");
    try {
      if ("$ref" in schema || "allOf" in schema) return this.#composite(schema, hint, head, (h) => this.#allOf(schema, path, hint, h), path);
      if ("anyOf" in schema || "oneOf" in schema) return this.#composite(schema, hint, head, (h) => this.#anyOf(schema, path, hint, h), path);
      return this.#plain(schema, path, hint);
    } finally {
      this.#depth--;
    }
  }

  /** Merged and alternative schemas, built once per schema object; one met again inside
   *  itself (recursion through $ref with siblings, say) becomes a named rule. */
  #composite(schema: SchemaObject, hint: string, head: Head, build: (head: Head) => string, path: string): string {
    const known = this.#composites.get(schema);
    if (known) {
      if (known.done !== undefined) return known.done;
      if (head.has(known.name)) throw new UnsupportedSchemaError("$ref", path, "the schema contains itself before any token (left recursion)");
      known.used = true;
      return known.name;
    }
    const entry: Composite = { name: this.#b.reserve(hint), used: false };
    this.#composites.set(schema, entry);
    const body = build(new Set([...head, entry.name]));
    if (entry.used) this.#b.define(entry.name, body);
    else this.#b.release(entry.name);
    entry.done = entry.used ? entry.name : body;
    return entry.done;
  }

  #ref(ref: string, path: string, head: Head): string {
    const pointer = localPointer(ref, this.root, path);
    if (head.has(pointer)) throw new UnsupportedSchemaError("$ref", path, `"${ref}" refers to itself before any token (left recursion)`);
    const known = this.#refs.get(pointer);
    if (known) return known;
    const name = this.#b.reserve(refHint(pointer));
    this.#refs.set(pointer, name);
    const target = resolvePointer(this.root, pointer, path);
    this.#b.define(name, this.visit(target, pointer, name, new Set([...head, pointer])));
    return name;
  }

  /** "$ref" with siblings and "allOf": flatten to plain parts and merge them. */
  #allOf(schema: SchemaObject, path: string, hint: string, head: Head): string {
    const seen = new Set(head);
    const parts: SchemaObject[] = [];
    const flatten = (s: unknown, at: string): void => {
      if (s === true) return;
      if (!isPlainObject(s)) return void this.visit(s, at, hint, head); // throws
      refuseAlways(s, at);
      const { $ref, allOf, ...rest } = s;
      if ($ref !== undefined) {
        if (typeof $ref !== "string") throw new UnsupportedSchemaError("$ref", at, "must be a string");
        const pointer = localPointer($ref, this.root, at);
        if (seen.has(pointer)) throw new UnsupportedSchemaError("$ref", at, `"${$ref}" refers to itself before any token (left recursion)`);
        seen.add(pointer);
        flatten(resolvePointer(this.root, pointer, at), pointer);
      }
      if (allOf !== undefined) {
        if (!Array.isArray(allOf)) throw new UnsupportedSchemaError("allOf", at, "must be an array");
        allOf.forEach((part, i) => flatten(part, `${at}/allOf/${i}`));
      }
      parts.push(rest);
    };
    flatten(schema, path);
    return this.visit(mergeSchemas(parts, path), path, hint, seen);
  }

  /** anyOf/oneOf as alternatives (oneOf's "exactly one" is not enforced: branches should be
   *  disjoint); sibling keywords are merged into every branch. */
  #anyOf(schema: SchemaObject, path: string, hint: string, head: Head): string {
    const { anyOf, oneOf, ...siblings } = schema;
    if (anyOf !== undefined && oneOf !== undefined) return this.visit({ allOf: [{ anyOf }, { oneOf }], ...siblings }, path, hint, head);
    const keyword = anyOf !== undefined ? "anyOf" : "oneOf";
    const branches = anyOf ?? oneOf;
    if (!Array.isArray(branches) || branches.length === 0) throw new UnsupportedSchemaError(keyword, path, "must be a non-empty array");
    const constrained = Object.keys(siblings).some((k) => !IGNORED.has(k));
    return alt(
      branches.map((branch, i) => {
        const at = `${path}/${keyword}/${i}`;
        return this.visit(constrained ? { allOf: [siblings, branch] } : branch, at, `${hint}-${i}`, head);
      }),
    );
  }

  /** A schema without $ref, allOf, anyOf or oneOf. */
  #plain(schema: SchemaObject, path: string, hint: string): string {
    let types: string[];
    if (schema.type !== undefined) {
      types = Array.isArray(schema.type) ? [...schema.type] : [schema.type as string];
      for (const t of types) {
        if (!TYPES.includes(t)) throw new UnsupportedSchemaError("type", path, `unknown type ${JSON.stringify(t)}`);
      }
      if (types.length === 0) throw new UnsupportedSchemaError("type", path, "an empty type list matches nothing");
    } else types = impliedTypes(schema);
    if (types.includes("number")) types = types.filter((t) => t !== "integer"); // number covers integer

    if ("const" in schema || "enum" in schema) return literalsGrammar(schema, types, path);
    if (types.length === 0) return primitive(this.#b, "value");
    return alt(types.map((type) => this.#typed(type, schema, path, hint)));
  }

  #typed(type: string, schema: SchemaObject, path: string, hint: string): string {
    switch (type) {
      case "null": return '"null"';
      case "boolean": return primitive(this.#b, "boolean");
      case "string": return this.#string(schema, path, hint);
      case "integer": return this.#integer(schema, path);
      case "number": return this.#number(schema, path);
      case "array": return this.#array(schema, path, hint);
      default: return this.#object(schema, path, hint);
    }
  }

  #string(schema: SchemaObject, path: string, hint: string): string {
    refuseForType(schema, "string", path);
    const { pattern, format } = schema;
    const minLength = count(schema, "minLength", path) ?? 0;
    const maxLength = count(schema, "maxLength", path);
    const lengths = minLength > 0 || maxLength !== undefined;
    const quote = '"\\""';
    if (format !== undefined) {
      if (typeof format !== "string") throw new UnsupportedSchemaError("format", path, "must be a string");
      if (pattern !== undefined) throw new UnsupportedSchemaError("pattern", path, "pattern together with format is not supported");
      if (lengths) throw new UnsupportedSchemaError(minLength > 0 ? "minLength" : "maxLength", path, "length limits together with format are not supported");
      const rule = formatRule(this.#b, format);
      if (!rule) throw new UnsupportedSchemaError("format", path, `format "${format}" is not supported`);
      return seq([quote, rule, quote]);
    }
    if (pattern !== undefined) {
      if (typeof pattern !== "string") throw new UnsupportedSchemaError("pattern", path, "must be a string");
      if (lengths) throw new UnsupportedSchemaError(minLength > 0 ? "minLength" : "maxLength", path, "length limits together with pattern are not supported");
      return seq([quote, patternToGrammar(this.#b, pattern, `${hint}-pattern`, path), quote]);
    }
    if (!lengths) return primitive(this.#b, "string");
    if (maxLength !== undefined && maxLength < minLength) throw new UnsupportedSchemaError("maxLength", path, "maxLength is below minLength");
    const chars = this.#b.repeat(primitive(this.#b, "char"), minLength, maxLength, "char", maxLength === undefined ? "minLength" : "maxLength", path);
    return seq([quote, chars, quote]);
  }

  #integer(schema: SchemaObject, path: string): string {
    refuseForType(schema, "number", path, schema.multipleOf === 1 ? ["multipleOf"] : []);
    const { min, max } = bounds(schema, path);
    if (!min && !max) return primitive(this.#b, "integer");
    // Integer bounds: the smallest and largest integers inside the (maybe exclusive) bounds.
    const lo = min && (min.exclusive ? Math.floor(min.value) + 1 : Math.ceil(min.value));
    const hi = max && (max.exclusive ? Math.ceil(max.value) - 1 : Math.floor(max.value));
    const big = (v: number | undefined, keyword: string) => {
      if (v === undefined) return undefined;
      if (!Number.isSafeInteger(v)) {
        // Beyond 16 digits the grammar cannot spell the value anyway.
        if ((keyword === "minimum" && v < 0) || (keyword === "maximum" && v > 0)) return undefined;
        throw new UnsupportedSchemaError(keyword, path, "bound too large");
      }
      return BigInt(v);
    };
    return integerRange(big(lo, "minimum"), big(hi, "maximum"), path);
  }

  #number(schema: SchemaObject, path: string): string {
    refuseForType(schema, "number", path);
    const { min, max } = bounds(schema, path);
    return !min && !max ? primitive(this.#b, "number") : numberRange(min, max, path);
  }

  #array(schema: SchemaObject, path: string, hint: string): string {
    refuseForType(schema, "array", path);
    const { items, prefixItems, additionalItems } = schema;
    let prefixSchemas: unknown[] = [];
    let restSchema: unknown = true;
    if (prefixItems !== undefined) {
      if (!Array.isArray(prefixItems)) throw new UnsupportedSchemaError("prefixItems", path, "must be an array");
      prefixSchemas = prefixItems;
      if (items !== undefined) restSchema = items;
    } else if (Array.isArray(items)) {
      prefixSchemas = items;
      if (additionalItems !== undefined) restSchema = additionalItems;
    } else if (items !== undefined) restSchema = items;
    const minItems = count(schema, "minItems", path) ?? 0;
    const maxItems = count(schema, "maxItems", path);
    if (maxItems !== undefined && maxItems < minItems) throw new UnsupportedSchemaError("maxItems", path, "maxItems is below minItems");
    const itemPath = (i: number | null) => (i === null ? `${path}/items` : `${path}/prefixItems/${i}`);
    const shape: ArrayShape = {
      prefix: prefixSchemas.map((s, i) => this.visit(s, itemPath(i), `${hint}-${i}`, NO_HEAD)),
      rest: restSchema === false ? null : this.visit(restSchema, itemPath(null), `${hint}-item`, NO_HEAD),
      minItems,
      maxItems,
    };
    if (shape.rest === null && minItems > shape.prefix.length) {
      throw new UnsupportedSchemaError("minItems", path, "more items required than the schema allows");
    }
    return arrayGrammar(this.#b, hint, shape, path);
  }

  #object(schema: SchemaObject, path: string, hint: string): string {
    const properties = schema.properties ?? {};
    if (!isPlainObject(properties)) throw new UnsupportedSchemaError("properties", path, "must be an object");
    const required = schema.required ?? [];
    if (!Array.isArray(required) || required.some((r) => typeof r !== "string")) {
      throw new UnsupportedSchemaError("required", path, "must be an array of strings");
    }
    const extraSchema = schema.additionalProperties ?? !this.options.strict;
    const members: Member[] = [];
    for (const [name, sub] of Object.entries(properties)) {
      const isRequired = required.includes(name);
      if (sub === false) {
        if (isRequired) throw new UnsupportedSchemaError("required", path, `"${name}" is required but its schema is false`);
        continue;
      }
      const at = `${path}/properties/${name.replaceAll("~", "~0").replaceAll("/", "~1")}`;
      members.push({ name, value: this.visit(sub, at, `${hint}-${name}`, NO_HEAD), required: isRequired });
    }
    for (const name of new Set(required as string[])) {
      if (name in properties) continue;
      if (extraSchema === false) throw new UnsupportedSchemaError("required", path, `"${name}" is required but not allowed by additionalProperties`);
      members.push({ name, value: this.visit(extraSchema, `${path}/additionalProperties`, `${hint}-${name}`, NO_HEAD), required: true });
    }
    let additional: Additional | null = null;
    if (extraSchema !== false) {
      const names = members.map((m) => m.name).concat(Object.keys(properties));
      additional = {
        key: keyExcluding(this.#b, hint, [...new Set(names)]),
        value: this.visit(extraSchema, `${path}/additionalProperties`, `${hint}-additional`, NO_HEAD),
      };
    }
    // min/maxProperties are fine when the shape alone guarantees them.
    const satisfied: string[] = [];
    const minProperties = count(schema, "minProperties", path);
    const maxProperties = count(schema, "maxProperties", path);
    if (minProperties !== undefined && minProperties <= members.filter((m) => m.required).length) satisfied.push("minProperties");
    if (maxProperties !== undefined && !additional && maxProperties >= members.length) satisfied.push("maxProperties");
    refuseForType(schema, "object", path, satisfied);
    return objectGrammar(this.#b, hint, members, additional);
  }
}
