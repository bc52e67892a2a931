/**
 * Yjs for this CommonJS build. The package ships a CommonJS bundle (`require` export) but types
 * that TypeScript reads as an ES module, so it is loaded with require() and typed from the
 * module's declarations.
 */
import type * as YModule from "yjs" with { "resolution-mode": "import" };

// eslint-disable-next-line @typescript-eslint/no-require-imports
export const Y: typeof YModule = require("yjs") as typeof YModule;
export type YDoc = YModule.Doc;
