import {
  GetCommandInvocationCommand,
  ListCommandInvocationsCommand,
  ListCommandsCommand,
  SendCommandCommand,
  type Command,
  type CommandInvocation,
  type CommandFilter,
  type GetCommandInvocationCommandOutput,
  type SendCommandCommandInput,
} from '@aws-sdk/client-ssm';
import { firstIndexNotBefore } from '../lib/sorted-search.js';
import type { SimClock } from './clock.js';
import { awsError, metadata } from './errors.js';
import type { FaultInjector } from './faults.js';
import type { SimInstance } from './model.js';
import { operation, type SimOperation } from './port.js';
import type { IdFactory } from './random.js';

type InvocationStatus = 'Pending' | 'InProgress' | 'Success' | 'Failed' | 'TimedOut' | 'Cancelled';

interface SimInvocation {
  instanceId: string;
  status: InvocationStatus;
  statusDetails: string;
  deliverMinute: number;
  /** Delivery timeout: a command not delivered by then is DeliveryTimedOut. */
  expiresMs: number;
  fate: 'no-answer' | 'undeliverable' | 'failed' | undefined;
  startedMs?: number;
  endedMs?: number;
  responseCode: number;
  stdout: string;
  stderr: string;
}

interface SimCommand {
  id: string;
  input: SendCommandCommandInput;
  requestedMs: number;
  expiresMs: number;
  invocations: SimInvocation[];
}

export interface SimSsmContext {
  clock: SimClock;
  ids: IdFactory;
  faults: FaultInjector;
  drainDocumentName: string;
  deliveryMinutes: number;
  instance: (id: string) => SimInstance | undefined;
}

const TERMINAL = new Set<InvocationStatus>(['Success', 'Failed', 'TimedOut', 'Cancelled']);
const KNOWN_DOCUMENTS = new Set(['AWS-RunShellScript', 'AWS-RunPowerShellScript']);

/**
 * Run Command: each SendCommand makes one invocation per instance, delivered
 * `deliveryMinutes` later by the instance's agent. The drain document SIGINTs the
 * Engine; other documents succeed and do nothing. Agent faults make invocations hang
 * until their delivery timeout, fail as Undeliverable, or exit non-zero.
 */
export class SimSsm {
  /** In the order sent, so requestedMs never decreases along it. */
  readonly commands: SimCommand[] = [];
  private readonly byId = new Map<string, SimCommand>();
  readonly documents = new Set(KNOWN_DOCUMENTS);
  /** Commands with an invocation not yet in a terminal state: the only ones a minute has to look at. */
  private open: SimCommand[] = [];

  constructor(private readonly ctx: SimSsmContext) {
    this.documents.add(ctx.drainDocumentName);
  }

  send(input: SendCommandCommandInput): SimCommand {
    if (!input.DocumentName) throw awsError('ssm', 'ValidationException', "1 validation error detected: Value null at 'documentName' failed to satisfy constraint: Member must not be null");
    if (!this.documents.has(input.DocumentName)) throw awsError('ssm', 'InvalidDocument', `Document with name ${input.DocumentName} does not exist.`);
    let ids = input.InstanceIds ?? [];
    for (const target of input.Targets ?? []) {
      if (target.Key !== 'InstanceIds') throw awsError('ssm', 'InvalidTarget', `The simulated SSM resolves only InstanceIds targets, got Key ${String(target.Key)}`);
      ids = [...ids, ...(target.Values ?? [])];
    }
    if (ids.length === 0) throw awsError('ssm', 'ValidationException', 'SendCommand needs InstanceIds or Targets');
    if (ids.length > 50) throw awsError('ssm', 'ValidationException', `1 validation error detected: Value at 'instanceIds' failed to satisfy constraint: Member must have length less than or equal to 50 (got ${ids.length})`);
    const unknown = ids.filter((id) => !this.ctx.instance(id));
    if (unknown.length > 0) throw awsError('ssm', 'InvalidInstanceId', `Instances [[${unknown.join(', ')}]] not in a valid state for account 123456789012`);
    const timeout = input.TimeoutSeconds ?? 3600;
    if (!Number.isInteger(timeout) || timeout < 30 || timeout > 2_592_000) {
      throw awsError('ssm', 'ValidationException', `1 validation error detected: Value '${timeout}' at 'timeoutSeconds' failed to satisfy constraint: Member must have value between 30 and 2592000`);
    }
    const nowMs = this.ctx.clock.nowMs();
    const command: SimCommand = {
      id: this.ctx.ids.uuid(),
      input: structuredClone(input),
      requestedMs: nowMs,
      expiresMs: nowMs + timeout * 1000,
      invocations: [...new Set(ids)].map((instanceId) => ({
        instanceId,
        status: 'Pending',
        statusDetails: 'Pending',
        deliverMinute: this.ctx.clock.minute + this.ctx.deliveryMinutes,
        expiresMs: nowMs + timeout * 1000,
        fate: this.ctx.faults.ssmFate(instanceId),
        responseCode: -1,
        stdout: '',
        stderr: '',
      })),
    };
    this.commands.push(command);
    this.byId.set(command.id, command);
    this.open.push(command);
    return command;
  }

