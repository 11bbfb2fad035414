// Which free sequence a new prompt goes to. Like llama-server's slot selection by similarity:
// the one whose cached tokens share the longest prefix with the prompt, when that prefix is a
// real part of it (a chat template's first few tokens are shared by every prompt); otherwise
// the one that served the same cache key, else the least recently used, so that the caches
// most likely to be asked for again survive longest.
import { sharedPrefix } from "./prefix.ts";

export interface SlotMemory {
  /** Tokens the sequence's KV holds. */
  tokens: Int32Array;
  lastUsed: number;
  /** The cache key of the request that filled it. */
  key?: string;
}

/** Shared prefixes shorter than this part of the prompt do not make a sequence "similar". */
const SIMILARITY = 0.1;

export function chooseSlot(free: number[], memory: SlotMemory[], prompt: Int32Array, options: { reuse: boolean; key?: string }): number {
  const keyed = (slot: number) => options.key !== undefined && memory[slot]!.key === options.key;
  if (options.reuse) {
    const threshold = Math.max(1, Math.ceil(prompt.length * SIMILARITY));
    let best = { slot: -1, shared: 0 };
    for (const slot of free) {
      const shared = sharedPrefix(memory[slot]!.tokens, prompt);
      const better =
        shared > best.shared ||
        (shared === best.shared && best.slot >= 0 && (keyed(slot) ? !keyed(best.slot) : !keyed(best.slot) && memory[slot]!.lastUsed < memory[best.slot]!.lastUsed));
      if (shared >= threshold && better) best = { slot, shared };
    }
    if (best.slot >= 0) return best.slot;
  }
  return free.find(keyed) ?? leastRecentlyUsed(free, memory);
}

export function leastRecentlyUsed(free: number[], memory: SlotMemory[]): number {
  return free.reduce((a, b) => (memory[b]!.lastUsed < memory[a]!.lastUsed ? b : a));
}
