// A long system prompt for the conversation phase: a made-up operations manual with a tool
// catalogue and policies, generated from word lists by a seeded PRNG, so the text is varied
// (real-looking tokens, not one word repeated) and the same on every run.

const VERBS = ["archive", "audit", "book", "cancel", "classify", "compare", "compress", "convert", "draft", "estimate",
  "export", "fetch", "flag", "forecast", "import", "index", "inspect", "label", "locate", "merge", "notify", "order",
  "plan", "price", "publish", "reconcile", "refund", "rename", "reserve", "restore", "route", "schedule", "score",
  "split", "summarize", "sync", "tag", "track", "translate", "validate"];
const NOUNS = ["invoice", "shipment", "pallet", "container", "customer", "supplier", "warehouse", "route", "driver",
  "ticket", "contract", "manifest", "parcel", "forklift", "dock", "order", "quote", "payment", "receipt", "report",
  "calendar", "inventory", "barcode", "vessel", "permit", "claim", "tariff", "zone", "crate", "timesheet"];
const ADJECTIVES = ["overdue", "fragile", "refrigerated", "oversized", "priority", "pending", "damaged", "returned",
  "domestic", "international", "weekly", "archived", "hazardous", "partial", "express", "seasonal", "bulk", "draft"];
const PARAMS: [string, string][] = [["id", "string"], ["region", "string"], ["since", "date"], ["until", "date"],
  ["limit", "integer"], ["currency", "string"], ["weight_kg", "number"], ["notes", "string"], ["priority", "integer"],
  ["dry_run", "boolean"], ["owner", "string"], ["format", "string"], ["language", "string"], ["threshold", "number"]];
const REASONS = ["before the end of the business day", "when a customer asks for a status update",
  "only after the supervisor approved it", "if the previous attempt failed", "for audits and monthly reports",
  "whenever the numbers do not add up", "at most once per hour", "when the dock is closed for maintenance"];
const PLACES = ["Rotterdam", "Lagos", "Osaka", "Valparaíso", "Gdańsk", "Halifax", "Mombasa", "Tromsø", "Durban", "Busan"];

/** A small deterministic PRNG (mulberry32). */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const upper = (s: string) => s[0]!.toUpperCase() + s.slice(1);
const a = (word: string) => `${/^[aeiou]/.test(word) ? "an" : "a"} ${word}`;
const third = (verb: string) => upper(/(s|x|ch|sh)$/.test(verb) ? `${verb}es` : `${verb}s`);

/** About 1,500 tokens with Qwen2.5's tokenizer. The conversation number comes first, so two
 *  conversations share no prefix beyond the chat template's opening tokens. */
export function systemPrompt(conversation: number, tools = 14): string {
  const rand = prng(20261201);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
  const lines = [
    `Conversation ${String(conversation).padStart(3, "0")}.`,
    "You are the operations assistant of Harbor & Pine Logistics, a freight company with warehouses in " +
      `${PLACES.slice(0, 6).join(", ")} and partner docks in ${PLACES.slice(6).join(", ")}.`,
    "Answer briefly and precisely. Call a tool only when the user's request needs live data.",
    "",
    "## Tools",
  ];
  const used = new Set<string>();
  while (used.size < tools) {
    const name = `${pick(VERBS)}_${pick(NOUNS)}`;
    if (used.has(name)) continue;
    used.add(name);
    const [verb, noun] = name.split("_") as [string, string];
    lines.push(`### ${name}`);
    lines.push(
      `${third(verb)} ${a(pick(ADJECTIVES))} ${noun} in ${pick(PLACES)} and returns the updated record. ` +
        `Use it ${pick(REASONS)}; never ${verb} ${a(pick(ADJECTIVES))} ${noun} ${pick(REASONS)}.`,
    );
    const params = new Set<number>();
    const count = 2 + Math.floor(rand() * 3);
    while (params.size < count) params.add(Math.floor(rand() * PARAMS.length));
    for (const i of params) {
      const [p, type] = PARAMS[i]!;
      lines.push(`- ${p} (${type}${rand() < 0.5 ? ", required" : ""}): the ${pick(ADJECTIVES)} ${noun}'s ${p.replace("_", " ")}.`);
    }
  }
  lines.push("", "## Policies");
  for (let i = 1; i <= 12; i++) {
    lines.push(
      `${i}. ${upper(a(pick(ADJECTIVES)))} ${pick(NOUNS)} from ${pick(PLACES)} must be checked ${pick(REASONS)}, ` +
        `and the ${pick(NOUNS)} owner is told ${pick(REASONS)}.`,
    );
  }
  return lines.join("\n");
}

/** The user's messages, one per turn (cycled when there are more turns). */
export const USER_TURNS = [
  "Which tool should I use to find a damaged parcel in Osaka? One sentence.",
  "And if the parcel was refrigerated, does any policy change that?",
  "Summarize the last answer in five words.",
  "Which warehouse handles hazardous crates?",
  "Draft a one-line note to the driver about the overdue manifest.",
  "What should I check before closing the dock tonight?",
];
