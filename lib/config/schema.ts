import { z } from 'zod';
import { CronError, parseCron } from './cron.js';
import { backlogSchema } from './backlog.js';

/**
 * The fleet document: one YAML/JSON document (a file locally, an SSM parameter in
 * production) that declares every fleet the controller manages. Defaults are the
 * conservative choice; see README "Configuration reference".
 */

const name = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/, 'must be 1-64 characters of letters, digits, ".", "_" or "-", starting with a letter or digit');

// Auto Scaling group names allow most printable characters; we exclude the ones that
// would make a log line or a CloudWatch dimension ambiguous.
const asgName = z
  .string()
  .min(1)
  .max(255)
  .regex(/^[A-Za-z0-9_.:/@+=-]+$/, 'must be an Auto Scaling group name (letters, digits and _.:/@+=-)');

const eksName = z
  .string()
  .regex(/^[0-9A-Za-z][A-Za-z0-9_-]{0,99}$/, 'must be an EKS name (letters, digits, "-" and "_", starting alphanumeric)');

export const asgTargetSchema = z.strictObject({
  type: z.literal('asg'),
  autoScalingGroupName: asgName,
});

export const eksTargetSchema = z.strictObject({
  type: z.literal('eks'),
  clusterName: eksName,
  nodegroupName: eksName,
});

export const targetSchema = z.discriminatedUnion('type', [asgTargetSchema, eksTargetSchema]);

const capacity = z.number().positive('must be a positive number of requests per instance').max(100_000);

const kindSchema = z.strictObject({
  /** Requests one instance serves at acceptable latency, from the operator's benchmarks. */
  capacity,
});

const streamKindSchema = z.union([
  kindSchema,
  z.strictObject({
    /** Use the Engine's own engine_estimated_stream_capacity, averaged over instances. */
    capacity: z.literal('engine'),
    /** Used when no instance reports a capacity (an empty fleet, or the metric missing). */
    fallbackCapacity: capacity,
  }),
]);

const stabilization = z.number().int().min(0).max(3600);
const cooldown = z.number().int().min(0).max(3600);

const stepSchema = z.strictObject({
  /** Scale-up: look at the lowest recommendation over this many seconds (HPA: 0). Scale-down: the highest (HPA: 300). */
  stabilizationSeconds: stabilization,
  /** Seconds after the fleet's last scaling activity before another move in this direction. */
  cooldownSeconds: cooldown,
  /** At most this many instances per tick... */
  maxInstancesPerStep: z.number().int().min(1).max(1000),
  /** ...or this percent of the current count per tick, whichever allows more (HPA's selectPolicy Max). */
  maxPercentPerStep: z.number().min(1).max(1000),
});

export const apiFleetSchema = z.strictObject({
  target: targetSchema,
  /** Engine instances per API instance: 4 means one API instance for every four Engines. */
  ratio: z.number().int().min(1).max(16, 'must be at most 16 (Deepgram supports up to 1 API per 16 Engines)').default(4),
  minInstances: z.number().int().min(0).max(1000).default(1),
  maxInstances: z.number().int().min(1).max(1000).default(250),
});

export const drainSchema = z.strictObject({
  /** Longest a draining instance is held for its streams before it is released anyway. */
  // Auto Scaling ends a lifecycle hook after 48 h however often it is heartbeated; the
  // hook needs 15 minutes past the deadline (lib/drain/hook.ts) for the releasing tick.
  gracePeriodSeconds: z
    .number()
    .int()
    .min(60)
    .max(171_900, 'must be at most 171900 (48 hours less 15 minutes): Auto Scaling ends a lifecycle hook after 48 hours however often it is heartbeated')
    .default(3600),
  /** Container name pattern the SSM document SIGINTs. */
  containerNamePattern: z
    .string()
    .regex(/^[A-Za-z0-9_.-]{1,64}$/, 'must be 1-64 characters of letters, digits, "_", "." or "-"')
    .default('deepgram'),
  /** docker on EC2 hosts, containerd (crictl) on EKS nodes. */
  runtime: z.enum(['docker', 'containerd']).optional(),
  /**
   * Stream-safe scale-in: only instances serving at most this many requests are scaled in;
   * the rest of a scale-in waits until instances empty. Each stream on a victim is a stream
   * that may outlive the grace period; unset, the least-loaded leave whatever their load.
   * Auto Scaling group fleets only: an EKS node group picks its own victims.
   */
  maxVictimRequests: z.number().int().min(0).optional(),
});

