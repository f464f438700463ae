import { createHash, createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { presignEksToken, stsHost, EksTokenError } from '../../lib/k8s/token.js';

// The token `aws eks get-token --cluster-name gpu` prints is "k8s-aws-v1." + base64url (no
// padding) of a presigned https://sts.<region>.amazonaws.com/?Action=GetCallerIdentity&
// Version=2011-06-15&X-Amz-*... URL, X-Amz-Expires=60, signed headers host;x-k8s-aws-id.
// These tests decode ours and check every one of those, and recompute the SigV4 signature
// by hand (AWS's documented algorithm, node:crypto only) so the signer is checked, not trusted.

const credentials = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY', sessionToken: 'session/token+=' };
const now = new Date('2026-12-02T10:00:00Z');

function decode(token: string): URL {
  expect(token.startsWith('k8s-aws-v1.')).toBe(true);
  const body = token.slice('k8s-aws-v1.'.length);
  expect(body).toMatch(/^[A-Za-z0-9_-]+$/); // base64url, no "=" padding
  return new URL(Buffer.from(body, 'base64url').toString('utf8'));
}

function hmac(key: Buffer | string, data: string): Buffer {
  return createHmac('sha256', key).update(data, 'utf8').digest();
}

function rfc3986(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** SigV4 query-string signature of a GET / with headers host and x-k8s-aws-id. */
function expectedSignature(url: URL, clusterName: string, region: string): string {
  const params = [...url.searchParams.entries()].filter(([k]) => k !== 'X-Amz-Signature');
  const canonicalQuery = params
    .map(([k, v]) => [rfc3986(k), rfc3986(v)] as const)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
    .join('&');
  const canonicalHeaders = `host:${url.host}\nx-k8s-aws-id:${clusterName}\n`;
  const emptyPayload = createHash('sha256').update('').digest('hex');
  const canonicalRequest = ['GET', '/', canonicalQuery, canonicalHeaders, 'host;x-k8s-aws-id', emptyPayload].join('\n');
  const amzDate = url.searchParams.get('X-Amz-Date') as string;
  const day = amzDate.slice(0, 8);
  const scope = `${day}/${region}/sts/aws4_request`;
  const stringToSign = ['AWS4-HMAC-SHA256', amzDate, scope, createHash('sha256').update(canonicalRequest).digest('hex')].join('\n');
  const key = hmac(hmac(hmac(hmac(`AWS4${credentials.secretAccessKey}`, day), region), 'sts'), 'aws4_request');
  return createHmac('sha256', key).update(stringToSign).digest('hex');
}

describe('EKS bearer token (as aws eks get-token makes it)', () => {
  it('is a presigned STS GetCallerIdentity URL for the cluster region, valid 60 s, signing x-k8s-aws-id', async () => {
    const { token, reuseUntil } = await presignEksToken({ clusterName: 'gpu-cluster', region: 'eu-west-1', credentials, now });
    const url = decode(token);
    expect(url.protocol).toBe('https:');
    expect(url.host).toBe('sts.eu-west-1.amazonaws.com');
    expect(url.pathname).toBe('/');
    const q = url.searchParams;
    expect(q.get('Action')).toBe('GetCallerIdentity');
    expect(q.get('Version')).toBe('2011-06-15');
    expect(q.get('X-Amz-Algorithm')).toBe('AWS4-HMAC-SHA256');
    expect(q.get('X-Amz-Credential')).toBe('AKIDEXAMPLE/20261202/eu-west-1/sts/aws4_request');
    expect(q.get('X-Amz-Date')).toBe('20261202T100000Z');
    expect(q.get('X-Amz-Expires')).toBe('60');
    expect(q.get('X-Amz-SignedHeaders')?.split(';')).toEqual(['host', 'x-k8s-aws-id']);
    expect(q.get('X-Amz-Security-Token')).toBe('session/token+=');
    expect(q.get('X-Amz-Signature')).toBe(expectedSignature(url, 'gpu-cluster', 'eu-west-1'));
    // Reused for 10 minutes: the authenticator accepts it for 15 from X-Amz-Date.
    expect(reuseUntil.toISOString()).toBe('2026-12-02T10:10:00.000Z');
  });

  it('signs the cluster name in: a token for another cluster has another signature', async () => {
    const a = decode((await presignEksToken({ clusterName: 'a', region: 'us-east-1', credentials, now })).token);
    const b = decode((await presignEksToken({ clusterName: 'b', region: 'us-east-1', credentials, now })).token);
    expect(a.searchParams.get('X-Amz-Signature')).not.toBe(b.searchParams.get('X-Amz-Signature'));
    expect(b.searchParams.get('X-Amz-Signature')).toBe(expectedSignature(b, 'b', 'us-east-1'));
  });

  it('has no security token parameter for long-term keys', async () => {
    const url = decode((await presignEksToken({ clusterName: 'a', region: 'us-east-1', credentials: { accessKeyId: 'AKID', secretAccessKey: 'secret' }, now })).token);
    expect(url.searchParams.has('X-Amz-Security-Token')).toBe(false);
  });

  it.each([
    ['China partition', 'cn-north-1', 'sts.cn-north-1.amazonaws.com.cn'],
    ['GovCloud', 'us-gov-west-1', 'sts.us-gov-west-1.amazonaws.com'],
  ])('uses the regional STS host (%s)', (_name, region, host) => {
    expect(stsHost(region)).toBe(host);
  });

  it('refuses a region that is not one, naming it', () => {
    expect(() => stsHost('us_east_1')).toThrow(EksTokenError);
    expect(() => stsHost('us_east_1')).toThrow(/region must be an AWS region.*"us_east_1"/);
  });
});
