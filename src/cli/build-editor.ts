import { EDITOR_BUNDLE, writeEditorBundle } from "../web/editor-bundle";

/** `npm run build`'s last step: the editor page's script into dist/web/editor.js. */
writeEditorBundle()
  .then((bytes) => console.log(`editor bundle: ${EDITOR_BUNDLE} (${Math.round(bytes / 1024)} KiB)`))
  .catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
