import type { Exchange } from "../http/door-kit/exchange.js";
import { answerJson } from "../http/door-kit/json-answer.js";
import type { HandlerCall } from "../services/handler-calls.js";

/** `answerJson` for one handler call: run in its method's context, its answer encoded. */
export function answerCall<Answer>(
  exchange: Exchange,
  { method, run }: HandlerCall<Answer>,
  encode: (answer: Awaited<Answer>) => unknown,
): Promise<void> {
  // answerJson awaits what `run` answers, so encode gets the message even where Answer is a union of promises.
  return answerJson(method, exchange, (context) => run(context) as Promise<Awaited<Answer>>, encode);
}
