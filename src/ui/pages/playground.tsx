import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { createGrpcWebTransport } from "@connectrpc/connect-web";
import { useMemo, useRef, useState } from "preact/hooks";
import { Role } from "../../../gen/switchyard/v1/chat_pb.js";
import { CompletionService } from "../../../gen/switchyard/v1/completion_pb.js";
import type { Api } from "../api.js";
import { ErrorNote } from "../error-note.js";
import { useLoad } from "../use-load.js";

interface Run {
  readonly text: string;
  readonly deploymentId?: string;
  readonly firstTokenMs?: number;
  readonly totalMs?: number;
  readonly tokens?: number;
  readonly error?: string;
}

/**
 * A chat with any model group, streamed from the browser over gRPC-web
 * (CompletionService.StreamChatCompletion, binary frames, same origin):
 * the browser path of the gateway, with this session's key.
 */
export function PlaygroundPage({ api, sessionKey }: { api: Api; sessionKey: string }) {
  const models = useLoad(() => api.models.list.query());
  const client = useMemo(
    () => createClient(CompletionService, createGrpcWebTransport({ baseUrl: location.origin })),
    [],
  );
  const [model, setModel] = useState("");
  const [system, setSystem] = useState("");
  const [prompt, setPrompt] = useState("");
  const [run, setRun] = useState<Run>();
  const controller = useRef<AbortController>();
  const chosen = model || models.data?.[0]?.id || "";

  async function send(event: Event) {
    event.preventDefault();
    controller.current?.abort();
    const abort = new AbortController();
    controller.current = abort;
    const start = performance.now();
    let current: Run = { text: "" };
    setRun(current);
    const messages = [
      ...(system.trim()
        ? [{ role: Role.SYSTEM, content: [{ part: { case: "text" as const, value: system } }] }]
        : []),
      { role: Role.USER, content: [{ part: { case: "text" as const, value: prompt } }] },
    ];
    try {
      const stream = client.streamChatCompletion(
        { model: chosen, messages, streamOptions: { includeUsage: true } },
        { headers: { authorization: `Bearer ${sessionKey}` }, signal: abort.signal },
      );
      for await (const chunk of stream) {
        const delta = chunk.choices[0]?.content ?? "";
        current = {
          ...current,
          text: current.text + delta,
          deploymentId: current.deploymentId ?? (chunk.route?.deploymentId || undefined),
          firstTokenMs: current.firstTokenMs ?? (delta ? Math.round(performance.now() - start) : undefined),
          tokens: chunk.usage?.completionTokens ?? current.tokens,
        };
        setRun(current);
      }
      setRun({ ...current, totalMs: Math.round(performance.now() - start) });
    } catch (error) {
      const failure = ConnectError.from(error);
      if (failure.code !== Code.Canceled) setRun({ ...current, error: failure.rawMessage });
    } finally {
      if (controller.current === abort) controller.current = undefined;
    }
  }

  const streaming = run !== undefined && run.totalMs === undefined && run.error === undefined;
  return (
    <section>
      <h2>Playground</h2>
      <p class="hint">Streams over gRPC-web from this browser, with this session's key.</p>
      <ErrorNote message={models.error} />
      <form onSubmit={send} aria-label="Chat">
        <label>
          Model
          <select name="model" value={chosen} onChange={(event) => setModel(event.currentTarget.value)}>
            {models.data?.map((entry) => (
              <option key={entry.id} value={entry.id}>
                {entry.id}
              </option>
            ))}
          </select>
        </label>
        <label>
          System (optional)
          <input name="system" value={system} onInput={(event) => setSystem(event.currentTarget.value)} />
        </label>
        <label>
          Message
          <textarea
            name="prompt"
            rows={3}
            required
            value={prompt}
            onInput={(event) => setPrompt(event.currentTarget.value)}
          />
        </label>
        <button type="submit" disabled={streaming || !chosen}>
          Send
        </button>{" "}
        <button type="button" disabled={!streaming} onClick={() => controller.current?.abort()}>
          Stop
        </button>
      </form>
      {run && (
        <div class="answer">
          <output data-testid="answer" aria-live="polite">
            {run.text}
          </output>
          <ErrorNote message={run.error} />
          <p class="hint" data-testid="answer-stats">
            {run.deploymentId && `deployment ${run.deploymentId} · `}
            {run.firstTokenMs !== undefined && `first token ${run.firstTokenMs} ms · `}
            {run.totalMs !== undefined ? `done in ${run.totalMs} ms` : "streaming…"}
            {run.tokens !== undefined && ` · ${run.tokens} tokens`}
          </p>
        </div>
      )}
    </section>
  );
}
