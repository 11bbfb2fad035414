// The OpenAPI document (generated from the TypeBox schemas) and Swagger UI, served with
// bundled assets so the docs work without internet access.
import { openapi } from "@elysiajs/openapi";
import { Elysia } from "elysia";
import swaggerBundlePath from "swagger-ui-dist/swagger-ui-bundle.js" with { type: "file" };
import swaggerCssPath from "swagger-ui-dist/swagger-ui.css" with { type: "file" };

const ASSETS = "/openapi/assets";

export function docsPlugin(version: string) {
  return new Elysia({ name: "docs" })
    .get(`${ASSETS}/swagger-ui-bundle.js`, () => new Response(Bun.file(swaggerBundlePath)), { detail: { hide: true } })
    .get(`${ASSETS}/swagger-ui.css`, () => new Response(Bun.file(swaggerCssPath)), { detail: { hide: true } })
    .use(
      openapi({
        path: "/openapi",
        provider: "swagger-ui",
        swagger: { cdn: `${ASSETS}/swagger-ui-bundle.js`, theme: `${ASSETS}/swagger-ui.css`, autoDarkMode: false },
        documentation: {
          info: { title: "bunllama", version, description: "OpenAI- and Anthropic-compatible LLM inference over llama.cpp" },
          tags: [
            { name: "OpenAI", description: "OpenAI Chat Completions and models" },
            { name: "Responses", description: "OpenAI Responses API and stored responses" },
            { name: "Anthropic", description: "Anthropic Messages and token counting" },
            { name: "Models", description: "Configured models: status, aliases, capabilities; loading and unloading" },
            { name: "Admin", description: "API tokens and other administration (needs the admin scope when auth is on)" },
            { name: "Usage", description: "The usage ledger" },
            { name: "Server", description: "Health, metrics and documentation" },
          ],
          // With --auth every route but /health and /openapi needs a token (Bearer or x-api-key).
          components: {
            securitySchemes: {
              bearer: { type: "http", scheme: "bearer", description: "An API token (bl_…), when the server runs with --auth" },
              apiKey: { type: "apiKey", in: "header", name: "x-api-key", description: "The same token, as Anthropic clients send it" },
            },
          },
          security: [{ bearer: [] }, { apiKey: [] }],
        },
      }),
    );
}