const timeZone = z.string().refine(
  (zone) => {
    try {
      new Intl.DateTimeFormat('en-US', { timeZone: zone });
      return true;
    } catch {
      return false;
    }
  },
  { message: 'must be an IANA time zone such as America/New_York' },
);

const CRON_SHAPE = /^cron\(\S+( \S+){5}\)$/;

export const redeploySchema = z.strictObject({
  enabled: z.boolean().default(false),
  /** EventBridge Scheduler cron expression, e.g. "cron(0 3 * * ? *)". */
  schedule: z
    .string()
    .regex(CRON_SHAPE, 'must be an EventBridge Scheduler cron expression: cron(minutes hours day-of-month month day-of-week year)')
    // The shape alone let cron(99 3 * * ? *) through to fail every redeploy tick instead.
    .superRefine((expression, ctx) => {
      if (!CRON_SHAPE.test(expression)) return;
      try {
        parseCron(expression, 'cron');
      } catch (error) {
        if (!(error instanceof CronError)) throw error;
        ctx.addIssue({ code: 'custom', message: `must be a valid EventBridge cron expression: ${error.field}: ${error.rule}`, input: expression });
      }
    })
    .default('cron(0 3 * * ? *)'),
  timeZone: timeZone.default('UTC'),
  windowMinutes: z.number().int().min(15).max(720).default(180),
  /** Instances replaced at a time, as a count. */
  segmentSize: z.number().int().min(1).max(1000).default(1),
  /** Skip the roll while utilisation (load / serving capacity) is above this. */
  busyUtilization: z.number().gt(0).max(1).default(0.5),
  /** No instance replaced for this many minutes: the roll is stopped and pages. Default: warm-up + 2 + drain grace, in minutes. */
  stallMinutes: z.number().int().min(5).max(720).optional(),
});

export const fleetSchema = z
  .strictObject({
    name,
    target: targetSchema,
    kinds: z
      .strictObject({
        stream: streamKindSchema.optional(),
        batch: kindSchema.optional(),
        tts: kindSchema.optional(),
      })
      .refine((kinds) => Object.values(kinds).some((k) => k !== undefined), {
        message: 'must declare at least one of stream, batch, tts',
      }),
    /** Fraction of per-instance capacity to plan for; the rest is headroom for boot time. */
    targetUtilization: z.number().gt(0).max(1).default(0.7),
    /** No change while |load / planned capacity - 1| is within this band (HPA: 0.1). */
    tolerance: z.number().min(0).max(0.5).default(0.1),
    minInstances: z.number().int().min(0).max(1000),
    maxInstances: z.number().int().min(1).max(1000),
    scaleUp: stepSchema.default({ stabilizationSeconds: 0, cooldownSeconds: 60, maxInstancesPerStep: 4, maxPercentPerStep: 100 }),
    scaleDown: stepSchema.default({ stabilizationSeconds: 600, cooldownSeconds: 300, maxInstancesPerStep: 2, maxPercentPerStep: 10 }),
    /** Seconds a new instance needs before it serves (boot + model load): not expected to report metrics before. */
    warmupSeconds: z.number().int().min(0).max(3600).default(600),
    api: apiFleetSchema.optional(),
    drain: drainSchema.default({ gracePeriodSeconds: 3600, containerNamePattern: 'deepgram' }),
    redeploy: redeploySchema.optional(),
    /** Decide and log, change nothing. A new fleet starts in dry-run until the operator turns it off. */
    dryRun: z.boolean().default(true),
    /**
     * false: this fleet stays reactive even when the stack forecasts (stack parameter
     * `predictive`); unset follows the stack. A fleet whose traffic has no weekly or daily
     * rhythm gains nothing from a forecast but its GetMetricData queries.
     */
    predictive: z.boolean().optional(),
    /** Work waiting for the fleet (a queue's depth): scaled on beside the concurrency rule, the larger need wins (lib/config/backlog.ts). */
    backlog: backlogSchema.optional(),
    /**
     * The Engines' own concurrency limit (engine.toml's max active requests, reported as
     * engine_max_active_requests; 0 = no limit). A capacity above it cannot be served: the
     * Engine turns the rest away with 429.
     */
    engineMaxActiveRequests: z.number().int().min(0).max(100_000).optional(),
  })
  .superRefine((fleet, ctx) => {
    // A fleet at zero has no Engine to publish the metrics it scales on, so only a signal
    // that exists while nothing runs (the backlog) can ever wake it.
    if (fleet.minInstances === 0 && fleet.backlog === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['minInstances'],
        message:
          'must be at least 1 unless the fleet declares a backlog: with no instance running no Engine publishes the metrics the controller scales on, so a fleet at zero would stay at zero whatever the demand',
        input: fleet.minInstances,
      });
    }
    const limit = fleet.engineMaxActiveRequests;
    if (limit !== undefined && limit > 0) {
      for (const kind of ['stream', 'batch', 'tts'] as const) {
        const declared = fleet.kinds[kind];
        if (declared === undefined) continue;
        const [field, value] = declared.capacity === 'engine' ? (['fallbackCapacity', (declared as { fallbackCapacity: number }).fallbackCapacity] as const) : (['capacity', declared.capacity] as const);
        if (value > limit) {
          ctx.addIssue({
            code: 'custom',
            path: ['kinds', kind, field],
            message: `must be at most engineMaxActiveRequests (${limit}): the Engines turn away every request above their own limit`,
            input: value,
          });
        }
      }
    }
    if (fleet.minInstances > fleet.maxInstances) {
      ctx.addIssue({
        code: 'custom',
        path: ['minInstances'],
        message: `must be at most maxInstances (${fleet.maxInstances})`,
        input: fleet.minInstances,
      });
    }
    if (fleet.api && fleet.api.minInstances > fleet.api.maxInstances) {
      ctx.addIssue({
        code: 'custom',
        path: ['api', 'minInstances'],
        message: `must be at most api.maxInstances (${fleet.api.maxInstances})`,
        input: fleet.api.minInstances,
      });
    }
    if (fleet.drain.maxVictimRequests !== undefined && fleet.target.type !== 'asg') {
      ctx.addIssue({
        code: 'custom',
        path: ['drain', 'maxVictimRequests'],
        message: 'applies to Auto Scaling group fleets only: an EKS node group picks its own scale-in victims',
        input: fleet.drain.maxVictimRequests,
      });
    }
  });

