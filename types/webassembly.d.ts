/*
 * The part of the WebAssembly JS API Bedrock uses. TypeScript ships these types only in
 * its DOM library, and @types/node does not declare them; taking all of DOM would bring
 * browser globals into a Node program, so the few we use are declared here.
 */
declare namespace WebAssembly {
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
}
