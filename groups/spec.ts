// A group as written by people (snake_case, in the config file or an admin request) -> GroupSpec.
// Every refusal names its field (`tools[1].url`) so the config line or the 400 says what to fix.
import { readFileSync, statSync } from "node:fs";
import { expandPath, isRecord, shown } from "../cli/configFields.ts";
import { compileSchema } from "./jsonSchema.ts";
import { secretNames } from "./secrets.ts";
import { urlPlaceholders } from "./urlTemplate.ts";
import {
  GROUP_MODES,
  HTTP_METHODS,
  LIMITS,
  type GroupAgent,
  type GroupMode,
  type GroupResource,
  type GroupSpec,
  type HttpMethod,
  type HttpTool,
} from "./types.ts";

export class SpecError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`${field} ${message}`);
  }
}

export interface SpecOptions {
  /** Resources may name files (the config file); relative paths are read from here. Else only `text`. */
  folder?: string;
}

export const GROUP_FIELDS = ["id", "name", "brain", "agents", "default_mode", "instruction", "tools", "resources", "force_tool", "approval_ttl"] as const;
const TOOL_FIELDS = ["name", "description", "parameters", "method", "url", "headers", "body", "timeout_ms", "max_response_bytes", "approval", "allow_private"];
const AGENT_FIELDS = ["name", "model", "instruction"];
const RESOURCE_FIELDS = ["name", "path", "text"];
const NAME = /^[A-Za-z0-9_-]{1,64}$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export const isUuid = (v: string) => UUID.test(v);

function known(record: Record<string, unknown>, fields: readonly string[], at: string): void {
  for (const key of Object.keys(record))
    if (!fields.includes(key)) throw new SpecError(`${at}${key}`, `is not a known field (known: ${fields.join(", ")})`);
}

const given = (v: unknown) => v !== undefined && v !== null;

function str(value: unknown, field: string, { empty = false, max = 100_000 } = {}): string {
  if (typeof value !== "string" || (!empty && value.trim() === "")) throw new SpecError(field, `must be a non-empty string, got ${shown(value)}`);
  if (value.length > max) throw new SpecError(field, `is longer than ${max} characters`);
  return value;
}

function int(value: unknown, field: string, min: number, max: number): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max)
    throw new SpecError(field, `must be an integer between ${min} and ${max}, got ${shown(value)}`);
  return value;
}

function list(value: unknown, field: string, max: number): unknown[] {
  if (!given(value)) return [];
  if (!Array.isArray(value)) throw new SpecError(field, `must be a list, got ${shown(value)}`);
  if (value.length > max) throw new SpecError(field, `holds more than ${max} entries`);
  return value;
}

/** The raw group (config entry or request body) as a GroupSpec; throws SpecError. */
export function parseGroupSpec(raw: unknown, options: SpecOptions = {}): GroupSpec {
  if (!isRecord(raw)) throw new SpecError("group", `must be a mapping, got ${shown(raw)}`);
  known(raw, GROUP_FIELDS, "");
  const agents = list(raw.agents, "agents", LIMITS.agents).map((a, i) => parseAgent(a, `agents[${i}]`));
  const tools = list(raw.tools, "tools", LIMITS.tools).map((tool, i) => parseTool(tool, `tools[${i}]`));
  const names = new Set<string>();
  for (const [i, name] of [...tools.map((tool) => tool.name), ...agents.map((a) => `ask_${a.name}`)].entries()) {
    const field = i < tools.length ? `tools[${i}].name` : `agents[${i - tools.length}].name`;
    if (names.has(name)) throw new SpecError(field, `gives a second tool named ${shown(name)} (agents are offered as ask_<name>)`);
    names.add(name);
  }
  const resources = list(raw.resources, "resources", 64).map((r, i) => parseResource(r, `resources[${i}]`, options.folder));
  const total = resources.reduce((n, r) => n + Buffer.byteLength(r.text), 0);
  if (total > LIMITS.resourcesBytes) throw new SpecError("resources", `hold ${total} bytes together; at most ${LIMITS.resourcesBytes} are allowed`);
  const spec: GroupSpec = {
    name: str(raw.name, "name", { max: 200 }),
    brain: str(raw.brain, "brain", { max: 256 }),
    agents,
    defaultMode: given(raw.default_mode) ? parseMode(raw.default_mode, "default_mode") : "auto",
    instruction: given(raw.instruction) ? str(raw.instruction, "instruction", { empty: true }) : "",
    tools,
    resources,
    forceTool: parseForceTool(raw.force_tool, names),
  };
  if (given(raw.approval_ttl)) spec.approvalTtlSeconds = int(raw.approval_ttl, "approval_ttl", 1, 30 * 24 * 3600);
  if (agents.length === 0 && spec.defaultMode !== "auto" && spec.defaultMode !== "normal")
    throw new SpecError("default_mode", `${shown(spec.defaultMode)} needs agents; this group has none`);
  return spec;
}

