/**
 * A loopback TCP proxy in front of a buildkitd socket (unix:// or tcp://),
 * for fault tests: `cut()` resets every connection and stops listening (a
 * dropped remote connection), `freeze()` keeps the connections open but
 * forwards nothing more (a silent network drop), and `throttle` slows the
 * daemon-to-client direction so an export stream lasts long enough to be
 * interrupted on any machine.
 */

import * as net from "node:net";

export interface ProxyOptions {
  /** Bytes per second from the daemon to the client; default unlimited. */
  throttle?: number;
}

export interface TcpProxy {
  /** `tcp://127.0.0.1:PORT` */
  readonly address: string;
  /** Connections accepted so far. */
  readonly accepted: number;
  /** Resets every connection (RST to the client) and refuses new ones. */
  cut(): void;
  /** Stops forwarding in both directions without closing anything. */
  freeze(): void;
  /** Stops listening and closes every connection. */
  close(): Promise<void>;
}

function connectTarget(target: string): net.Socket {
  if (target.startsWith("unix://")) return net.connect({ path: target.slice("unix://".length) });
  const hostPort = target.replace(/^tcp:\/\//, "");
  const i = hostPort.lastIndexOf(":");
  return net.connect({ host: hostPort.slice(0, i), port: Number(hostPort.slice(i + 1)) });
}

/** Starts a proxy on 127.0.0.1 (a free port) forwarding to `target`. */
export async function startProxy(target: string, options: ProxyOptions = {}): Promise<TcpProxy> {
  const pairs = new Set<[net.Socket, net.Socket]>();
  let frozen = false;
  let accepted = 0;
  const server = net.createServer((client) => {
    accepted++;
    const upstream = connectTarget(target);
    const pair: [net.Socket, net.Socket] = [client, upstream];
    pairs.add(pair);
    const end = () => {
      pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on("error", end).on("close", end);
    upstream.on("error", end).on("close", end);
    client.on("data", (b: Buffer) => {
      if (!frozen) upstream.write(b);
    });
    upstream.on("data", (b: Buffer) => {
      if (frozen) return;
      client.write(b);
      if (options.throttle) {
        upstream.pause();
        setTimeout(() => upstream.resume(), (b.length / options.throttle) * 1000).unref();
      }
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const port = (server.address() as net.AddressInfo).port;
  return {
    address: `tcp://127.0.0.1:${port}`,
    get accepted() {
      return accepted;
    },
    cut() {
      server.close();
      for (const [client, upstream] of [...pairs]) {
        client.resetAndDestroy();
        upstream.destroy();
      }
      pairs.clear();
    },
    freeze() {
      frozen = true;
      for (const [client, upstream] of pairs) {
        client.pause();
        upstream.pause();
      }
    },
    close() {
      for (const [client, upstream] of [...pairs]) {
        client.destroy();
        upstream.destroy();
      }
      pairs.clear();
      return new Promise<void>((resolve) => {
        if (!server.listening) resolve();
        else server.close(() => resolve());
      });
    },
  };
}
