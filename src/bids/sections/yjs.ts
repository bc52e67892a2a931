/**
 * Yjs and y-protocols for this CommonJS build. The packages ship CommonJS bundles (`require`
 * exports) but types that TypeScript reads as ES modules, so they are loaded with require() and
 * typed from the modules' declarations. One copy of Yjs: y-protocols requires the same bundle.
 */
import type * as YModule from "yjs" with { "resolution-mode": "import" };
import type * as SyncModule from "y-protocols/sync" with { "resolution-mode": "import" };
import type * as AwarenessModule from "y-protocols/awareness" with { "resolution-mode": "import" };
import type * as EncodingModule from "lib0/encoding" with { "resolution-mode": "import" };
import type * as DecodingModule from "lib0/decoding" with { "resolution-mode": "import" };

/* eslint-disable @typescript-eslint/no-require-imports */
export const Y: typeof YModule = require("yjs") as typeof YModule;
export const syncProtocol: typeof SyncModule = require("y-protocols/sync") as typeof SyncModule;
export const awarenessProtocol: typeof AwarenessModule = require("y-protocols/awareness") as typeof AwarenessModule;
export const encoding: typeof EncodingModule = require("lib0/encoding") as typeof EncodingModule;
export const decoding: typeof DecodingModule = require("lib0/decoding") as typeof DecodingModule;
/* eslint-enable @typescript-eslint/no-require-imports */
export type YDoc = YModule.Doc;
export type Awareness = AwarenessModule.Awareness;
export type Encoder = EncodingModule.Encoder;
export type Decoder = DecodingModule.Decoder;
export type YXmlFragment = YModule.XmlFragment;
