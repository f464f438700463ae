import { z } from 'zod';
import { valueAt } from '../config/load.js';
import { asgTargetSchema } from '../config/schema.js';

export const LIFECYCLE_DETAIL_TYPE = 'EC2 Instance-terminate Lifecycle Action';
export const TERMINATING_TRANSITION = 'autoscaling:EC2_INSTANCE_TERMINATING';

/**
 * The Auto Scaling lifecycle event as EventBridge delivers it. Only the fields the drain
 * uses are checked strictly; EventBridge adds fields over time, so others pass through.
 */
const lifecycleEventSchema = z.object({
  'detail-type': z.literal(LIFECYCLE_DETAIL_TYPE),
  source: z.literal('aws.autoscaling'),
  time: z.iso.datetime({ offset: true }),
  // Compared with the Lambda's own account and region: an event from elsewhere is not ours.
  account: z.string().regex(/^\d{12}$/, 'must be an AWS account id (12 digits)').optional(),
  region: z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d+$/, 'must be an AWS region (e.g. us-east-1)').optional(),
  detail: z.object({
    // Only groups the fleet document can name are drained; anything else is not ours, and
    // a value with control characters would otherwise reach the logs.
    AutoScalingGroupName: asgTargetSchema.shape.autoScalingGroupName,
    LifecycleHookName: z.string().regex(/^[A-Za-z0-9_./-]{1,255}$/, 'must be a lifecycle hook name (1-255 of letters, digits and _./-)'),
    LifecycleTransition: z.literal(TERMINATING_TRANSITION, { message: `must be ${TERMINATING_TRANSITION}: only terminations are drained` }),
    EC2InstanceId: z.string().regex(/^i-(?:[0-9a-f]{8}|[0-9a-f]{17})$/, 'must be an EC2 instance id (i- and 8 or 17 hex digits)'),
    LifecycleActionToken: z
      .string()
      .regex(/^[A-Za-z0-9-]{1,64}$/, 'must be a lifecycle action token (1-64 letters, digits and "-", as in a UUID)')
      .optional(),
  }),
});

const scheduleEventSchema = z.object({
  'detail-type': z.literal('Scheduled Event'),
  source: z.literal('aws.events'),
  time: z.iso.datetime({ offset: true }),
});

export type DrainEvent =
  | { kind: 'lifecycle'; groupName: string; hookName: string; instanceId: string; token?: string; time: Date; account?: string; region?: string }
  | { kind: 'schedule'; time: Date };

export interface EventProblem {
  field: string;
  rule: string;
  value: unknown;
}

export class DrainEventError extends Error {
  override readonly name = 'DrainEventError';
  constructor(
    readonly problems: EventProblem[],
    options?: { cause?: unknown },
  ) {
    super(`invalid drain event:\n${problems.map((p) => `  - ${p.field}: ${p.rule} (got ${JSON.stringify(p.value) ?? 'nothing'})`).join('\n')}`, options);
  }
}

/** Accepts the lifecycle event and the schedule's event; anything else is named and refused. */
export function parseDrainEvent(event: unknown): DrainEvent {
  const detailType = typeof event === 'object' && event !== null ? (event as Record<string, unknown>)['detail-type'] : undefined;
  if (detailType === 'Scheduled Event') {
    const parsed = scheduleEventSchema.safeParse(event);
    if (!parsed.success) throw new DrainEventError(problems(parsed.error, event), { cause: parsed.error });
    return { kind: 'schedule', time: new Date(parsed.data.time) };
  }
  if (detailType === LIFECYCLE_DETAIL_TYPE) {
    const parsed = lifecycleEventSchema.safeParse(event);
    if (!parsed.success) throw new DrainEventError(problems(parsed.error, event), { cause: parsed.error });
    const { detail, time, account, region } = parsed.data;
    return {
      kind: 'lifecycle',
      ...(account !== undefined ? { account } : {}),
      ...(region !== undefined ? { region } : {}),
      groupName: detail.AutoScalingGroupName,
      hookName: detail.LifecycleHookName,
      instanceId: detail.EC2InstanceId,
      token: detail.LifecycleActionToken,
      time: new Date(time),
    };
  }
  throw new DrainEventError([{ field: 'detail-type', rule: `must be "${LIFECYCLE_DETAIL_TYPE}" or "Scheduled Event"`, value: detailType }]);
}

function problems(error: z.ZodError, event: unknown): EventProblem[] {
  return error.issues.map((issue) => ({
    field: issue.path.map(String).join('.') || '(event)',
    rule: issue.message,
    value: valueAt(event, issue.path),
  }));
}

