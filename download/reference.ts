// Reading a model reference: an http(s) URL of a GGUF file, or a Hugging Face hub reference
// (`org/repo/path/file.gguf`, `org/repo:QUANT`, `org/repo`, each with an optional `@revision`).
import { DownloadError } from "./errors.ts";

export interface UrlRef {
  kind: "url";
  url: URL;
}

/** One named file of a hub repo. */
export interface HubFileRef {
  kind: "hub-file";
  /** `org/name` */
  repo: string;
  revision: string;
  /** Path inside the repo, folders allowed. */
  file: string;
}

/** A hub repo whose file is chosen from its listing: by quant, else the default pick. */
export interface HubRepoRef {
  kind: "hub-repo";
  repo: string;
  revision: string;
  /** Upper-cased (matching is case-insensitive); undefined = Q4_K_M, Q8_0, else the only model. */
  quant?: string;
}

export type ModelRef = UrlRef | HubFileRef | HubRepoRef;

export const DEFAULT_HUB_ENDPOINT = "https://huggingface.co";
export const DEFAULT_REVISION = "main";

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/; // hub user, org and repo names
const REVISION = /^[A-Za-z0-9][A-Za-z0-9._-]*$/; // branch, tag or commit, without slashes
const QUANT = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/; // Q4_K_M, IQ2_XXS, BF16, UD-Q4_K_XL
// ollama's spelling (hf.co/org/repo:QUANT) and a scheme some tools write.
const HUB_PREFIXES = ["hf://", "hf.co/", "huggingface.co/"];

function invalid(ref: string, why: string): never {
  throw new DownloadError("invalid_ref", `invalid model reference '${ref}': ${why}`);
}

export function parseReference(ref: string): ModelRef {
  const text = ref.trim();
  if (text === "") invalid(ref, "empty");
  if (/^https?:\/\//i.test(text)) return parseUrl(text);
  const prefix = HUB_PREFIXES.find((p) => text.toLowerCase().startsWith(p));
  if (prefix === undefined && /^[a-z][a-z0-9+.-]*:\/\//i.test(text)) {
    invalid(ref, "only http(s) URLs and hub references (org/repo[:QUANT] or org/repo/file.gguf)");
  }
  return parseHub(ref, prefix ? text.slice(prefix.length) : text);
}

function parseUrl(text: string): UrlRef {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    invalid(text, "not a valid URL");
  }
  if (url.pathname.split("/").pop() === "") invalid(text, "the URL names no file");
  // The page URL people copy from the hub's web site serves HTML; /resolve/ serves the bytes.
  if (/^(hf\.co|huggingface\.co)$/i.test(url.hostname)) url.pathname = url.pathname.replace(/^(\/[^/]+\/[^/]+)\/blob\//, "$1/resolve/");
  return { kind: "url", url };
}

function parseHub(ref: string, text: string): HubFileRef | HubRepoRef {
  const parts = text.split("/");
  if (parts.length < 2) invalid(ref, "expected org/repo[:QUANT], org/repo/file.gguf or an http(s) URL");
  const [org, second, ...rest] = parts as [string, string, ...string[]];
  const m = /^([^@:]+)(?:@([^:]+))?(?::(.*))?$/.exec(second);
  if (!m) invalid(ref, `cannot read '${second}' as repo[@revision][:QUANT]`);
  const [, name, revision = DEFAULT_REVISION, quant] = m as unknown as [string, string, string | undefined, string | undefined];
  if (!NAME.test(org) || org.includes("..")) invalid(ref, `bad organisation or user name '${org}'`);
  if (!NAME.test(name) || name.includes("..")) invalid(ref, `bad repo name '${name}'`);
  if (!REVISION.test(revision) || revision.includes("..")) invalid(ref, `bad revision '${revision}'`);
  const repo = `${org}/${name}`;

  if (rest.length > 0) {
    if (quant !== undefined) invalid(ref, "a quant (:QUANT) and a file path cannot be combined");
    for (const segment of rest) {
      if (segment === "" || segment === "." || segment === "..") invalid(ref, "bad file path in the repo");
    }
    const file = rest.join("/");
    if (!file.toLowerCase().endsWith(".gguf")) invalid(ref, `'${file}' is not a .gguf file`);
    return { kind: "hub-file", repo, revision, file };
  }
  if (quant !== undefined && !QUANT.test(quant)) invalid(ref, `bad quant '${quant}'`);
  return { kind: "hub-repo", repo, revision, quant: quant?.toUpperCase() };
}

/** `${endpoint}/org/repo/resolve/rev/path`, the URL the hub serves a file's bytes from. */
export function resolveUrl(endpoint: string, repo: string, revision: string, file: string): string {
  const path = file.split("/").map(encodeURIComponent).join("/");
  return `${trimEndpoint(endpoint)}/${repo}/resolve/${encodeURIComponent(revision)}/${path}`;
}

export function trimEndpoint(endpoint: string): string {
  return endpoint.replace(/\/+$/, "");
}

/** The reference written back in its usual spelling (for messages). */
export function formatReference(ref: ModelRef): string {
  if (ref.kind === "url") return ref.url.href;
  const repo = ref.revision === DEFAULT_REVISION ? ref.repo : `${ref.repo}@${ref.revision}`;
  if (ref.kind === "hub-file") return `${repo}/${ref.file}`;
  return ref.quant ? `${repo}:${ref.quant}` : repo;
}
