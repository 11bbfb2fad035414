// What a template accepts, found by rendering probe conversations once at load time
// (the same idea as llama.cpp's common/jinja/caps.cpp), so render() can adapt per template.

export interface TemplateCaps {
  /** Define `tools` as [] when the request has none: @huggingface/jinja throws on
   *  `for t in tools` / `tools|length` over an undefined value where Python's jinja2 yields
   *  nothing (Hermes, Cohere command-r tool_use, Apriel 1.5, functionary). */
  toolsDefault: unknown[] | undefined;
  /** False when the template rejects or drops a system message (e.g. gemma-2). */
  systemRole: boolean;
  /** Tool-call arguments as a mapping (most templates) or as JSON text (e.g. templates that
   *  concatenate `'...' + arguments`). */
  objectArguments: boolean;
  /** Content of an assistant turn that only calls tools: "" (llama-server's choice) or null,
   *  for templates that render calls only `if message.content is none` (DeepSeek-R1-Distill). */
  toolCallContent: "" | null;
}

type Render = (ctx: Record<string, unknown>) => string;

const MARK = "probe-7d1c";

function attempt(render: Render, ctx: Record<string, unknown>): string | undefined {
  try {
    return render({ bos_token: "", eos_token: "", add_generation_prompt: true, ...ctx });
  } catch {
    return undefined;
  }
}

const probeTool = {
  type: "function",
  function: {
    name: "probe_tool",
    description: "probe",
    parameters: { type: "object", properties: { arg: { type: "string", description: "probe" } }, required: ["arg"] },
  },
};

function toolConversation(args: unknown, content: "" | null) {
  return [
    { role: "user", content: "u1" },
    {
      role: "assistant",
      content,
      tool_calls: [{ id: "call00001", type: "function", function: { name: "probe_tool", arguments: args } }],
    },
    { role: "tool", content: "r", tool_call_id: "call00001", name: "probe_tool" },
    { role: "assistant", content: "a" },
    { role: "user", content: "u2" },
  ];
}

export function probeCaps(render: Render): TemplateCaps {
  const user = [{ role: "user", content: "u" }];
  const toolsDefault =
    attempt(render, { messages: user }) === undefined && attempt(render, { messages: user, tools: [] }) !== undefined
      ? []
      : undefined;
  const base = toolsDefault ? { tools: toolsDefault } : {};

  const sys = attempt(render, { ...base, messages: [{ role: "system", content: MARK }, ...user] });
  const systemRole = sys !== undefined && sys.includes(MARK);

  // The first shape whose arguments show up in the output wins; default: object and "".
  let objectArguments = true;
  let toolCallContent: "" | null = "";
  for (const [object, content] of [[true, ""], [false, ""], [true, null], [false, null]] as const) {
    const args = object ? { arg: MARK } : `{"arg": "${MARK}"}`;
    const out = attempt(render, { tools: [probeTool], messages: toolConversation(args, content) });
    if (out?.includes(MARK)) {
      objectArguments = object;
      toolCallContent = content;
      break;
    }
  }
  return { toolsDefault, systemRole, objectArguments, toolCallContent };
}
