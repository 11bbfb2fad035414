// llama.cpp's sampling fields, protocol-neutral: spread into each protocol's request schema so
// that every API offers the same samplers, with the same names, defaults and bounds.
import { t } from "elysia";
import { SAMPLING_DEFAULTS as D, type SamplingParams } from "../core/index.ts";
import { Int, opt } from "./common.ts";

/** Fields every protocol has under its own name too (temperature, top_p...) are not here. */
export const LlamaSamplingFields = {
  top_k: opt(Int({ minimum: 0 }), modelDefault("Top-k sampling; 0 = off.", D.topK)),
  min_p: opt(t.Number({ minimum: 0, maximum: 1 }), modelDefault("Min-p sampling; 0 = off.", D.minP)),
  repeat_penalty: opt(t.Number({ minimum: 0 }), modelDefault("Repetition penalty; 1 = off.", D.repeatPenalty)),
  repeat_last_n: opt(Int({ minimum: -1 }), modelDefault("Tokens considered by the penalties; 0 = off, -1 = whole context.", D.repeatLastN)),
  presence_penalty: opt(t.Number({ minimum: -2, maximum: 2 }), modelDefault("Presence penalty.", D.presencePenalty)),
  frequency_penalty: opt(t.Number({ minimum: -2, maximum: 2 }), modelDefault("Frequency penalty.", D.frequencyPenalty)),
  dry_multiplier: opt(t.Number({ minimum: 0 }), modelDefault("DRY multiplier; 0 = off.", D.dryMultiplier)),
  dry_base: opt(t.Number({ minimum: 1 }), modelDefault("DRY base.", D.dryBase)),
  dry_allowed_length: opt(Int({ minimum: 0 }), modelDefault("DRY allowed repetition length.", D.dryAllowedLength)),
  dry_penalty_last_n: opt(Int({ minimum: -1 }), modelDefault("Tokens scanned by DRY; 0 or -1 = whole context.", D.dryPenaltyLastN)),
  dry_sequence_breakers: opt(t.Array(t.String(), { maxItems: 64 }), modelDefault("Strings that break DRY sequences.", [...D.drySequenceBreakers])),
  xtc_probability: opt(t.Number({ minimum: 0, maximum: 1 }), modelDefault("XTC probability; 0 = off.", D.xtcProbability)),
  xtc_threshold: opt(t.Number({ minimum: 0, maximum: 1 }), modelDefault("XTC threshold.", D.xtcThreshold)),
  xtc_min_keep: opt(Int({ minimum: 1 }), modelDefault("XTC minimum tokens kept.", D.xtcMinKeep)),
  ignore_eos: opt(t.Boolean(), "Keep generating past the end-of-generation token (until max tokens or a stop string).", {
    default: false,
  }),
};

type Nullable<T> = T | null | undefined;

/** The wire names of the llama.cpp fields, plus the ones each protocol names the same way. */
export interface SamplingFieldValues {
  temperature?: Nullable<number>;
  top_p?: Nullable<number>;
  top_k?: Nullable<number>;
  min_p?: Nullable<number>;
  repeat_penalty?: Nullable<number>;
  repeat_last_n?: Nullable<number>;
  presence_penalty?: Nullable<number>;
  frequency_penalty?: Nullable<number>;
  dry_multiplier?: Nullable<number>;
  dry_base?: Nullable<number>;
  dry_allowed_length?: Nullable<number>;
  dry_penalty_last_n?: Nullable<number>;
  dry_sequence_breakers?: Nullable<string[]>;
  xtc_probability?: Nullable<number>;
  xtc_threshold?: Nullable<number>;
  xtc_min_keep?: Nullable<number>;
  ignore_eos?: Nullable<boolean>;
  seed?: Nullable<number>;
}

/** A field's doc: the server's default, which a model's config may replace (so no schema `default`,
 *  which Elysia would fill in and hide that the client said nothing). */
export function modelDefault(description: string, serverDefault: unknown): string {
  return `${description} Default: ${JSON.stringify(serverDefault)}, unless the model's config sets its own.`;
}

const FIELDS: [keyof SamplingFieldValues, keyof SamplingParams][] = [
  ["temperature", "temperature"],
  ["top_k", "topK"],
  ["top_p", "topP"],
  ["min_p", "minP"],
  ["repeat_penalty", "repeatPenalty"],
  ["repeat_last_n", "repeatLastN"],
  ["presence_penalty", "presencePenalty"],
  ["frequency_penalty", "frequencyPenalty"],
  ["dry_multiplier", "dryMultiplier"],
  ["dry_base", "dryBase"],
  ["dry_allowed_length", "dryAllowedLength"],
  ["dry_penalty_last_n", "dryPenaltyLastN"],
  ["dry_sequence_breakers", "drySequenceBreakers"],
  ["xtc_probability", "xtcProbability"],
  ["xtc_threshold", "xtcThreshold"],
  ["xtc_min_keep", "xtcMinKeep"],
  ["ignore_eos", "ignoreEos"],
];

/** Only what the request says (null = not said); the engine fills the rest from the model's
 *  defaults, then the server's. A negative seed asks for a random one, over any default seed. */
export function toSampling(b: SamplingFieldValues): Partial<SamplingParams> {
  const sampling: Record<string, unknown> = {};
  for (const [wire, key] of FIELDS) if (b[wire] != null) sampling[key] = b[wire];
  // llama.cpp seeds are uint32; negative means random (llama-server uses -1).
  if (b.seed != null) sampling.seed = b.seed >= 0 ? b.seed % 2 ** 32 : undefined;
  return sampling as Partial<SamplingParams>;
}
