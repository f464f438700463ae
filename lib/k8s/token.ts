import { Sha256 } from '@smithy/core/checksum';
import { SignatureV4 } from '@smithy/signature-v4';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@smithy/types';

/**
 * The bearer token EKS accepts from an IAM principal, made exactly as `aws eks get-token`
 * (and aws-iam-authenticator) make it: a presigned STS GetCallerIdentity URL whose signed
 * headers include `x-k8s-aws-id: <cluster name>`, base64url-encoded without padding behind
 * "k8s-aws-v1.". The cluster's authenticator replays the URL against STS to learn who
 * asks; nothing secret is stored anywhere. Signing uses the SDK's own SigV4 signer
 * (@smithy/signature-v4) rather than a hand-written one.
 */

export const TOKEN_PREFIX = 'k8s-aws-v1.';
export const CLUSTER_ID_HEADER = 'x-k8s-aws-id';
/** What `aws eks get-token` signs with; the authenticator accepts a token for 15 minutes from X-Amz-Date whatever it says. */
export const PRESIGN_EXPIRES_SECONDS = 60;
/** Re-sign well before the authenticator's 15-minute acceptance ends. */
export const TOKEN_REUSE_SECONDS = 600;

export class EksTokenError extends Error {
  override readonly name = 'EksTokenError';
}

export interface EksTokenInput {
  clusterName: string;
  region: string;
  credentials: AwsCredentialIdentity | AwsCredentialIdentityProvider;
  now: Date;
}

export interface EksToken {
  token: string;
  /** When this process stops reusing it (see TOKEN_REUSE_SECONDS). */
  reuseUntil: Date;
}

/** The regional STS endpoint's host, as the CLI signs it for a cluster in `region`. */
export function stsHost(region: string): string {
  if (!/^[a-z]{2}(-[a-z]+)+-\d+$/.test(region)) throw new EksTokenError(`region must be an AWS region such as us-east-1, got ${JSON.stringify(region)}`);
  const suffix = region.startsWith('cn-') ? 'amazonaws.com.cn' : 'amazonaws.com';
  return `sts.${region}.${suffix}`;
}

export async function presignEksToken(input: EksTokenInput): Promise<EksToken> {
  const host = stsHost(input.region);
  const signer = new SignatureV4({ service: 'sts', region: input.region, credentials: input.credentials, sha256: Sha256, uriEscapePath: true });
  let signed;
  try {
    signed = await signer.presign(
      {
        method: 'GET',
        protocol: 'https:',
        hostname: host,
        path: '/',
        query: { Action: 'GetCallerIdentity', Version: '2011-06-15' },
        headers: { host, [CLUSTER_ID_HEADER]: input.clusterName },
      },
      { expiresIn: PRESIGN_EXPIRES_SECONDS, signingDate: input.now },
    );
  } catch (cause) {
    throw new EksTokenError(`presigning the EKS token for cluster ${input.clusterName} failed: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
  }
  const url = `https://${host}/?${queryString(signed.query ?? {})}`;
  return {
    token: TOKEN_PREFIX + Buffer.from(url, 'utf8').toString('base64url'),
    reuseUntil: new Date(input.now.getTime() + TOKEN_REUSE_SECONDS * 1000),
  };
}

// The presigned query as the signer canonicalised it: keys sorted, RFC 3986 encoding.
function queryString(query: Record<string, string | string[] | null>): string {
  return Object.keys(query)
    .sort()
    .flatMap((key) => {
      const value = query[key];
      const values = value === null || value === undefined ? [] : Array.isArray(value) ? value : [value];
      return values.map((v) => `${rfc3986(key)}=${rfc3986(v)}`);
    })
    .join('&');
}

function rfc3986(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}