  /** Delivers what is due: SIGINT for the drain document, or the injected agent failure. */
  tick(): void {
    const minute = this.ctx.clock.minute;
    const nowMs = this.ctx.clock.nowMs();
    if (this.open.length === 0) return;
    for (const command of this.open) {
      for (const inv of command.invocations) {
        if (TERMINAL.has(inv.status)) continue;
        if (nowMs >= inv.expiresMs) {
          finish(inv, 'TimedOut', 'DeliveryTimedOut', nowMs, -1);
          continue;
        }
        if (minute < inv.deliverMinute || inv.fate === 'no-answer') continue;
        const instance = this.ctx.instance(inv.instanceId);
        if (!instance || inv.fate === 'undeliverable') {
          finish(inv, 'Failed', instance ? 'Undeliverable' : 'Terminated', nowMs, -1);
          continue;
        }
        inv.startedMs = nowMs;
        if (inv.fate === 'failed') {
          inv.stderr = 'simulated failure: the script exited with status 1';
          finish(inv, 'Failed', 'Failed', nowMs, 1);
          continue;
        }
        if (command.input.DocumentName === this.ctx.drainDocumentName) {
          instance.engine.sigint(minute);
          inv.stdout = `SIGINT sent to the Engine on ${instance.id}`;
        }
        finish(inv, 'Success', 'Success', nowMs, 0);
      }
    }
    this.open = this.open.filter((c) => c.invocations.some((i) => !TERMINAL.has(i.status)));
  }

  find(commandId: string | undefined): SimCommand | undefined {
    return commandId === undefined ? undefined : this.byId.get(commandId);
  }

  /**
   * The commands a listing filtered on InvokedAfter can match, oldest first: a month of
   * drains would otherwise be scanned on every tick.
   */
  candidates(filters: ReadonlyArray<{ key?: string; value?: string }> | undefined): SimCommand[] {
    const after = filters?.find((f) => f.key === 'InvokedAfter')?.value;
    const afterMs = after === undefined ? Number.NaN : Date.parse(after);
    if (Number.isNaN(afterMs)) return this.commands;
    return this.commands.slice(firstIndexNotBefore(this.commands.length, (i) => (this.commands[i] as SimCommand).requestedMs < afterMs));
  }
}

function finish(inv: SimInvocation, status: InvocationStatus, details: string, nowMs: number, code: number): void {
  inv.status = status;
  inv.statusDetails = details;
  inv.endedMs = nowMs;
  inv.responseCode = code;
}