export const configSchema = z
  .strictObject({
    version: z.literal(1),
    /** Where the CloudWatch agent publishes the Engine metrics. */
    engineNamespace: z.string().min(1).max(255).default('Deepgram/Engine'),
    /** The controller's query period; a multiple of the agent's scrape interval. */
    periodSeconds: z.union([z.literal(60), z.literal(120), z.literal(300)]).default(60),
    /** How often the CloudWatch agent scrapes /metrics: a Sum over a period adds period/scrape samples per instance (every allowed value divides every allowed period). */
    scrapeIntervalSeconds: z.union([z.literal(10), z.literal(15), z.literal(20), z.literal(30), z.literal(60)]).default(60),
    /** A fleet whose newest datapoint is older than this never scales in. */
    staleAfterSeconds: z.number().int().min(60).max(3600).default(180),
    /** engine_requests_total statuses that mean a request was turned away. */
    rejectedStatuses: z.array(z.string().regex(/^[1-5][0-9]{2}$/, 'must be an HTTP status code')).min(1).max(10).default(['429', '503']),
    fleets: z.array(fleetSchema).min(1).max(500),
  })
  .superRefine((config, ctx) => {
    const seen = new Map<string, number>();
    const targets = new Map<string, number>();
    config.fleets.forEach((fleet, index) => {
      const first = seen.get(fleet.name);
      if (first !== undefined) {
        ctx.addIssue({ code: 'custom', path: ['fleets', index, 'name'], message: `must be unique (also fleets[${first}].name)`, input: fleet.name });
      } else seen.set(fleet.name, index);
      for (const [path, target] of [[['target'], fleet.target] as const, ...(fleet.api ? [[['api', 'target'], fleet.api.target] as const] : [])]) {
        const key = targetKey(target);
        const owner = targets.get(key);
        if (owner !== undefined) {
          ctx.addIssue({ code: 'custom', path: ['fleets', index, ...path], message: `must not be managed twice (also fleets[${owner}])` });
        } else targets.set(key, index);
      }
    });
  });

export type Target = z.infer<typeof targetSchema>;
export type AsgTarget = z.infer<typeof asgTargetSchema>;
export type EksTarget = z.infer<typeof eksTargetSchema>;
export type FleetConfig = z.infer<typeof fleetSchema>;
export type ControllerConfig = z.infer<typeof configSchema>;
export type ConfigInput = z.input<typeof configSchema>;

export function targetKey(target: Target): string {
  return target.type === 'asg' ? `asg:${target.autoScalingGroupName}` : `eks:${target.clusterName}/${target.nodegroupName}`;
}
