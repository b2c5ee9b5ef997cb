/**
 * Loads the WebAssembly kernels compiled from wasm/<name>.ts by `npm run build:wasm`.
 * The path is resolved from this file, which sits two levels under the repository root
 * both as src/compute/wasm.ts (tests, tsx) and as dist/compute/wasm.js (the build).
 * Instances are cached per thread: each worker thread gets its own memory.
 */
import { readFileSync } from 'node:fs';

const instances = new Map<string, WebAssembly.Instance>();

export function wasmPath(name: string): URL {
  return new URL(`../../wasm/build/${name}.wasm`, import.meta.url);
}

export function loadWasm<Exports extends WebAssembly.Exports>(name: string): Exports {
  let instance = instances.get(name);
  if (instance === undefined) {
    const path = wasmPath(name);
    let bytes: Buffer;
    try {
      bytes = readFileSync(path);
    } catch (cause) {
      throw new Error(`WebAssembly kernel ${name} is missing at ${path.pathname}: run \`npm run build:wasm\``, { cause });
    }
    instance = new WebAssembly.Instance(new WebAssembly.Module(bytes), {
      env: {
        abort(_message: number, _file: number, line: number, column: number): never {
          throw new Error(`WebAssembly kernel ${name} aborted at ${line}:${column}`);
        },
      },
    });
    instances.set(name, instance);
  }
  return instance.exports as Exports;
}

/**
 * Forgets a thread's instance, so its memory (which WebAssembly can grow but never shrink)
 * is freed once nothing refers to it; the next loadWasm starts a fresh, small one.
 */
export function releaseWasm(name: string): void {
  instances.delete(name);
}
