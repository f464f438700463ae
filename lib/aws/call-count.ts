/** Anything with the SDK clients' `send`: a client, aws-sdk-client-mock's stub, the simulated cloud. */
interface SendingPort {
  send: (...args: never[]) => unknown;
}

export interface CountedPorts<P> {
  /** The same ports, each `send` counted. */
  ports: P;
  /** Requests sent through `ports` so far. */
  calls: () => number;
}

/**
 * Counts the requests a loop sends to AWS in one place, around its ports, so that no
 * adapter keeps a count of its own. Every `send` counts when it is made, answered or not,
 * and each retry (lib/aws/retry.ts) is a `send` of its own: the figure is the requests
 * AWS saw, which is what its rate limits and the bill count.
 *
 * A wrapper around `send`, not an SDK middleware (client.middlewareStack): the ports are
 * also aws-sdk-client-mock stubs and the simulated cloud, which run no middleware, and a
 * count that only production made could not be tested.
 */
export function countCalls<P extends { [K in keyof P]: SendingPort | undefined }>(ports: P): CountedPorts<P> {
  let calls = 0;
  const counted: { [name: string]: SendingPort | undefined } = {};
  for (const [name, port] of Object.entries(ports) as [string, SendingPort | undefined][]) {
    if (port === undefined) continue;
    const send = port.send as (...args: unknown[]) => unknown;
    counted[name] = {
      send: (...args: unknown[]) => {
        calls++;
        return send.apply(port, args);
      },
    };
  }
  return { ports: counted as unknown as P, calls: () => calls };
}
