import { DescribeClusterCommand } from '@aws-sdk/client-eks';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@smithy/types';
import type { EksPort } from '../aws/ports.js';
import { describeError, withRetry, type RetryPolicy } from '../aws/retry.js';
import { presignEksToken, type EksToken } from './token.js';
import { httpsTransport, type ClusterAccess, type KubeTransport } from './transport.js';

/** Opens the Kubernetes API of an EKS cluster for one tick (the simulated cluster gives its own). */
export type KubeConnector = (clusterName: string) => Promise<KubeTransport>;

export class KubeConnectError extends Error {
  override readonly name = 'KubeConnectError';
}

/** Endpoint and CA of a cluster from eks:DescribeCluster. */
export async function describeClusterAccess(eks: EksPort, clusterName: string, retry?: RetryPolicy): Promise<ClusterAccess> {
  let answer;
  try {
    answer = await withRetry('eks:DescribeCluster', () => eks.send(new DescribeClusterCommand({ name: clusterName })), retry);
  } catch (cause) {
    throw new KubeConnectError(`describing EKS cluster ${clusterName} failed: ${describeError(cause)}`, { cause });
  }
  const endpoint = answer.cluster?.endpoint;
  const caData = answer.cluster?.certificateAuthority?.data;
  if (!endpoint || !caData) {
    throw new KubeConnectError(`EKS cluster ${clusterName} has no ${!endpoint ? 'endpoint' : 'certificateAuthority.data'} yet (status ${answer.cluster?.status ?? 'unknown'})`);
  }
  return { endpoint, caData };
}

export interface EksConnectorOptions {
  eks: EksPort;
  region: string;
  credentials: AwsCredentialIdentity | AwsCredentialIdentityProvider;
  now: () => Date;
  retry?: RetryPolicy;
}

/**
 * The production connector: DescribeCluster once per cluster per warm Lambda (endpoint and
 * CA change only when the cluster is replaced), a presigned token re-signed every ten
 * minutes. Nothing is written anywhere: access is the Lambda role's, through the
 * cluster's access entry.
 */
export function eksConnector(options: EksConnectorOptions): KubeConnector {
  const access = new Map<string, Promise<ClusterAccess>>();
  const tokens = new Map<string, EksToken>();
  return async (clusterName) => {
    let described = access.get(clusterName);
    if (!described) {
      described = describeClusterAccess(options.eks, clusterName, options.retry);
      access.set(clusterName, described);
      // A failed describe is not kept: the next tick asks again.
      described.catch(() => access.delete(clusterName));
    }
    const { endpoint, caData } = await described;
    return httpsTransport({
      endpoint,
      caData,
      token: async () => {
        const now = options.now();
        const cached = tokens.get(clusterName);
        if (cached && cached.reuseUntil.getTime() > now.getTime()) return cached.token;
        const fresh = await presignEksToken({ clusterName, region: options.region, credentials: options.credentials, now });
        tokens.set(clusterName, fresh);
        return fresh.token;
      },
    });
  };
}
