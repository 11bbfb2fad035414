// DeepSeek V3 / R1 / V3.1: <｜tool▁calls▁begin｜><｜tool▁call▁begin｜>function<｜tool▁sep｜>NAME\n```json\n{...}\n```<｜tool▁call▁end｜>...
// (V3.2 and V4 write DSML markup instead, not handled here.)
import { alt, literal } from "../grammar/gbnf.ts";
import { deepseekFormat } from "../parsers/deepseek.ts";
import { anywhere, type ModelFamily } from "./types.ts";

export const deepseek: ModelFamily<"deepseek"> = {
  name: "deepseek",
  detect: (src) => src.includes("tool▁calls▁begin") || src.includes("tool▁call▁begin"),
  detectFromMetadata: ({ architecture = "", name = "" }) => architecture.toLowerCase().startsWith("deepseek") || name.toLowerCase().includes("deepseek"),
  markup: () => deepseekFormat(),
  toolCalls: {
    triggers: [anywhere("<｜tool▁calls▁begin｜>")],
    grammar: (g) => {
      const call = g.rules.rule(
        "tool-call",
        alt(g.tools.map((tool) => `"<｜tool▁call▁begin｜>function<｜tool▁sep｜>" ${literal(tool.name)} "\\n\`\`\`json\\n" ${g.args(tool)} "\\n\`\`\`<｜tool▁call▁end｜>"`)),
      );
      return `"<｜tool▁calls▁begin｜>" ${g.repeated(call, `"\\n"`)} "<｜tool▁calls▁end｜>"`;
    },
  },
  toolCallIds: "prefixed",
};
