// TypeBox schemas of the groups extension: POST /v1/chat/resume and the /v1/admin/groups bodies.
// Group bodies are checked field by field by groups/spec.ts (messages name the field); the schema
// here gives their shape to the OpenAPI document.
import { t } from "elysia";
import { Int, opt } from "./common.ts";
import { ChatCompletionRequest, ChatMessage } from "./openai-chat.ts";

// ---- resume ----

export const DeniedTool = t.Object(
  {
    tool_execution_id: t.String({ description: "The id of a pending tool call (its `tool_calls[].id`)." }),
    reason: opt(t.String({ maxLength: 4096 }), "Why: the model reads `denied by the user: <reason>`."),
  },
  { additionalProperties: false },
);

export const ChatResumeRequest = t.Object(
  {
    ...ChatCompletionRequest.properties,
    model: t.Optional(t.String({ description: "The group (`group:<uuid>`); default: the approval's group. Another group is a 400." })),
    messages: opt(
      t.Array(ChatMessage),
      "Added after the decided calls' results: a new user message, and `tool` messages answering the client's own tool calls of the paused turn.",
    ),
    approval_id: t.String({ minLength: 1, maxLength: 128, description: "`kitemesh.approval_id` of the paused answer." }),
    approved_tool_execution_ids: opt(t.Array(t.String(), { maxItems: 64 }), "Pending calls to run."),
    denied_tools: opt(t.Array(DeniedTool, { maxItems: 64 }), "Pending calls refused, each with an optional reason. A pending call in neither list is denied."),
  },
  { additionalProperties: true, description: "Continue a group execution paused for approval. The other Chat Completions fields apply to the continuation." },
);
export type ChatResumeRequest = typeof ChatResumeRequest.static;

// ---- admin ----

const HttpToolBody = t.Object(
  {
    name: t.String({ description: "Function name (letters, digits, _ and -)." }),
    description: t.Optional(t.String()),
    parameters: t.Optional(t.Record(t.String(), t.Unknown(), { description: "JSON schema of the arguments; checked before every call." })),
    method: t.Optional(t.String({ description: "GET (default), POST, PUT, PATCH or DELETE." })),
    url: t.String({ description: "http(s) URL; `{arg}` placeholders are filled with the URL-encoded argument, `{{secret:NAME}}` with a secret." }),
    headers: t.Optional(t.Record(t.String(), t.String(), { description: "Values may hold `{{secret:NAME}}`." })),
    body: t.Optional(t.String({ description: '"arguments" (JSON; default for POST, PUT, PATCH) or "none".' })),
    timeout_ms: t.Optional(Int({ description: "Whole call, default 10000, at most 120000." })),
    max_response_bytes: t.Optional(Int({ description: "The model reads at most this much of the answer (default 65536, at most 1 MiB)." })),
    approval: t.Optional(t.String({ description: '"never" (default) or "required": the execution pauses until a person approves the call.' })),
    allow_private: t.Optional(t.Boolean({ description: "Allow loopback and private addresses (an internal service)." })),
  },
  { additionalProperties: true },
);

export const GroupBody = t.Object(
  {
    id: t.Optional(t.String({ description: "A UUID (create only); default: a new one." })),
    name: t.String(),
    brain: t.String({ description: "The main model: an id or alias." }),
    agents: t.Optional(t.Array(t.Object({ name: t.String(), model: t.String(), instruction: t.Optional(t.String()) }, { additionalProperties: true }))),
    default_mode: t.Optional(t.String({ description: "auto (default), normal, orchestration or synthesis." })),
    instruction: t.Optional(t.String({ description: "The brain's system instruction." })),
    tools: t.Optional(t.Array(HttpToolBody)),
    resources: t.Optional(
      t.Array(
        t.Object(
          { name: t.String(), text: t.Optional(t.String({ description: "At most 64 KiB; 256 KiB for all of a group's. (`path`, a file, only in the config file.)" })) },
          { additionalProperties: true },
        ),
      ),
    ),
    force_tool: t.Optional(t.String({ description: "Tool choice of the brain's first step: auto (default), required, or a tool's name." })),
    approval_ttl: t.Optional(Int({ description: "Seconds a paused execution waits (default: the server's, 900)." })),
  },
  { additionalProperties: true, description: "A group. Unknown fields are refused with a 400 naming them." },
);

export const GroupPatch = t.Partial(GroupBody, { additionalProperties: true, description: "Fields to change; the others are kept." });

export const GroupObject = t.Object(
  {
    id: t.String(),
    object: t.Literal("group"),
    model: t.String({ description: "What clients send as `model`: `group:<id>`." }),
    source: t.Union([t.Literal("config"), t.Literal("api")], { description: "config: from the config file, read-only here." }),
    created_at: Int(),
    updated_at: Int(),
  },
  { additionalProperties: true, description: "A group: the body's fields (snake_case) with their defaults filled." },
);

export const GroupList = t.Object({ object: t.Literal("list"), data: t.Array(GroupObject) });
export const GroupDeleted = t.Object({ id: t.String(), object: t.Literal("group.deleted"), deleted: t.Boolean() });
