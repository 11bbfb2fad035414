// Renders a conversation into the prompt string with the model's own Jinja chat template.
import { Template } from "@huggingface/jinja";
import type { ChatMessage } from "../core/index.ts";
import { probeCaps, type TemplateCaps } from "./caps.ts";
import { FALLBACK_CHAT_TEMPLATE } from "./fallback.ts";
import { toTemplateMessages } from "./messages.ts";

export class ChatTemplateError extends Error {
  readonly status = 400;
  readonly code = "chat_template_error";
}

export interface ChatTemplateOptions {
  /** `tokenizer.chat_template` from the GGUF, or an override file's text; absent = fallback. */
  template?: string;
  bosToken: string;
  eosToken: string;
  /** The vocab's add_bos flag (llama_vocab_get_add_bos). */
  addBos: boolean;
}

export interface RenderOptions {
  /** Default true: end with the cue that opens the assistant's turn. */
  addGenerationPrompt?: boolean;
  /** OpenAI-shaped tool definitions; an empty list counts as none. */
  tools?: unknown[];
  /** Extra template variables, e.g. { enable_thinking: false }. */
  extra?: Record<string, unknown>;
}

/**
 * Whether the tokenizer should add BOS to this rendered prompt. Many templates already emit
 * `{{ bos_token }}`; adding another gives a double BOS, which degrades output. Rule: add BOS
 * only when the vocab asks for it and the text does not already start with the BOS text
 * (tokenize with parse_special so that text becomes the BOS token).
 */
export function promptNeedsBos(rendered: string, bosToken: string, addBos: boolean): boolean {
  return addBos && !(bosToken !== "" && rendered.startsWith(bosToken));
}

export class ChatTemplate {
  readonly source: string;
  readonly isFallback: boolean;
  readonly caps: TemplateCaps;
  readonly bosToken: string;
  readonly eosToken: string;
  readonly addBos: boolean;
  private readonly compiled: Template;

  constructor(opts: ChatTemplateOptions) {
    this.isFallback = !opts.template;
    this.source = opts.template || FALLBACK_CHAT_TEMPLATE;
    this.bosToken = opts.bosToken;
    this.eosToken = opts.eosToken;
    this.addBos = opts.addBos;
    try {
      this.compiled = new Template(this.source);
    } catch (e) {
      throw new ChatTemplateError(`chat template does not compile: ${errorText(e)}`);
    }
    this.caps = probeCaps((ctx) => this.compiled.render(ctx));
  }

  render(messages: ChatMessage[], opts: RenderOptions = {}): string {
    const ctx: Record<string, unknown> = {
      ...dateVariables(new Date()),
      ...opts.extra,
      messages: toTemplateMessages(messages, {
        objectArguments: this.caps.objectArguments,
        mergeSystem: !this.caps.systemRole,
        toolCallContent: this.caps.toolCallContent,
      }),
      bos_token: this.bosToken,
      eos_token: this.eosToken,
      add_generation_prompt: opts.addGenerationPrompt ?? true,
    };
    // `tools` stays undefined unless given: templates test `tools is defined` / `is not none`
    // and would announce an empty tool list (Llama 3.x), or fail on null.
    const tools = opts.tools?.length ? opts.tools : this.caps.toolsDefault;
    if (tools) ctx.tools = tools;
    try {
      return this.compiled.render(ctx);
    } catch (e) {
      throw new ChatTemplateError(`chat template failed: ${errorText(e)}`);
    }
  }

  /** promptNeedsBos with this model's BOS text and add_bos flag. */
  needsBos(rendered: string): boolean {
    return promptNeedsBos(rendered, this.bosToken, this.addBos);
  }
}

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/**
 * llama.cpp's extra template variables, in local time and the C locale: `date_string`
 * ("%d %b %Y", "30 Nov 2026"; Llama 3.x prints it as "Today Date") and `datetime` ("%b %d %Y").
 */
export function dateVariables(now: Date): { date_string: string; datetime: string } {
  const day = String(now.getDate()).padStart(2, "0");
  const month = MONTHS[now.getMonth()]!;
  const year = now.getFullYear();
  return { date_string: `${day} ${month} ${year}`, datetime: `${month} ${day} ${year}` };
}

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
