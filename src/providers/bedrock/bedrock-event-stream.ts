import type { EventStreamCodec } from "@smithy/core/event-streams";
import { GatewayError, invalidUpstreamResponse } from "../../errors/gateway-error.js";
import { decodeBedrockStreamException } from "../../wire/bedrock/bedrock-error.js";

/** One event of an AWS event stream: its `:event-type` and its JSON payload, parsed. */
export interface BedrockStreamEvent {
  readonly eventType: string;
  readonly payload: unknown;
}

/** AWS's event-stream codec, loaded with the first Bedrock stream (see createSigner in bedrock-endpoint.ts). */
let eventStreams:
  | Promise<{
      codec: EventStreamCodec;
      getChunkedStream: typeof import("@smithy/core/event-streams").getChunkedStream;
      toUtf8: typeof import("@smithy/util-utf8").toUtf8;
    }>
  | undefined;

function loadEventStreams(): NonNullable<typeof eventStreams> {
  eventStreams ??= Promise.all([import("@smithy/core/event-streams"), import("@smithy/util-utf8")]).then(
    ([{ EventStreamCodec, getChunkedStream }, { fromUtf8, toUtf8 }]) => ({
      codec: new EventStreamCodec(toUtf8, fromUtf8),
      getChunkedStream,
      toUtf8,
    }),
  );
  return eventStreams;
}

/**
 * Reads an `application/vnd.amazon.eventstream` body with AWS's codec:
 * frames are reassembled across reads and their CRCs checked. Event
 * messages are yielded; an `exception` or `error` message is thrown as a
 * GatewayError (mapped like HTTP errors), a broken frame as an invalid
 * upstream response.
 */
export async function* readBedrockEventStream(
  body: AsyncIterable<Uint8Array>,
): AsyncGenerator<BedrockStreamEvent> {
  const { codec, getChunkedStream, toUtf8 } = await loadEventStreams();
  const frames = getChunkedStream(body)[Symbol.asyncIterator]();
  while (true) {
    let next: IteratorResult<Uint8Array>;
    let message: ReturnType<EventStreamCodec["decode"]>;
    try {
      next = await frames.next();
      if (next.done) return;
      message = codec.decode(next.value);
    } catch (error) {
      // Transport errors arrive already mapped; anything else is a broken frame.
      if (error instanceof GatewayError) throw error;
      throw invalidUpstreamResponse(error);
    }
    const header = (name: string): string => {
      const value = message.headers[name]?.value;
      return typeof value === "string" ? value : "";
    };
    let payload: unknown;
    try {
      payload = message.body.length === 0 ? {} : JSON.parse(toUtf8(message.body));
    } catch (error) {
      throw invalidUpstreamResponse(error);
    }
    switch (header(":message-type")) {
      case "event":
        yield { eventType: header(":event-type"), payload };
        break;
      case "exception":
        throw decodeBedrockStreamException(header(":exception-type"), payload);
      case "error":
        throw decodeBedrockStreamException(header(":error-code") || "internalServerException", {
          message: header(":error-message"),
        });
      default:
        throw invalidUpstreamResponse();
    }
  }
}
