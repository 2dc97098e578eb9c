// workerd refuses to compile wasm from bytes at run time, so wasm arrives pre-compiled as a module
// import (wrangler's default CompiledWasm rule for *.wasm; the vitest pool does the same).
declare module "*.wasm" {
  const module: WebAssembly.Module;
  export default module;
}
