import { defaultProvider } from '@aws-sdk/credential-provider-node';
import type { Context } from 'aws-lambda';
import { describeError } from '../lib/aws/retry.js';
import { parseDrainEvent, type DrainEvent } from '../lib/drain/event.js';
import { DEFAULT_HOOK_NAME } from '../lib/fleet/drain-hook.js';
import { holdManagedDrains } from '../lib/drain/hold.js';
import { runDrainTick, type DrainTickResult } from '../lib/drain/reconcile.js';
import type { HandlerDeps } from '../lib/runtime/deps.js';
import { eksConnector } from '../lib/k8s/connect.js';
import { invocationDeps } from '../lib/runtime/invocation.js';
import { MetricUnit } from '../lib/telemetry.js';
import { inProduction, lambda } from './shell/lambda.js';
import { productionDeps } from './shell/production-deps.js';

export interface DrainHandlerDeps extends HandlerDeps {
  /** The SSM document of infra/ssm-drain-document.yml (DRAIN_DOCUMENT_NAME). */
  drainDocumentName: string;
  hookName?: string;
}

export class DrainHandlerError extends Error {
  override readonly name = 'DrainHandlerError';
}

export type DrainHandlerResult = DrainTickResult | { ignored: string };

/**
 * The lifecycle event and the every-minute schedule run the same reconciliation: the
 * event only makes the SIGINT go out seconds after the termination instead of up to a
 * minute later. The schedule alone also checks the hooks.
 */
export function createDrainHandler(deps: () => DrainHandlerDeps) {
  // Lives as long as the warm Lambda: saves DescribeLifecycleHooks calls, decides nothing.
  const hookCheckedAt = new Map<string, number>();
  return lambda(async (event: unknown, context: Context): Promise<DrainHandlerResult> => {
    const parsed = parseDrainEvent(event);
    // Deadlines are measured on AWS's clock: the event's time, never the host's alone.
    const resolved = invocationDeps(deps(), parsed.time);
    const hookName = resolved.hookName ?? DEFAULT_HOOK_NAME;
    if (parsed.kind === 'lifecycle') {
      const foreign = foreignEvent(parsed, context, hookName);
      if (foreign) {
        // Another hook on a managed group (ours raises its own event for the same
        // instance), or an event from another account or region: not ours to act on.
        resolved.telemetry.info('drain event not for this controller ignored', { why: foreign, hook: parsed.hookName, group: parsed.groupName, instanceId: parsed.instanceId, account: parsed.account, region: parsed.region });
        return { ignored: foreign };
      }
    }
    let config;
    try {
      config = await resolved.loadConfig(resolved.now());
    } catch (error) {
      // Drains only hold while the document is bad: a hook left to time out would cut streams.
      const held = await holdManagedDrains(resolved.ports.autoscaling, hookName, resolved.retry);
      resolved.telemetry.error('drain: configuration rejected; draining instances only held, nothing sent or released', { error: describeError(error), ...held });
      resolved.telemetry.metric({ name: 'ConfigInvalid', value: 1, unit: MetricUnit.Count, dimensions: { Function: 'drain' } });
      throw error;
    }
    const result = await runDrainTick(resolved, config, {
      documentName: resolved.drainDocumentName,
      hookName,
      ensureHooks: parsed.kind === 'schedule',
      hookCheckedAt,
      // An event reconciles only the fleet its group belongs to; the schedule does every fleet.
      ...(parsed.kind === 'lifecycle' ? { onlyGroup: parsed.groupName } : {}),
    });
    if (parsed.kind === 'lifecycle' && result.fleets.length === 0) {
      resolved.telemetry.info('drain event for a group no fleet names ignored', { group: parsed.groupName, instanceId: parsed.instanceId, eventTime: parsed.time.toISOString() });
      return { ignored: `group ${parsed.groupName} belongs to no fleet of the document` };
    }
    if (parsed.kind === 'lifecycle' && !result.fleets.some((f) => f.instances.some((i) => i.instanceId === parsed.instanceId && i.groupName === parsed.groupName))) {
      // A duplicate or late event (already released, instance gone), an unmanaged group,
      // or a describe that has not caught up; the schedule looks again within a minute.
      resolved.telemetry.info('drain event instance not waiting in a managed group', { group: parsed.groupName, instanceId: parsed.instanceId, eventTime: parsed.time.toISOString() });
    }
    return result;
  });
}

/**
 * Why a lifecycle event is not this controller's: another hook, another account or
 * another region than the Lambda's own (its ARN says which); undefined when it is ours.
 */
export function foreignEvent(event: DrainEvent & { kind: 'lifecycle' }, context: Pick<Context, 'invokedFunctionArn'>, hookName: string): string | undefined {
  if (event.hookName !== hookName) return `hook ${event.hookName} is not ${hookName}`;
  const [, , , region, account] = (context.invokedFunctionArn ?? '').split(':');
  if (event.account !== undefined && account && event.account !== account) return `account ${event.account} is not this Lambda's (${account})`;
  if (event.region !== undefined && region && event.region !== region) return `region ${event.region} is not this Lambda's (${region})`;
  return undefined;
}

let cached: DrainHandlerDeps | undefined;

export function drainDepsFromEnv(env: NodeJS.ProcessEnv = process.env): DrainHandlerDeps {
  if (cached) return cached;
  const documentName = env.DRAIN_DOCUMENT_NAME;
  if (!documentName || !/^[a-zA-Z0-9_.-]{3,128}$/.test(documentName)) {
    throw new DrainHandlerError(`DRAIN_DOCUMENT_NAME must name the drain SSM document (3-128 of letters, digits, "_", "." or "-"), got ${JSON.stringify(documentName)}`);
  }
  const hookName = env.DRAIN_HOOK_NAME;
  if (hookName !== undefined && !/^[A-Za-z0-9_./-]{1,255}$/.test(hookName)) {
    throw new DrainHandlerError(`DRAIN_HOOK_NAME must be a lifecycle hook name (1-255 of letters, digits and _./-), got ${JSON.stringify(hookName)}`);
  }
  const base = productionDeps(env);
  const region = env.AWS_REGION;
  // EKS fleets are drained through their cluster's API with the function's own role (an
  // access entry, infra/eks-access.yml): its credentials presign the bearer token.
  const kubernetes = region ? eksConnector({ eks: base.ports.eks, region, credentials: defaultProvider(), now: base.now, retry: base.retry }) : undefined;
  cached = { ...base, kubernetes, drainDocumentName: documentName, hookName: hookName || undefined };
  return cached;
}

export const handler = inProduction(createDrainHandler(() => drainDepsFromEnv()));
