import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';
import { ROOT } from './template.js';

/**
 * Each Lambda bundles only the AWS SDK clients it calls: a client it never calls still
 * costs package size and cold-start time. esbuild's metafile gives the bytes each input
 * module puts into a bundle built as serverless.yml builds it (an input whose imports
 * are all unused is listed with none).
 */
async function sdkClientsIn(handlerFile: string): Promise<string[]> {
  const result = await build({
    entryPoints: [`${ROOT}/functions/${handlerFile}`],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node22',
    write: false,
    metafile: true,
    outfile: 'bundle.mjs',
    logLevel: 'silent',
  });
  const [output] = Object.values(result.metafile.outputs);
  const clients = Object.entries(output?.inputs ?? {}).flatMap(([input, { bytesInOutput }]) => (bytesInOutput > 0 ? (/node_modules\/@aws-sdk\/(client-[a-z0-9-]+)\//.exec(input)?.[1] ?? []) : []));
  return [...new Set(clients)].sort();
}

describe('each Lambda bundles only the AWS clients it calls', () => {
  it.each([
    // scale reads metrics (CloudWatch) and the fleet document (SSM), resizes groups and node groups
    { handler: 'scale.ts', clients: ['client-auto-scaling', 'client-cloudwatch', 'client-eks', 'client-ssm'] },
    // drain also sends SIGINT through SSM Run Command
    { handler: 'drain.ts', clients: ['client-auto-scaling', 'client-cloudwatch', 'client-eks', 'client-ssm'] },
    // redeploy also reads EKS nodes' launch times from EC2
    { handler: 'redeploy.ts', clients: ['client-auto-scaling', 'client-cloudwatch', 'client-ec2', 'client-eks', 'client-ssm'] },
    // license-watch publishes metrics and pages: no Auto Scaling, EKS or SSM
    { handler: 'license-watch.ts', clients: ['client-cloudwatch', 'client-sns'] },
  ])('$handler: $clients', async ({ handler, clients }) => {
    expect(await sdkClientsIn(handler)).toEqual(clients);
  }, 60_000);
});
