// llama.cpp's sampling fields, protocol-neutral: spread into each protocol's request schema so
// that every API offers the same samplers, with the same names, defaults and bounds.
import { t } from "elysia";
import { SAMPLING_DEFAULTS as D, type SamplingParams } from "../core/index.ts";
import { Int, opt } from "./common.ts";

/** Fields every protocol has under its own name too (temperature, top_p...) are not here. */
export const LlamaSamplingFields = {
  top_k: opt(Int({ minimum: 0 }), "Top-k sampling; 0 = off.", { default: D.topK }),
  min_p: opt(t.Number({ minimum: 0, maximum: 1 }), "Min-p sampling; 0 = off.", { default: D.minP }),
  repeat_penalty: opt(t.Number({ minimum: 0 }), "Repetition penalty; 1 = off.", { default: D.repeatPenalty }),
  repeat_last_n: opt(Int({ minimum: -1 }), "Tokens considered by the penalties; 0 = off, -1 = whole context.", {
    default: D.repeatLastN,
  }),
  presence_penalty: opt(t.Number({ minimum: -2, maximum: 2 }), "Presence penalty.", { default: D.presencePenalty }),
  frequency_penalty: opt(t.Number({ minimum: -2, maximum: 2 }), "Frequency penalty.", { default: D.frequencyPenalty }),
  dry_multiplier: opt(t.Number({ minimum: 0 }), "DRY multiplier; 0 = off.", { default: D.dryMultiplier }),
  dry_base: opt(t.Number({ minimum: 1 }), "DRY base.", { default: D.dryBase }),
  dry_allowed_length: opt(Int({ minimum: 0 }), "DRY allowed repetition length.", { default: D.dryAllowedLength }),
  dry_penalty_last_n: opt(Int({ minimum: -1 }), "Tokens scanned by DRY; 0 or -1 = whole context.", {
    default: D.dryPenaltyLastN,
  }),
  dry_sequence_breakers: opt(t.Array(t.String(), { maxItems: 64 }), "Strings that break DRY sequences.", {
    default: [...D.drySequenceBreakers],
  }),
  xtc_probability: opt(t.Number({ minimum: 0, maximum: 1 }), "XTC probability; 0 = off.", { default: D.xtcProbability }),
  xtc_threshold: opt(t.Number({ minimum: 0, maximum: 1 }), "XTC threshold.", { default: D.xtcThreshold }),
  xtc_min_keep: opt(Int({ minimum: 1 }), "XTC minimum tokens kept.", { default: D.xtcMinKeep }),
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

/** Request fields over the server-wide defaults; a negative seed means random. */
export function toSampling(b: SamplingFieldValues, defaults: Readonly<SamplingParams> = D): SamplingParams {
  return {
    temperature: b.temperature ?? defaults.temperature,
    topK: b.top_k ?? defaults.topK,
    topP: b.top_p ?? defaults.topP,
    minP: b.min_p ?? defaults.minP,
    repeatPenalty: b.repeat_penalty ?? defaults.repeatPenalty,
    repeatLastN: b.repeat_last_n ?? defaults.repeatLastN,
    presencePenalty: b.presence_penalty ?? defaults.presencePenalty,
    frequencyPenalty: b.frequency_penalty ?? defaults.frequencyPenalty,
    dryMultiplier: b.dry_multiplier ?? defaults.dryMultiplier,
    dryBase: b.dry_base ?? defaults.dryBase,
    dryAllowedLength: b.dry_allowed_length ?? defaults.dryAllowedLength,
    dryPenaltyLastN: b.dry_penalty_last_n ?? defaults.dryPenaltyLastN,
    drySequenceBreakers: b.dry_sequence_breakers ?? [...defaults.drySequenceBreakers],
    xtcProbability: b.xtc_probability ?? defaults.xtcProbability,
    xtcThreshold: b.xtc_threshold ?? defaults.xtcThreshold,
    xtcMinKeep: b.xtc_min_keep ?? defaults.xtcMinKeep,
    ignoreEos: b.ignore_eos === true,
    // llama.cpp seeds are uint32; negative means random (llama-server uses -1).
    seed: b.seed != null && b.seed >= 0 ? b.seed % 2 ** 32 : defaults.seed,
  };
}
