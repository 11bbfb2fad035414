// Test oracle: an independent, hand-written JSON Schema checker for the subset the converter
// supports (no validator package is installed). Returns the violations, empty when valid.

type Schema = boolean | Record<string, any>;

const FORMATS: Record<string, RegExp> = {
  date: /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/,
  time: /^([01]\d|2[0-3]):[0-5]\d:[0-5]\d(\.\d+)?(Z|[+-]([01]\d|2[0-3]):[0-5]\d)$/i,
  "date-time": /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])T([01]\d|2[0-3]):[0-5]\d:[0-5]\d(\.\d+)?(Z|[+-]([01]\d|2[0-3]):[0-5]\d)$/i,
  uuid: /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i,
  email: /^[a-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[a-z0-9!#$%&'*+/=?^_`{|}~-]+)*@([a-z0-9]([a-z0-9-]*[a-z0-9])?\.)+[a-z0-9]([a-z0-9-]*[a-z0-9])?$/i,
  hostname: /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/i,
  ipv4: /^((25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/,
  duration: /^P(?!$)(\d+Y)?(\d+M)?(\d+W)?(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+S)?)?$/,
};

function typeOf(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "array";
  return typeof v;
}

function pointer(root: Schema, ref: string): Schema {
  let node: any = root;
  if (ref === "#") return node;
  for (const part of ref.slice(2).split("/")) node = node[decodeURIComponent(part).replaceAll("~1", "/").replaceAll("~0", "~")];
  if (node === undefined) throw new Error(`unresolved ${ref}`);
  return node;
}

export function validate(value: unknown, schema: Schema, root: Schema = schema, at = "$"): string[] {
  if (schema === true) return [];
  if (schema === false) return [`${at}: false schema`];
  const errors: string[] = [];
  const fail = (m: string) => errors.push(`${at}: ${m}`);
  const s = schema;
  if (s.$ref) errors.push(...validate(value, pointer(root, s.$ref), root, at));
  for (const sub of s.allOf ?? []) errors.push(...validate(value, sub, root, at));
  if (s.anyOf && !s.anyOf.some((sub: Schema) => validate(value, sub, root, at).length === 0)) fail("no anyOf branch matches");
  if (s.oneOf && s.oneOf.filter((sub: Schema) => validate(value, sub, root, at).length === 0).length !== 1) fail("not exactly one oneOf branch");
  if ("const" in s && JSON.stringify(s.const) !== JSON.stringify(value)) fail(`not const ${JSON.stringify(s.const)}`);
  if (s.enum && !s.enum.some((e: unknown) => JSON.stringify(e) === JSON.stringify(value))) fail("not in enum");
  if (s.type !== undefined) {
    const types: string[] = Array.isArray(s.type) ? s.type : [s.type];
    const t = typeOf(value);
    const ok = types.some((ty) => ty === t || (ty === "integer" && Number.isInteger(value)));
    if (!ok) fail(`type ${t} is not ${types.join("|")}`);
  }
  if (typeof value === "string") {
    const length = [...value].length;
    if (s.minLength !== undefined && length < s.minLength) fail(`shorter than ${s.minLength}`);
    if (s.maxLength !== undefined && length > s.maxLength) fail(`longer than ${s.maxLength}`);
    if (s.pattern !== undefined && !new RegExp(s.pattern, "u").test(value)) fail(`does not match /${s.pattern}/`);
    if (s.format !== undefined && !FORMATS[s.format]!.test(value)) fail(`not a ${s.format}: ${JSON.stringify(value)}`);
  }
  if (typeof value === "number") {
    const exMin = typeof s.exclusiveMinimum === "number" ? s.exclusiveMinimum : undefined;
    const exMax = typeof s.exclusiveMaximum === "number" ? s.exclusiveMaximum : undefined;
    if (s.minimum !== undefined && (s.exclusiveMinimum === true ? value <= s.minimum : value < s.minimum)) fail(`below minimum ${s.minimum}`);
    if (s.maximum !== undefined && (s.exclusiveMaximum === true ? value >= s.maximum : value > s.maximum)) fail(`above maximum ${s.maximum}`);
    if (exMin !== undefined && value <= exMin) fail(`not above ${exMin}`);
    if (exMax !== undefined && value >= exMax) fail(`not below ${exMax}`);
  }
  if (Array.isArray(value)) {
    const prefix: Schema[] = s.prefixItems ?? (Array.isArray(s.items) ? s.items : []);
    const rest: Schema = s.prefixItems ? (s.items ?? true) : Array.isArray(s.items) ? (s.additionalItems ?? true) : (s.items ?? true);
    value.forEach((item, i) => errors.push(...validate(item, i < prefix.length ? prefix[i]! : rest, root, `${at}[${i}]`)));
    if (s.minItems !== undefined && value.length < s.minItems) fail(`fewer than ${s.minItems} items`);
    if (s.maxItems !== undefined && value.length > s.maxItems) fail(`more than ${s.maxItems} items`);
  }
  if (typeOf(value) === "object") {
    const obj = value as Record<string, unknown>;
    const props: Record<string, Schema> = s.properties ?? {};
    for (const name of s.required ?? []) if (!(name in obj)) fail(`missing required ${name}`);
    for (const [key, v] of Object.entries(obj)) {
      if (key in props) errors.push(...validate(v, props[key]!, root, `${at}.${key}`));
      else if (s.additionalProperties !== undefined) errors.push(...validate(v, s.additionalProperties, root, `${at}.${key}`));
    }
  }
  return errors;
}
