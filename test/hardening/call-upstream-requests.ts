import type { FakeOpenAI } from "../fakes/openai-upstream.js";

/** Requests the fake upstream has had so far for one model name (a fault mode, or a model). */
export function upstreamCalls(upstream: FakeOpenAI, model: string): number {
  return upstream.requests.filter((request) => (request.body as { model?: string })?.model === model).length;
}
