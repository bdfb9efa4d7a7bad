import { createConnection, createServer, type Socket } from "node:net";

/**
 * A round-robin TCP balancer on loopback, as a load balancer in front of a fleet works: each client
 * connection is piped to the next backend; a backend that refuses the connection (stopped, draining)
 * is skipped for the next one, as HAProxy's `redispatch` or nginx's `proxy_next_upstream` do.
 */
export interface TcpBalancer {
  /** "http://127.0.0.1:PORT". */
  readonly url: string;
  /** Replaces the backend list (a rolling restart swaps one port for another). */
  setBackends(ports: readonly number[]): void;
  /** Connections handed to each backend port so far. */
  readonly handedTo: ReadonlyMap<number, number>;
  close(): Promise<void>;
}

export async function startTcpBalancer(initialPorts: readonly number[]): Promise<TcpBalancer> {
  let backends = [...initialPorts];
  let next = 0;
  const handedTo = new Map<number, number>();
  const sockets = new Set<Socket>();

  const track = (socket: Socket) => {
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
    socket.on("error", () => socket.destroy());
  };

  /** Connects to the next backend that accepts, trying each at most once. */
  function connectNext(tries: number): Promise<Socket> {
    return new Promise((resolve, reject) => {
      if (tries >= backends.length || backends.length === 0) {
        reject(new Error("no backend accepted the connection"));
        return;
      }
      const port = backends[next++ % backends.length] as number;
      const upstream = createConnection({ host: "127.0.0.1", port, noDelay: true });
      upstream.once("connect", () => {
        upstream.removeAllListeners("error");
        handedTo.set(port, (handedTo.get(port) ?? 0) + 1);
        resolve(upstream);
      });
      upstream.once("error", () => {
        upstream.destroy();
        connectNext(tries + 1).then(resolve, reject);
      });
    });
  }

  const server = createServer({ noDelay: true, pauseOnConnect: true }, (client) => {
    track(client);
    connectNext(0).then(
      (upstream) => {
        track(upstream);
        if (client.destroyed) {
          upstream.destroy();
          return;
        }
        client.pipe(upstream).pipe(client);
        // A half-close on either side ends the other, as a TCP proxy does; an error tears both down.
        client.once("close", () => upstream.destroy());
        upstream.once("close", () => client.destroy());
        client.resume();
      },
      () => client.destroy(),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as { port: number }).port;
  return {
    url: `http://127.0.0.1:${port}`,
    setBackends(ports) {
      backends = [...ports];
    },
    handedTo,
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
