// Entry point of the standalone binary (`make binary`): embeds the native libraries, then runs
// the same main() as `bun run server.ts`. Runners re-execute this binary with `runner`.
import { useEmbeddedLibraries } from "../ffi/library.ts";
import ggmlBase from "../llama.cpp/build/bin/libggml-base.so.0" with { type: "file" };
import ggmlCpu from "../llama.cpp/build/bin/libggml-cpu.so.0" with { type: "file" };
import ggml from "../llama.cpp/build/bin/libggml.so.0" with { type: "file" };
import llama from "../llama.cpp/build/bin/libllama.so.0" with { type: "file" };
import mtmd from "../llama.cpp/build/bin/libmtmd.so.0" with { type: "file" };
import shim from "../llama.cpp/build/bin/libshim.so" with { type: "file" };
import { main } from "../server.ts";

useEmbeddedLibraries([
  { path: ggmlBase, symbol: "ggml_time_us" },
  { path: ggmlCpu, symbol: "ggml_backend_cpu_init" },
  { path: ggml, symbol: "ggml_backend_load_all" },
  { path: llama, symbol: "llama_backend_init" },
  { path: mtmd, symbol: "mtmd_default_marker" },
  { path: shim, symbol: "shim_log_capture" },
]);
await main(process.argv.slice(2));
