// Sampling parameters in protocol-neutral form, with the server-wide defaults every protocol
// starts from (llama-server's, so both servers give a user the same behaviour).

export interface SamplingParams {
  temperature: number;
  topK: number;
  topP: number;
  minP: number;
  repeatPenalty: number;
  /** Tokens considered by the repetition penalties; -1 = whole context, 0 = off. */
  repeatLastN: number;
  presencePenalty: number;
  frequencyPenalty: number;
  dryMultiplier: number;
  dryBase: number;
  dryAllowedLength: number;
  /** 0 = whole context, -1 = whole context as well (llama.cpp convention). */
  dryPenaltyLastN: number;
  drySequenceBreakers: string[];
  xtcProbability: number;
  xtcThreshold: number;
  xtcMinKeep: number;
  /** undefined = random seed. */
  seed?: number;
  /** Never end on the end-of-generation token (llama-server's ignore_eos). */
  ignoreEos?: boolean;
  /** GBNF grammar constraining the output (structured output, forced tool calls). */
  grammar?: string;
  /** The grammar applies only from the first match of one of these patterns (tool_choice auto). */
  grammarTriggers?: string[];
}

export const SAMPLING_DEFAULTS: Readonly<SamplingParams> = Object.freeze({
  temperature: 0.8,
  topK: 40,
  topP: 0.9,
  minP: 0.0,
  repeatPenalty: 1.1,
  repeatLastN: 64,
  presencePenalty: 0,
  frequencyPenalty: 0,
  dryMultiplier: 0.0,
  dryBase: 1.75,
  dryAllowedLength: 2,
  dryPenaltyLastN: 0,
  drySequenceBreakers: Object.freeze(["\n", ":", '"', "*"]) as unknown as string[],
  xtcProbability: 0.0,
  xtcThreshold: 0.1,
  xtcMinKeep: 1,
});

/** The request's own fields over the model's defaults over the server's. */
export function resolveSampling(request: Partial<SamplingParams>, model: Partial<SamplingParams> = {}): SamplingParams {
  return { ...SAMPLING_DEFAULTS, drySequenceBreakers: [...SAMPLING_DEFAULTS.drySequenceBreakers], ...model, ...request };
}