function commandStatus(command: SimCommand): { Status: Command['Status']; StatusDetails: string } {
  const statuses = command.invocations.map((i) => i.status);
  if (statuses.every((s) => s === 'Pending')) return { Status: 'Pending', StatusDetails: 'Pending' };
  if (statuses.some((s) => !TERMINAL.has(s))) return { Status: 'InProgress', StatusDetails: 'InProgress' };
  if (statuses.every((s) => s === 'Success')) return { Status: 'Success', StatusDetails: 'Success' };
  if (statuses.every((s) => s === 'TimedOut')) return { Status: 'TimedOut', StatusDetails: 'DeliveryTimedOut' };
  if (statuses.some((s) => s === 'Success')) return { Status: 'Success', StatusDetails: 'Incomplete' };
  return { Status: 'Failed', StatusDetails: 'Failed' };
}

function describeCommand(c: SimCommand): Command {
  const { Status, StatusDetails } = commandStatus(c);
  return {
    CommandId: c.id,
    DocumentName: c.input.DocumentName,
    DocumentVersion: c.input.DocumentVersion ?? '$DEFAULT',
    Comment: c.input.Comment ?? '',
    ExpiresAfter: new Date(c.expiresMs),
    Parameters: structuredClone(c.input.Parameters ?? {}),
    InstanceIds: c.invocations.map((i) => i.instanceId),
    Targets: structuredClone(c.input.Targets ?? []),
    RequestedDateTime: new Date(c.requestedMs),
    Status,
    StatusDetails,
    OutputS3Region: 'us-east-1',
    MaxConcurrency: c.input.MaxConcurrency ?? '50',
    MaxErrors: c.input.MaxErrors ?? '0',
    TargetCount: c.invocations.length,
    CompletedCount: c.invocations.filter((i) => TERMINAL.has(i.status)).length,
    ErrorCount: c.invocations.filter((i) => i.status === 'Failed').length,
    DeliveryTimedOutCount: c.invocations.filter((i) => i.statusDetails === 'DeliveryTimedOut').length,
    TimeoutSeconds: c.input.TimeoutSeconds ?? 3600,
  };
}

function describeInvocation(c: SimCommand, i: SimInvocation, details: boolean): CommandInvocation {
  return {
    CommandId: c.id,
    InstanceId: i.instanceId,
    InstanceName: '',
    Comment: c.input.Comment ?? '',
    DocumentName: c.input.DocumentName,
    DocumentVersion: c.input.DocumentVersion ?? '$DEFAULT',
    RequestedDateTime: new Date(c.requestedMs),
    Status: i.status,
    StatusDetails: i.statusDetails,
    StandardOutputUrl: '',
    StandardErrorUrl: '',
    CommandPlugins: details
      ? [
          {
            Name: 'aws:runShellScript',
            Status: i.status,
            StatusDetails: i.statusDetails,
            ResponseCode: i.responseCode,
            Output: i.stdout + i.stderr,
            ...(i.startedMs !== undefined ? { ResponseStartDateTime: new Date(i.startedMs) } : {}),
            ...(i.endedMs !== undefined ? { ResponseFinishDateTime: new Date(i.endedMs) } : {}),
          },
        ]
      : [],
  };
}

function matchesFilters(c: SimCommand, filters: CommandFilter[] | undefined): boolean {
  return (filters ?? []).every((f) => {
    const value = f.value ?? '';
    switch (f.key) {
      case 'InvokedAfter':
        return c.requestedMs >= Date.parse(value);
      case 'InvokedBefore':
        return c.requestedMs <= Date.parse(value);
      case 'Status':
        return commandStatus(c).Status === value;
      case 'DocumentName':
        return c.input.DocumentName === value;
      case 'ExecutionStage':
        return value === 'Executing' ? commandStatus(c).Status === 'InProgress' || commandStatus(c).Status === 'Pending' : TERMINAL.has(commandStatus(c).Status as InvocationStatus);
      default:
        throw awsError('ssm', 'InvalidFilterKey', `Filter key ${String(f.key)} is not valid`);
    }
  });
}

