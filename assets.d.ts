// Files imported `with { type: "file" }` resolve to their path (bundled into the binary).
declare module "*.so" {
  const path: string;
  export default path;
}
declare module "*.so.0" {
  const path: string;
  export default path;
}
declare module "swagger-ui-dist/swagger-ui-bundle.js" {
  const path: string;
  export default path;
}
declare module "swagger-ui-dist/swagger-ui.css" {
  const path: string;
  export default path;
}
// llama.cpp/PIN, imported `with { type: "text" }`: the pinned llama.cpp release.
declare module "*/PIN" {
  const text: string;
  export default text;
}
