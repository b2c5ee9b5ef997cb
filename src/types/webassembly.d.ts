/**
 * The slice of the WebAssembly JS API crunch uses. TypeScript ships these types only in
 * lib.dom, which a server must not pull in, and @types/node 20 does not declare them.
 */
declare namespace WebAssembly {
  type ExportValue = ((...args: never[]) => unknown) | Memory | Global;
  type Exports = Record<string, ExportValue>;
  type ImportValue = ((...args: never[]) => unknown) | Memory | Global | number;
  type Imports = Record<string, Record<string, ImportValue>>;

  class Module {
    constructor(bytes: ArrayBufferView | ArrayBuffer);
  }
  class Instance {
    constructor(module: Module, imports?: Imports);
    readonly exports: Exports;
  }
  interface MemoryDescriptor {
    initial: number;
    maximum?: number;
    shared?: boolean;
  }
  class Memory {
    constructor(descriptor: MemoryDescriptor);
    readonly buffer: ArrayBuffer;
    grow(delta: number): number;
  }
  class Global {
    value: unknown;
  }
  function validate(bytes: ArrayBufferView | ArrayBuffer): boolean;
}
