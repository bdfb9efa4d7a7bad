import { createReadStream, createWriteStream } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pipeline } from "node:stream/promises";
import { Code } from "@connectrpc/connect";
import type Busboy from "busboy";
import { GatewayError } from "../errors/gateway-error.js";
import type { NodeRequest } from "./node-http.js";

/** A multipart/form-data upload: its text fields, and its one file, spooled to disk. */
export interface Upload {
  readonly fields: Readonly<Record<string, string>>;
  readonly file: UploadedFile;
  /** Deletes the spooled file; call once the upload is no longer needed. */
  discard(): Promise<void>;
}

export interface UploadedFile {
  /** The form field the file came in (OpenAI's: `file`). */
  readonly field: string;
  readonly filename: string;
  readonly contentType: string;
  readonly size: number;
  /** The bytes, read afresh from disk on every call (each retry sends them again). */
  open(): AsyncIterable<Uint8Array>;
}

export interface UploadLimits {
  /** The largest file, bytes (OpenAI's audio limit is 25 MB). */
  readonly fileBytes: number;
  /** At most this many text fields, each at most `fieldBytes`. */
  readonly fields: number;
  readonly fieldBytes: number;
}

/**
 * Reads a multipart/form-data body as it arrives: text fields into memory
 * (bounded in count and size), the file into a temporary file on disk, so
 * a 25 MB upload costs no 25 MB of memory and can be sent upstream more than
 * once (retries, fallbacks). A second file, a file past `fileBytes`, too
 * many or too large fields, or a body that is not multipart end in a 400 or
 * 413 in the caller's format, the spooled file removed.
 */
export async function readUpload(request: NodeRequest, limits: UploadLimits): Promise<Upload> {
  const contentType = request.headers["content-type"];
  if (typeof contentType !== "string" || !/^multipart\/form-data\b/i.test(contentType)) {
    request.resume();
    throw GatewayError.invalidArgument("the request body must be multipart/form-data");
  }
  // busboy is loaded by the first upload: a gateway no one sends audio to never holds it.
  const [{ default: busboy }, directory] = await Promise.all([
    import("busboy"),
    mkdtemp(join(tmpdir(), "switchyard-upload-")),
  ]);
  const discard = () => rm(directory, { recursive: true, force: true });
  try {
    const parsed = await parse(busboy, request, contentType, limits, join(directory, "file"));
    return { ...parsed, discard };
  } catch (error) {
    await discard();
    throw error;
  }
}

function parse(
  busboy: typeof Busboy,
  request: NodeRequest,
  contentType: string,
  limits: UploadLimits,
  path: string,
): Promise<Omit<Upload, "discard">> {
  return new Promise((resolve, reject) => {
    const fields: Record<string, string> = {};
    let file: UploadedFile | undefined;
    let spooling: Promise<void> | undefined;
    let failed = false;
    const fail = (error: unknown) => {
      if (failed) return;
      failed = true;
      // The rest of the body is read and dropped, so the answer can still go out on this connection.
      request.unpipe(parser);
      request.resume();
      reject(error);
    };
    let parser: Busboy.Busboy;
    try {
      parser = busboy({
        headers: { ...request.headers, "content-type": contentType },
        limits: {
          fileSize: limits.fileBytes,
          files: 1,
          fields: limits.fields,
          fieldSize: limits.fieldBytes,
          parts: limits.fields + 1,
        },
      });
    } catch {
      request.resume();
      reject(GatewayError.invalidArgument("the multipart/form-data content type has no boundary"));
      return;
    }
    parser.on("field", (name, value, info) => {
      if (info.valueTruncated) fail(GatewayError.invalidArgument(`form field ${name} is too long`, name));
      else fields[name] = value;
    });
    parser.on("file", (field, stream, info) => {
      let size = 0;
      stream.on("data", (chunk: Buffer) => {
        size += chunk.length;
      });
      stream.on("limit", () => fail(tooLarge(limits.fileBytes)));
      spooling = pipeline(stream, createWriteStream(path)).then(() => {
        file = {
          field,
          filename: info.filename || field,
          contentType: info.mimeType || "application/octet-stream",
          size,
          open: () => createReadStream(path),
        };
      });
      spooling.catch(fail);
    });
    parser.on("filesLimit", () => fail(GatewayError.invalidArgument("send one file per request")));
    parser.on("fieldsLimit", () =>
      fail(GatewayError.invalidArgument(`at most ${limits.fields} form fields`)),
    );
    parser.on("partsLimit", () => fail(GatewayError.invalidArgument(`at most ${limits.fields} form fields`)));
    parser.on("error", () => fail(GatewayError.invalidArgument("the multipart/form-data body is malformed")));
    parser.on("close", () => {
      if (failed) return;
      void (spooling ?? Promise.resolve()).then(() => {
        if (failed) return;
        if (!file) fail(GatewayError.invalidArgument("a file is required", "file"));
        else resolve({ fields, file });
      }, fail);
    });
    request.on("error", fail);
    request.pipe(parser);
  });
}

function tooLarge(limit: number): GatewayError {
  return new GatewayError({
    code: Code.InvalidArgument,
    message: `the uploaded file is larger than ${limit} bytes`,
    httpStatus: 413,
  });
}
