import { ListCommandInvocationsCommand, SendCommandCommand, type CommandInvocation } from '@aws-sdk/client-ssm';
import { forEachPage } from '../aws/pages.js';
import type { SsmPort } from '../aws/ports.js';
import { awsErrorCode, describeError, withRetry, type RetryPolicy } from '../aws/retry.js';
import type { DrainCommand } from './decide.js';

/**
 * Marks the controller's own drain commands in SSM's history: that history is how a tick
 * knows a drain began and when, so no controller database is needed.
 */
export const DRAIN_COMMENT_PREFIX = 'gpu-fleet-scaler drain';

/** The drain document's last line when every container it signalled has exited. */
export const CONTAINERS_EXITED_LINE = 'gpu-fleet-scaler-drain: every signalled container has exited';

export class DrainCommandError extends Error {
  override readonly name = 'DrainCommandError';
  constructor(
    message: string,
    /** The AWS error code, e.g. InvalidInstanceId when the instance is gone or its agent never registered. */
    readonly code: string | undefined,
    options: { cause: unknown },
  ) {
    super(message, options);
  }
}

/**
 * Every drain command invoked since `invokedAfter`, by instance, with one paginated
 * ListCommandInvocations for all fleets: the calls grow with the commands in the window,
 * not with the number of instances looked at.
 */
export async function listDrainCommands(
  ssm: SsmPort,
  args: { documentName: string; invokedAfter: Date; retry?: RetryPolicy },
): Promise<Map<string, DrainCommand[]>> {
  const byInstance = new Map<string, DrainCommand[]>();
  await forEachPage(
    'ssm:ListCommandInvocations',
    {
      send: (token) =>
        ssm.send(
          new ListCommandInvocationsCommand({
            Filters: [
              { key: 'DocumentName', value: args.documentName },
              { key: 'InvokedAfter', value: args.invokedAfter.toISOString() },
            ],
            // Details carries the plugin's start time: the SIGINT moment.
            Details: true,
            MaxResults: 50,
            NextToken: token,
          }),
        ),
      retry: args.retry,
      failure: (cause) => new DrainCommandError(`listing drain commands of ${args.documentName} failed: ${describeError(cause)}`, awsErrorCode(cause), { cause }),
    },
    (page) => {
      for (const invocation of page.CommandInvocations ?? []) {
        const command = toDrainCommand(invocation);
        if (!command || !invocation.InstanceId) continue;
        const list = byInstance.get(invocation.InstanceId) ?? [];
        list.push(command);
        byInstance.set(invocation.InstanceId, list);
      }
    },
  );
  return byInstance;
}

function toDrainCommand(invocation: CommandInvocation): DrainCommand | undefined {
  if (!invocation.CommandId || !invocation.RequestedDateTime || !invocation.Status) return undefined;
  // Someone running the document by hand is not a drain this controller started.
  if (!invocation.Comment?.startsWith(DRAIN_COMMENT_PREFIX)) return undefined;
  const plugin = invocation.CommandPlugins?.[0];
  return {
    commandId: invocation.CommandId,
    requestedAt: new Date(invocation.RequestedDateTime),
    startedAt: plugin?.ResponseStartDateTime ? new Date(plugin.ResponseStartDateTime) : undefined,
    status: invocation.Status,
    responseCode: plugin?.ResponseCode !== undefined && plugin.ResponseCode >= 0 ? plugin.ResponseCode : undefined,
    containersExited: (plugin?.Output ?? '').includes(CONTAINERS_EXITED_LINE),
  };
}

export interface DrainCommandInput {
  documentName: string;
  instanceId: string;
  containerNamePattern: string;
  runtime: 'docker' | 'containerd' | 'auto';
  /** How long the script waits for the containers to exit: the grace period. */
  waitSeconds: number;
  /** How long SSM keeps trying to reach an agent that does not answer. */
  deliveryTimeoutSeconds: number;
  retry?: RetryPolicy;
}

// The step's timeout must outlive the wait, or SSM kills the script while it still waits.
const EXECUTION_MARGIN_S = 300;
const MAX_EXECUTION_S = 172_800;

export function drainCommandComment(instanceId: string): string {
  return `${DRAIN_COMMENT_PREFIX} ${instanceId}`.slice(0, 100);
}

export async function sendDrainCommand(ssm: SsmPort, input: DrainCommandInput): Promise<string> {
  const executionTimeout = Math.min(MAX_EXECUTION_S, input.waitSeconds + EXECUTION_MARGIN_S);
  try {
    const answer = await withRetry(
      'ssm:SendCommand',
      () =>
        ssm.send(
          new SendCommandCommand({
            DocumentName: input.documentName,
            InstanceIds: [input.instanceId],
            Comment: drainCommandComment(input.instanceId),
            TimeoutSeconds: input.deliveryTimeoutSeconds,
            Parameters: {
              containerNamePattern: [input.containerNamePattern],
              runtime: [input.runtime],
              waitSeconds: [String(input.waitSeconds)],
              executionTimeout: [String(executionTimeout)],
            },
          }),
        ),
      input.retry,
    );
    const commandId = answer.Command?.CommandId;
    if (!commandId) throw new Error('SendCommand answered without a CommandId');
    return commandId;
  } catch (cause) {
    throw new DrainCommandError(`sending ${input.documentName} to ${input.instanceId} failed: ${describeError(cause)}`, awsErrorCode(cause), { cause });
  }
}