function paginate<T>(items: T[], token: string | undefined, max: number | undefined, limit: number): { items: T[]; next?: string } {
  const size = max ?? limit;
  if (!Number.isInteger(size) || size < 1 || size > limit) throw awsError('ssm', 'ValidationException', `MaxResults must be between 1 and ${limit}, got ${size}`);
  const offset = token === undefined ? 0 : Number(token.replace(/^sim:/, ''));
  if (!Number.isInteger(offset) || offset < 0) throw awsError('ssm', 'InvalidNextToken', `The specified token ${token} is not valid.`);
  const slice = items.slice(offset, offset + size);
  return offset + size < items.length ? { items: slice, next: `sim:${offset + size}` } : { items: slice };
}

export function ssmOperations(ssm: SimSsm): SimOperation[] {
  return [
    operation(SendCommandCommand, 'SendCommand', (input) => ({ $metadata: metadata(), Command: describeCommand(ssm.send(input)) })),
    operation(ListCommandsCommand, 'ListCommands', (input) => {
      if (input.CommandId !== undefined && !ssm.find(input.CommandId)) throw awsError('ssm', 'InvalidCommandId', `Command ID ${input.CommandId} is not valid`);
      const commands = ssm
        .candidates(input.Filters)
        .filter((c) => input.CommandId === undefined || c.id === input.CommandId)
        .filter((c) => input.InstanceId === undefined || c.invocations.some((i) => i.instanceId === input.InstanceId))
        .filter((c) => matchesFilters(c, input.Filters))
        .reverse();
      const { items, next } = paginate(commands, input.NextToken, input.MaxResults, 50);
      return { $metadata: metadata(), Commands: items.map(describeCommand), ...(next ? { NextToken: next } : {}) };
    }),
    operation(ListCommandInvocationsCommand, 'ListCommandInvocations', (input) => {
      if (input.CommandId !== undefined && !ssm.find(input.CommandId)) throw awsError('ssm', 'InvalidCommandId', `Command ID ${input.CommandId} is not valid`);
      const rows = ssm
        .candidates(input.Filters)
        .filter((c) => input.CommandId === undefined || c.id === input.CommandId)
        .filter((c) => matchesFilters(c, input.Filters))
        .flatMap((c) => c.invocations.filter((i) => input.InstanceId === undefined || i.instanceId === input.InstanceId).map((i) => ({ c, i })))
        .reverse();
      const { items, next } = paginate(rows, input.NextToken, input.MaxResults, 50);
      return { $metadata: metadata(), CommandInvocations: items.map(({ c, i }) => describeInvocation(c, i, input.Details ?? false)), ...(next ? { NextToken: next } : {}) };
    }),
    operation(GetCommandInvocationCommand, 'GetCommandInvocation', (input): GetCommandInvocationCommandOutput => {
      const command = ssm.find(input.CommandId);
      const inv = command?.invocations.find((i) => i.instanceId === input.InstanceId);
      if (!command || !inv) throw awsError('ssm', 'InvocationDoesNotExist', `An invocation with command ID ${String(input.CommandId)} and instance ID ${String(input.InstanceId)} does not exist`);
      const iso = (ms: number | undefined) => (ms === undefined ? '' : new Date(ms).toISOString());
      return {
        $metadata: metadata(),
        CommandId: command.id,
        InstanceId: inv.instanceId,
        Comment: command.input.Comment ?? '',
        DocumentName: command.input.DocumentName,
        DocumentVersion: command.input.DocumentVersion ?? '$DEFAULT',
        PluginName: input.PluginName ?? 'aws:runShellScript',
        ResponseCode: inv.responseCode,
        ExecutionStartDateTime: iso(inv.startedMs),
        ExecutionElapsedTime: inv.startedMs !== undefined && inv.endedMs !== undefined ? `PT${(inv.endedMs - inv.startedMs) / 1000}S` : '',
        ExecutionEndDateTime: iso(inv.endedMs),
        Status: inv.status,
        StatusDetails: inv.statusDetails,
        StandardOutputContent: inv.stdout,
        StandardOutputUrl: '',
        StandardErrorContent: inv.stderr,
        StandardErrorUrl: '',
        CloudWatchOutputConfig: { CloudWatchLogGroupName: '', CloudWatchOutputEnabled: false },
      };
    }),
  ];
}
