import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** An SNS HTTP notification as moto delivers it (the standard SNS JSON envelope). */
export interface SnsNotification {
  Type: string;
  TopicArn: string;
  Subject?: string;
  Message: string;
  MessageId: string;
}

/**
 * A local HTTP endpoint subscribed to a topic: moto POSTs each published message to it,
 * which is how a contract test sees what Publish really sent.
 */
export class NotificationSink {
  private constructor(
    private readonly server: Server,
    readonly url: string,
    readonly received: SnsNotification[],
  ) {}

  static async start(): Promise<NotificationSink> {
    const received: SnsNotification[] = [];
    const server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        received.push(JSON.parse(Buffer.concat(chunks).toString('utf8')) as SnsNotification);
        response.writeHead(200).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    return new NotificationSink(server, `http://127.0.0.1:${port}/sns`, received);
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve, reject) => this.server.close((error) => (error ? reject(error) : resolve())));
  }
}
