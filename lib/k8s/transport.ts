import { request as httpsRequest } from 'node:https';

/**
 * One Kubernetes API request as the drain makes it, and the one seam the simulated cluster
 * (sim/ or sim/kubernetes.ts) and the contract tests plug into.
 *
 * Why plain REST over node:https and not @kubernetes/client-node: the drain needs five
 * calls (list nodes, patch a node, list pods, create an eviction, read/patch a
 * Deployment's scale). The official client's 2.x line needs Node 22.19 (undici 8), and its
 * 1.x line bundles to about 1.6 MB minified (0.24 MB gzipped) for those five calls, with
 * openid-client, ws, tar-fs and form-data pulled in for features the Lambda never uses.
 * The client stays a devDependency: the contract tests run it against a loopback server
 * and check that these requests are the ones it sends (test/k8s/contract.test.ts).
 */

export type KubeMethod = 'GET' | 'PATCH' | 'POST';

export interface KubeRequest {
  method: KubeMethod;
  /** Path below the API server's root, e.g. /api/v1/nodes. Segments are already escaped. */
  path: string;
  query?: Record<string, string>;
  body?: unknown;
  /** For PATCH: application/strategic-merge-patch+json or application/merge-patch+json. */
  contentType?: string;
}

export interface KubeResponse {
  status: number;
  /** The parsed JSON answer (a Status object on errors), undefined when the body was empty. */
  body: unknown;
}

export type KubeTransport = (request: KubeRequest) => Promise<KubeResponse>;

export class KubeTransportError extends Error {
  override readonly name = 'KubeTransportError';
}

/** How to reach a cluster's API server, as eks:DescribeCluster gives it. */
export interface ClusterAccess {
  /** The API server's endpoint (https://...). */
  endpoint: string;
  /** certificateAuthority.data: base64 of the PEM bundle. */
  caData: string;
}

export interface HttpsTransportOptions extends ClusterAccess {
  /** A bearer token for each request (presigned STS token, re-signed by the caller as it ages). */
  token: () => Promise<string>;
  timeoutMs?: number;
}

const DEFAULT_TIMEOUT_MS = 10_000;
const MAX_BODY_BYTES = 32 * 1024 * 1024;

export function requestUrl(endpoint: string, request: Pick<KubeRequest, 'path' | 'query'>): URL {
  const url = new URL(endpoint);
  url.pathname = `${url.pathname.replace(/\/$/, '')}${request.path}`;
  for (const [key, value] of Object.entries(request.query ?? {})) url.searchParams.set(key, value);
  return url;
}

/** Requests over TLS verified against the cluster's own CA, never the system's trust store alone. */
export function httpsTransport(options: HttpsTransportOptions): KubeTransport {
  if (!/^https:\/\//.test(options.endpoint)) throw new KubeTransportError(`the cluster endpoint must be an https URL, got ${JSON.stringify(options.endpoint)}`);
  const ca = Buffer.from(options.caData, 'base64').toString('utf8');
  if (!ca.includes('-----BEGIN CERTIFICATE-----')) throw new KubeTransportError('certificateAuthority.data is not a base64 PEM certificate bundle');
  return async (request) => {
    const token = await options.token();
    const url = requestUrl(options.endpoint, request);
    const payload = request.body === undefined ? undefined : Buffer.from(JSON.stringify(request.body), 'utf8');
    return new Promise<KubeResponse>((resolve, reject) => {
      const req = httpsRequest(
        url,
        {
          method: request.method,
          ca,
          timeout: options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
          headers: {
            Accept: 'application/json',
            Authorization: `Bearer ${token}`,
            ...(payload ? { 'Content-Type': request.contentType ?? 'application/json', 'Content-Length': String(payload.length) } : {}),
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          let size = 0;
          res.on('data', (chunk: Buffer) => {
            size += chunk.length;
            if (size > MAX_BODY_BYTES) {
              req.destroy(new KubeTransportError(`${request.method} ${request.path}: answer larger than ${MAX_BODY_BYTES} bytes`));
              return;
            }
            chunks.push(chunk);
          });
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            let body: unknown;
            try {
              body = text.length > 0 ? JSON.parse(text) : undefined;
            } catch (cause) {
              reject(new KubeTransportError(`${request.method} ${request.path}: HTTP ${res.statusCode} with a body that is not JSON`, { cause }));
              return;
            }
            resolve({ status: res.statusCode ?? 0, body });
          });
          res.on('error', (cause) => reject(new KubeTransportError(`${request.method} ${request.path}: ${cause.message}`, { cause })));
        },
      );
      req.on('timeout', () => req.destroy(new KubeTransportError(`${request.method} ${request.path}: no answer within ${options.timeoutMs ?? DEFAULT_TIMEOUT_MS} ms`)));
      req.on('error', (cause) => reject(cause instanceof KubeTransportError ? cause : new KubeTransportError(`${request.method} ${request.path}: ${cause.message}`, { cause })));
      if (payload) req.write(payload);
      req.end();
    });
  };
}
