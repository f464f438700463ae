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

/** The drain commands SSM listed, by instance, and what its answer left out. */
export interface DrainCommandListing {
  byInstance: Map<string, DrainCommand[]>;
  /**
   * One line per invocation SSM described without a field it needs (field, rule, value):
   * kept as sent where it can be placed, never dropped silently.
   */
  incomplete: string[];
}

/**
 * Every drain command invoked since `invokedAfter`, by instance, with one paginated
 * ListCommandInvocations for all fleets: the calls grow with the commands in the window,
 * not with the number of instances looked at.
 */
export async function listDrainCommands(
  ssm: SsmPort,
  args: { documentName: string; invokedAfter: Date; retry?: RetryPolicy },
): Promise<DrainCommandListing> {
  const byInstance = new Map<string, DrainCommand[]>();
  const incomplete: string[] = [];
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
        const read = readInvocation(invocation);
        if (read.problem) incomplete.push(read.problem);
        if (!read.command || !read.instanceId) continue;
        const list = byInstance.get(read.instanceId) ?? [];
        list.push(read.command);
        byInstance.set(read.instanceId, list);
      }
    },
  );
  return { byInstance, incomplete };
}

const NEEDED_FIELDS = ['CommandId', 'RequestedDateTime', 'Status'] as const;
/** drainCommandComment's shape: the Comment names the instance the command was sent to. */
const COMMENT_INSTANCE = new RegExp(`^${DRAIN_COMMENT_PREFIX} (i-[0-9a-f]+)$`);

/**
 * One invocation as a drain command of one instance. A field SSM left out is unknown,
 * never a default: the command still counts as sent (a drain that believed no SIGINT went
 * out would send another and start its clock again), and decide.ts reads its unknowns as
 * unknown. Only the Comment says the controller sent it: without one the invocation could
 * be a person running the document by hand, which is no drain of this controller's.
 */
function readInvocation(invocation: CommandInvocation): { command?: DrainCommand; instanceId?: string; problem?: string } {
  const id = invocation.CommandId ?? '(no CommandId)';
  if (invocation.Comment === undefined) {
    return { problem: `ssm:ListCommandInvocations answered command ${id} on ${invocation.InstanceId ?? '(no InstanceId)'} without Comment: whether the controller sent it is unknown, so it is not taken as a drain` };
  }
  if (!invocation.Comment.startsWith(DRAIN_COMMENT_PREFIX)) return {};
  const instanceId = invocation.InstanceId || COMMENT_INSTANCE.exec(invocation.Comment)?.[1];
  const missing: string[] = NEEDED_FIELDS.filter((field) => !invocation[field]);
  if (!invocation.InstanceId) missing.unshift('InstanceId');
  const plugin = invocation.CommandPlugins?.[0];
  const command: DrainCommand = {
    ...(invocation.CommandId ? { commandId: invocation.CommandId } : {}),
    ...(invocation.RequestedDateTime ? { requestedAt: new Date(invocation.RequestedDateTime) } : {}),
    startedAt: plugin?.ResponseStartDateTime ? new Date(plugin.ResponseStartDateTime) : undefined,
    ...(invocation.Status ? { status: invocation.Status } : {}),
    responseCode: plugin?.ResponseCode !== undefined && plugin.ResponseCode >= 0 ? plugin.ResponseCode : undefined,
    containersExited: (plugin?.Output ?? '').includes(CONTAINERS_EXITED_LINE),
    ...(missing.length > 0 ? { missing } : {}),
  };
  if (missing.length === 0) return { command, instanceId };
  const outcome = instanceId
    ? `counted as sent to ${instanceId}${invocation.InstanceId ? '' : ' (named by its Comment)'}, what is missing as unknown: never sent again for it, the drain clock from the earliest time still known`
    : 'neither InstanceId nor the Comment names an instance to count it for';
  return { command, instanceId, problem: `ssm:ListCommandInvocations answered drain command ${id} (Comment ${JSON.stringify(invocation.Comment)}) without ${missing.join(', ')}: ${outcome}` };
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
