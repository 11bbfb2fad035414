// Used when the GGUF carries no `tokenizer.chat_template` and no override was given.
//
// A model without a template is almost always a base model (e.g. stories260K): ChatML markers
// are unseen strings to it, while a plain "User:/Assistant:" transcript is text it can
// continue. So unlike llama-server (which falls back to ChatML) we render a transcript.
export const FALLBACK_CHAT_TEMPLATE = `{%- for message in messages -%}
{%- if message.role == 'system' -%}{{- 'System:' -}}
{%- elif message.role == 'user' -%}{{- 'User:' -}}
{%- elif message.role == 'assistant' -%}{{- 'Assistant:' -}}
{%- else -%}{{- 'Tool result:' -}}
{%- endif -%}
{%- if message.content -%}{{- ' ' + message.content -}}{%- endif -%}
{%- if message.tool_calls is defined -%}
{%- for call in message.tool_calls -%}
{{- '\\n[call ' + call.function.name + ' ' + (call.function.arguments | tojson) + ']' -}}
{%- endfor -%}
{%- endif -%}
{{- '\\n\\n' -}}
{%- endfor -%}
{%- if add_generation_prompt -%}{{- 'Assistant:' -}}{%- endif -%}`;

/** A stop string that ends the assistant's turn under the fallback transcript. */
export const FALLBACK_STOP = "\nUser:";
