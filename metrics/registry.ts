// The Prometheus metrics of one server, in a Registry of their own (not prom-client's global
// one), so tests and several apps in one process never share counts.
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from "prom-client";
import type { ModelStats } from "../engine/registry.ts";

export type { ModelStats };

/** Seconds until the first output a client can see; prompts of a few thousand tokens on a CPU take tens of seconds. */
const TTFT_BUCKETS = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 40, 80];
/** Seconds per generated token: tiny models reach 1 ms, large ones on a CPU 1 s. */
const TPOT_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.25, 0.5, 1, 2.5];
/** How often the event-loop-lag monitor samples. */
const EVENT_LOOP_RESOLUTION_MS = 100;
const DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300];

export interface ServerMetrics {
  registry: Registry;
  requests: Counter<"route" | "status" | "model">;
  requestDuration: Histogram<"route">;
  promptTokens: Counter<"model">;
  cachedPromptTokens: Counter<"model">;
  completionTokens: Counter<"model">;
  reasoningTokens: Counter<"model">;
  timeToFirstToken: Histogram<"model">;
  timePerOutputToken: Histogram<"model">;
}

export interface MetricsOptions {
  /** prom-client's process and runtime metrics (CPU, memory, open files, event loop lag). Default true. */
  defaultMetrics?: boolean;
}

export function createMetricsRegistry(engineStats: () => ModelStats[], options: MetricsOptions = {}): ServerMetrics {
  const registry = new Registry();
  const registers = [registry];
  // The event-loop-lag monitor is a timer: prom-client's 10 ms default woke the server 100 times a
  // second, each wake-up taking a core from llama.cpp's threads; 100 ms still shows any stall.
  if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: registry, eventLoopMonitoringPrecision: EVENT_LOOP_RESOLUTION_MS });

  const perModel = (name: string, help: string) => new Counter<"model">({ name, help, labelNames: ["model"], registers });

  // Read from the engine at scrape time: reset first, so every model is reported as it is now.
  new Gauge({
    name: "bunllama_queue_depth",
    help: "Requests waiting for a free sequence or for their model to load",
    labelNames: ["model"],
    registers,
    collect() {
      this.reset();
      for (const s of engineStats()) this.set({ model: s.id }, s.queued);
    },
  });
  new Gauge({
    name: "bunllama_active_sequences",
    help: "Sequences decoding now (a request with n choices holds n)",
    labelNames: ["model"],
    registers,
    collect() {
      this.reset();
      for (const s of engineStats()) this.set({ model: s.id }, s.running);
    },
  });
  new Gauge({
    name: "bunllama_model_loaded",
    help: "1 while the model is loaded, 0 otherwise",
    labelNames: ["model"],
    registers,
    collect() {
      this.reset();
      for (const s of engineStats()) this.set({ model: s.id }, s.loaded ? 1 : 0);
    },
  });
  new Counter({
    name: "bunllama_runner_restarts_total",
    help: "Runner processes restarted after a crash",
    labelNames: ["model"],
    registers,
    collect() {
      // The engine keeps the running total; a counter has no set(), so reset and add it.
      this.reset();
      for (const s of engineStats()) this.inc({ model: s.id }, s.restarts);
    },
  });

  return {
    registry,
    requests: new Counter({
      name: "bunllama_requests_total",
      help: "HTTP requests answered, by route pattern, status and model id (\"\" when none or unknown)",
      labelNames: ["route", "status", "model"],
      registers,
    }),
    requestDuration: new Histogram({
      name: "bunllama_request_duration_seconds",
      help: "Seconds from a request's arrival until its answer is complete (a stream's last byte)",
      labelNames: ["route"],
      buckets: DURATION_BUCKETS,
      registers,
    }),
    promptTokens: perModel("bunllama_prompt_tokens_total", "Prompt tokens of finished generations"),
    cachedPromptTokens: perModel("bunllama_cached_prompt_tokens_total", "Prompt tokens served from the prompt cache instead of being processed"),
    completionTokens: perModel("bunllama_completion_tokens_total", "Generated tokens (reasoning included)"),
    reasoningTokens: perModel("bunllama_reasoning_tokens_total", "Generated tokens spent on reasoning"),
    timeToFirstToken: new Histogram({
      name: "bunllama_time_to_first_token_seconds",
      help: "Seconds from the start of a generation (queueing and loading included) to its first output, or to its end when it has none",
      labelNames: ["model"],
      buckets: TTFT_BUCKETS,
      registers,
    }),
    timePerOutputToken: new Histogram({
      name: "bunllama_time_per_output_token_seconds",
      help: "Decoding seconds per generated token, one observation per finished choice (its generation time / its tokens)",
      labelNames: ["model"],
      buckets: TPOT_BUCKETS,
      registers,
    }),
  };
}
