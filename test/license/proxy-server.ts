import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type Route = (req: IncomingMessage, res: ServerResponse) => void;

/** A License Proxy stand-in on 127.0.0.1 with an ephemeral port; each path serves one kind of answer. */
export class FakeProxyServer {
  private readonly routes = new Map<string, Route>();
  private server?: Server;
  private port = 0;

  route(path: string, handler: Route): this {
    this.routes.set(path, handler);
    return this;
  }

  json(path: string, body: unknown, status = 200): this {
    return this.route(path, (_req, res) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    });
  }

  async start(): Promise<this> {
    const server = createServer((req, res) => {
      const handler = this.routes.get(req.url ?? '');
      if (handler) handler(req, res);
      else {
        res.writeHead(404, { 'content-type': 'text/plain' });
        res.end('no such route');
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    this.server = server;
    this.port = (server.address() as AddressInfo).port;
    return this;
  }

  url(path: string, scheme: 'http' | 'https' = 'http'): string {
    return `${scheme}://127.0.0.1:${this.port}${path}`;
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    // Slow routes hold their sockets open on purpose; close them so the test run ends.
    server.closeAllConnections();
    await new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
    this.server = undefined;
  }
}

/** A port that was just free and now refuses connections. */
export async function refusedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
  return port;
}

/** Status bodies as the proxy serves them, with timestamps relative to a fixed instant. */
export function statusBody(state: string, now: Date, checkinAgoSeconds: number | null, expiresInSeconds: number | null): Record<string, unknown> {
  const at = (offsetSeconds: number) => new Date(now.getTime() + offsetSeconds * 1000).toISOString();
  return {
    state,
    last_successful_checkin: checkinAgoSeconds === null ? null : at(-checkinAgoSeconds),
    trust_expiration: expiresInSeconds === null ? null : at(expiresInSeconds),
  };
}
