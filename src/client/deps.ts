/**
 * The provider's dependencies, browser-safe: Yjs, y-protocols and lib0 (no Node API). They ship
 * CommonJS bundles for this CommonJS build and ES modules for bundlers (esbuild resolves either);
 * their types are ES modules, hence require() typed from the declarations.
 */
import type * as YModule from "yjs" with { "resolution-mode": "import" };
import type * as SyncModule from "y-protocols/sync" with { "resolution-mode": "import" };
import type * as AwarenessModule from "y-protocols/awareness" with { "resolution-mode": "import" };
import type * as EncodingModule from "lib0/encoding" with { "resolution-mode": "import" };
import type * as DecodingModule from "lib0/decoding" with { "resolution-mode": "import" };
import type * as BufferModule from "lib0/buffer" with { "resolution-mode": "import" };

/* eslint-disable @typescript-eslint/no-require-imports */
export const Y: typeof YModule = require("yjs") as typeof YModule;
export const syncProtocol: typeof SyncModule = require("y-protocols/sync") as typeof SyncModule;
export const awarenessProtocol: typeof AwarenessModule = require("y-protocols/awareness") as typeof AwarenessModule;
export const encoding: typeof EncodingModule = require("lib0/encoding") as typeof EncodingModule;
export const decoding: typeof DecodingModule = require("lib0/decoding") as typeof DecodingModule;
const buffer: typeof BufferModule = require("lib0/buffer") as typeof BufferModule;
/* eslint-enable @typescript-eslint/no-require-imports */

export type YDoc = YModule.Doc;
export type Awareness = AwarenessModule.Awareness;
export type Encoder = EncodingModule.Encoder;

export const toBase64 = (bytes: Uint8Array): string => buffer.toBase64(bytes);
export const fromBase64 = (text: string): Uint8Array => buffer.fromBase64(text);
