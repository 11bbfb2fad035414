// The protocol-neutral contract between the HTTP protocols and the engine. Imports nothing of ours.
export * from "./content.ts";
export * from "./errors.ts";
export * from "./generate.ts";
export * from "./sampling.ts";
export * from "./delegatingEngine.ts";
