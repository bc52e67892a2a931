import { Transform, type TransformCallback } from "node:stream";
import { judgeType, SNIFF_BYTES, type MediaType } from "./file.types";

/** Why an upload was stopped while streaming; the HTTP layer answers 413 or 415. */
export class UploadRefused extends Error {
  constructor(
    readonly status: 413 | 415,
    readonly code: "FILE_TOO_LARGE" | "UNSUPPORTED_MEDIA_TYPE",
    message: string,
    readonly extensions: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = "UploadRefused";
  }
}

/**
 * Sits between the request and the storage: holds back the first bytes until their type is judged
 * (nothing reaches the storage before), then lets the rest through, counting; past `maxBytes` the
 * stream fails with 413. Only `SNIFF_BYTES` are ever held in memory.
 */
export class UploadGuard extends Transform {
  private head: Buffer[] = [];
  private headBytes = 0;
  private judged = false;
  size = 0;
  type: MediaType | null = null;

  constructor(
    private readonly maxBytes: number,
    private readonly declared: string | null,
    private readonly fileName: string,
  ) {
    super();
  }

  private judge(): UploadRefused | null {
    this.judged = true;
    const head = Buffer.concat(this.head, this.headBytes);
    this.head = [];
    const verdict = judgeType(head, this.declared, this.fileName);
    if (!verdict.ok) return new UploadRefused(415, "UNSUPPORTED_MEDIA_TYPE", verdict.reason, { detected: verdict.detected });
    this.type = verdict.type;
    this.push(head);
    return null;
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.size += chunk.length;
    if (this.size > this.maxBytes) {
      callback(new UploadRefused(413, "FILE_TOO_LARGE", `The file is larger than the limit of ${this.maxBytes} bytes.`, { maxBytes: this.maxBytes }));
      return;
    }
    if (this.judged) {
      callback(null, chunk);
      return;
    }
    this.head.push(chunk);
    this.headBytes += chunk.length;
    callback(this.headBytes >= SNIFF_BYTES ? this.judge() : null);
  }

  override _flush(callback: TransformCallback): void {
    if (!this.judged) {
      if (this.size === 0) {
        callback(new UploadRefused(415, "UNSUPPORTED_MEDIA_TYPE", "The file is empty.", { detected: null }));
        return;
      }
      callback(this.judge());
      return;
    }
    callback();
  }
}