export function parseMode(value: unknown, field: string): GroupMode {
  if (typeof value !== "string" || !GROUP_MODES.includes(value as GroupMode))
    throw new SpecError(field, `must be one of ${GROUP_MODES.join(", ")}, got ${shown(value)}`);
  return value as GroupMode;
}

function parseForceTool(value: unknown, tools: Set<string>): GroupSpec["forceTool"] {
  if (!given(value) || value === "auto") return "auto";
  if (value === "required") return tools.size ? "required" : failForce(value, "there are no tools");
  if (typeof value === "string" && tools.has(value)) return { name: value };
  return failForce(value, `it must be auto, required or a tool's name (${[...tools].join(", ") || "none"})`);
}

const failForce = (value: unknown, why: string): never => {
  throw new SpecError("force_tool", `cannot be ${shown(value)}: ${why}`);
};

function parseAgent(raw: unknown, at: string): GroupAgent {
  if (!isRecord(raw)) throw new SpecError(at, `must be a mapping { name, model, instruction }, got ${shown(raw)}`);
  known(raw, AGENT_FIELDS, `${at}.`);
  const name = str(raw.name, `${at}.name`);
  if (!NAME.test(name)) throw new SpecError(`${at}.name`, `must be 1 to 64 letters, digits, _ or -, got ${shown(name)}`);
  return { name, model: str(raw.model, `${at}.model`, { max: 256 }), instruction: given(raw.instruction) ? str(raw.instruction, `${at}.instruction`, { empty: true }) : "" };
}

function parseTool(raw: unknown, at: string): HttpTool {
  if (!isRecord(raw)) throw new SpecError(at, `must be a mapping, got ${shown(raw)}`);
  known(raw, TOOL_FIELDS, `${at}.`);
  const name = str(raw.name, `${at}.name`);
  if (!NAME.test(name)) throw new SpecError(`${at}.name`, `must be 1 to 64 letters, digits, _ or -, got ${shown(name)}`);
  const parameters = given(raw.parameters) ? raw.parameters : { type: "object", properties: {} };
  if (!isRecord(parameters)) throw new SpecError(`${at}.parameters`, `must be a JSON schema object, got ${shown(parameters)}`);
  const compiled = compileSchema(parameters);
  if (typeof compiled === "string") throw new SpecError(`${at}.parameters`, `is not a valid JSON schema: ${compiled}`);
  const method = (given(raw.method) ? str(raw.method, `${at}.method`).toUpperCase() : "GET") as HttpMethod;
  if (!HTTP_METHODS.includes(method)) throw new SpecError(`${at}.method`, `must be one of ${HTTP_METHODS.join(", ")}, got ${shown(raw.method)}`);
  const url = parseUrl(raw.url, `${at}.url`, parameters);
  const headers: Record<string, string> = {};
  if (given(raw.headers)) {
    if (!isRecord(raw.headers)) throw new SpecError(`${at}.headers`, `must be a mapping of header name to value, got ${shown(raw.headers)}`);
    for (const [key, value] of Object.entries(raw.headers)) {
      if (!/^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/.test(key)) throw new SpecError(`${at}.headers`, `has an invalid header name ${shown(key)}`);
      headers[key] = str(value, `${at}.headers.${key}`, { empty: true, max: 8192 });
      try {
        secretNames(headers[key]!);
      } catch (error) {
        throw new SpecError(`${at}.headers.${key}`, (error as Error).message);
      }
    }
  }
  const body = given(raw.body) ? raw.body : ["POST", "PUT", "PATCH"].includes(method) ? "arguments" : "none";
  if (body !== "arguments" && body !== "none") throw new SpecError(`${at}.body`, `must be "arguments" (the arguments as JSON) or "none", got ${shown(body)}`);
  const approval = given(raw.approval) ? raw.approval : "never";
  if (approval !== "required" && approval !== "never") throw new SpecError(`${at}.approval`, `must be "required" or "never", got ${shown(approval)}`);
  const allowPrivate = given(raw.allow_private) ? raw.allow_private : false;
  if (typeof allowPrivate !== "boolean") throw new SpecError(`${at}.allow_private`, `must be true or false, got ${shown(allowPrivate)}`);
  const tool: HttpTool = {
    name,
    parameters,
    method,
    url,
    headers,
    body,
    timeoutMs: given(raw.timeout_ms) ? int(raw.timeout_ms, `${at}.timeout_ms`, 1, LIMITS.maxTimeoutMs) : LIMITS.defaultTimeoutMs,
    maxResponseBytes: given(raw.max_response_bytes) ? int(raw.max_response_bytes, `${at}.max_response_bytes`, 1, LIMITS.maxResponseBytes) : LIMITS.defaultResponseBytes,
    approval,
    allowPrivate,
  };
  if (given(raw.description)) tool.description = str(raw.description, `${at}.description`, { empty: true, max: 4096 });
  return tool;
}

