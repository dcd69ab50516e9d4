/**
 * The two runtime globals this package relies on, declared by hand because it compiles with
 * `types: []` (no Node types) and without the DOM lib. Both exist in every JavaScript runtime we
 * target: Node, Deno, Bun, browsers and Workers. Nothing here appears in the public API.
 */
declare class TextEncoder {
  encode(input?: string): Uint8Array;
}

declare class TextDecoder {
  constructor(label?: string, options?: { fatal?: boolean; ignoreBOM?: boolean });
  decode(input?: Uint8Array, options?: { stream?: boolean }): string;
}
