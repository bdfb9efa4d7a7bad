import { randomBytes } from "node:crypto";
import type { UploadedFile } from "./multipart-upload.js";

/** A multipart/form-data body to send: its content type, exact length, and its bytes as a stream. */
export interface MultipartBody {
  readonly contentType: string;
  readonly contentLength: number;
  readonly body: AsyncIterable<Uint8Array>;
}

/**
 * Text fields, then the file streamed from where it was spooled: the file is
 * never held in memory, and the length is known up front (upstreams such as
 * OpenAI's want a Content-Length on uploads).
 */
export function multipartBody(fields: Readonly<Record<string, string>>, file: UploadedFile): MultipartBody {
  const boundary = `----switchyard${randomBytes(12).toString("hex")}`;
  const head = Buffer.from(
    Object.entries(fields)
      .map(([name, value]) => `--${boundary}\r\n${disposition(name)}\r\n\r\n${value}\r\n`)
      .join("") +
      `--${boundary}\r\n${disposition(file.field, file.filename)}\r\n` +
      `Content-Type: ${file.contentType.replace(/[\r\n]/g, "")}\r\n\r\n`,
  );
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
  return {
    contentType: `multipart/form-data; boundary=${boundary}`,
    contentLength: head.length + file.size + tail.length,
    body: (async function* () {
      yield head;
      yield* file.open();
      yield tail;
    })(),
  };
}

/** A part's Content-Disposition; quotes and line breaks in names are escaped as browsers do. */
function disposition(name: string, filename?: string): string {
  const quoted = (text: string) =>
    `"${text.replace(/"/g, "%22").replace(/\r/g, "%0D").replace(/\n/g, "%0A")}"`;
  return `Content-Disposition: form-data; name=${quoted(name)}${filename === undefined ? "" : `; filename=${quoted(filename)}`}`;
}