/** An http(s) URL once its placeholders are filled; each placeholder names an argument. */
function parseUrl(value: unknown, field: string, parameters: Record<string, unknown>): string {
  const url = str(value, field, { max: 4096 });
  let placeholders: string[];
  try {
    placeholders = urlPlaceholders(url);
    secretNames(url);
  } catch (error) {
    throw new SpecError(field, (error as Error).message);
  }
  const properties = isRecord(parameters.properties) ? Object.keys(parameters.properties) : [];
  for (const name of placeholders)
    if (!properties.includes(name)) throw new SpecError(field, `uses {${name}}, which is not a property of the tool's parameters`);
  let parsed: URL;
  try {
    parsed = new URL(url.replace(/\{\{secret:[A-Za-z0-9_]+\}\}/g, "x").replace(/\{[A-Za-z0-9_]+\}/g, "x"));
  } catch {
    throw new SpecError(field, `is not a URL: ${shown(url)}`);
  }
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:") throw new SpecError(field, `must be an http or https URL, got ${shown(url)}`);
  return url;
}

function parseResource(raw: unknown, at: string, folder: string | undefined): GroupResource {
  if (!isRecord(raw)) throw new SpecError(at, `must be a mapping { name, text } or { name, path }, got ${shown(raw)}`);
  known(raw, RESOURCE_FIELDS, `${at}.`);
  const name = str(raw.name, `${at}.name`, { max: 200 });
  if (given(raw.path) === given(raw.text)) throw new SpecError(at, "must give either text or path");
  if (given(raw.text)) return { name, text: sized(str(raw.text, `${at}.text`, { empty: true, max: LIMITS.resourceBytes }), `${at}.text`) };
  if (folder === undefined) throw new SpecError(`${at}.path`, "is allowed in the config file only: send the content as text");
  const rel = str(raw.path, `${at}.path`);
  const path = expandPath(folder, rel);
  let size: number;
  try {
    size = statSync(path).size;
  } catch {
    throw new SpecError(`${at}.path`, `names no readable file: ${path}`);
  }
  if (size > LIMITS.resourceBytes) throw new SpecError(`${at}.path`, `is ${size} bytes; a resource holds at most ${LIMITS.resourceBytes}`);
  return { name, path, text: readFileSync(path, "utf8") };
}

function sized(text: string, field: string): string {
  const bytes = Buffer.byteLength(text);
  if (bytes > LIMITS.resourceBytes) throw new SpecError(field, `is ${bytes} bytes; a resource holds at most ${LIMITS.resourceBytes}`);
  return text;
}
