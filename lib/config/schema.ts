import { z } from 'zod';
import { CronError, parseCron } from './cron.js';
import { backlogSchema } from './backlog.js';
import { awsName, cloudWatchNamespace } from './names.js';

/**
 * The fleet document: one YAML/JSON document (a file locally, an SSM parameter in
 * production) that declares every fleet the controller manages. Defaults are the
 * conservative choice; see README "Configuration reference".
 */

const name = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/, 'must be 1-64 characters of letters, digits, ".", "_" or "-", starting with a letter or digit');

// Auto Scaling group names are ASCII 33-126 without ":" (CreateAutoScalingGroup); we
// also exclude the characters that would make a log line or a CloudWatch dimension
// ambiguous. Names are case-sensitive in AWS, so "Engine" and "engine" are two groups.
export const ASG_ARN = /^arn:[^:]+:autoscaling:[^:]*:[^:]*:autoScalingGroup:[^:]*:autoScalingGroupName\/(.+)$/;
export const CLUSTER_ARN = /^arn:[^:]+:eks:[^:]*:[^:]*:cluster\/(.+)$/;
export const NODEGROUP_ARN = /^arn:[^:]+:eks:[^:]*:[^:]*:nodegroup\/[^/]+\/([^/]+)\/.*$/;

const asgName = awsName({ what: 'an Auto Scaling group name', max: 255, pattern: /^[A-Za-z0-9_./@+=-]+$/, allowed: 'letters, digits and _./@+=-', arnName: ASG_ARN });

// EKS: "alphanumeric characters (case-sensitive), hyphens and underscores, starting
// alphanumeric"; a cluster name has at most 100 characters, a node group name 63.
const eksName = (what: string, max: number, arnName: RegExp) =>
  awsName({ what, max, pattern: /^[0-9A-Za-z][A-Za-z0-9_-]*$/, allowed: 'letters, digits, "-" and "_", starting with a letter or digit', arnName });
const clusterName = eksName('an EKS cluster name', 100, CLUSTER_ARN);
const nodegroupName = eksName('an EKS node group name', 63, NODEGROUP_ARN);

export const asgTargetSchema = z.strictObject({
  type: z.literal('asg'),
  autoScalingGroupName: asgName,
});

export const eksTargetSchema = z.strictObject({
  type: z.literal('eks'),
  clusterName,
  nodegroupName,
});

export const targetSchema = z.discriminatedUnion('type', [asgTargetSchema, eksTargetSchema], {
  error: (issue) => (issue.code === 'invalid_union' ? 'must be {type: asg, autoScalingGroupName} or {type: eks, clusterName, nodegroupName}' : undefined),
});

// An instance that cannot serve one request has no capacity to plan with, and one that
// serves more than 100000 at once is a typo (an H100 serves hundreds of streams).
const capacity = z.number().min(1, 'must be at least 1 request per instance').max(100_000, 'must be at most 100000 requests per instance');

const kindSchema = z.strictObject({
  /** Requests one instance serves at acceptable latency, from the operator's benchmarks. */
  capacity,
});

/**
 * `{capacity: N}`, or `{capacity: engine, fallbackCapacity: N}` to use the Engine's own
 * engine_estimated_stream_capacity, averaged over instances; the fallback is used when no
 * instance reports one (an empty fleet, or the metric missing). One object rather than a
 * union, so a problem names the field (lib/config/rules.ts pairs the two).
 */
const streamKindSchema = z.strictObject({
  capacity: z.union([capacity, z.literal('engine')], {
    error: (issue) => {
      if (issue.code !== 'invalid_union') return undefined;
      const unusable = typeof issue.input === 'number' ? ` (${String(issue.input)} is not a usable number)` : '';
      return `must be a number of streams per instance (1 to 100000) or "engine" (the Engine's own estimate)${unusable}`;
    },
  }),
  fallbackCapacity: capacity.optional(),
});

const stabilization = z.number().int().min(0).max(3600);
const cooldown = z.number().int().min(0).max(3600);

interface StepDefaults {
  stabilizationSeconds: number;
  cooldownSeconds: number;
  maxInstancesPerStep: number;
  maxPercentPerStep: number;
}

/** A step rule whose every field has its own default, so `{cooldownSeconds: 120}` keeps the rest. */
const stepSchema = (defaults: StepDefaults) =>
  z
    .strictObject({
      /** Scale-up: look at the lowest recommendation over this many seconds (HPA: 0). Scale-down: the highest (HPA: 300). */
      stabilizationSeconds: stabilization.default(defaults.stabilizationSeconds),
      /** Seconds after the fleet's last scaling activity before another move in this direction. */
      cooldownSeconds: cooldown.default(defaults.cooldownSeconds),
      /** At most this many instances per tick... */
      maxInstancesPerStep: z.number().int().min(1).max(1000).default(defaults.maxInstancesPerStep),
      /** ...or this percent of the current count per tick, whichever allows more (HPA's selectPolicy Max). */
      maxPercentPerStep: z.number().min(1).max(1000).default(defaults.maxPercentPerStep),
    })
    .prefault({});

export const SCALE_UP_DEFAULTS: StepDefaults = { stabilizationSeconds: 0, cooldownSeconds: 60, maxInstancesPerStep: 4, maxPercentPerStep: 100 };
// Scale-in waits for a quiet quarter of an hour and a quarter of an hour after any move:
// a move undone sooner pays a drain and a boot for nothing. Then it goes the whole way
// (HPA: 100 %): the window already proved the capacity idle.
export const SCALE_DOWN_DEFAULTS: StepDefaults = { stabilizationSeconds: 900, cooldownSeconds: 900, maxInstancesPerStep: 2, maxPercentPerStep: 100 };

export const apiFleetSchema = z.strictObject({
  target: targetSchema,
  /** Engine instances per API instance: 4 means one API instance for every four Engines. */
  ratio: z.number().int().min(1).max(16, 'must be at most 16 (Deepgram supports up to 1 API per 16 Engines)').default(4),
  minInstances: z.number().int().min(0).max(1000).default(1),
  maxInstances: z.number().int().min(1).max(1000).default(250),
});

export const drainSchema = z.strictObject({
  /** Longest a draining instance is held for its streams before it is released anyway. */
  // Auto Scaling ends a lifecycle hook after 48 h however often it is heartbeated. At the
  // 48 h limit itself the hook's own end releases the instance at the grace deadline.
  gracePeriodSeconds: z
    .number()
    .int()
    .min(60)
    .max(172_800, 'must be at most 172800 (48 hours): Auto Scaling ends a lifecycle hook after 48 hours however often it is heartbeated')
    .default(3600),
  /** Container name pattern the SSM document SIGINTs. */
  containerNamePattern: z
    .string()
    .regex(/^[A-Za-z0-9_.-]{1,64}$/, 'must be 1-64 characters of letters, digits, "_", "." or "-"')
    .default('deepgram'),
  /** docker on EC2 hosts, containerd (crictl) on EKS nodes. */
  runtime: z.enum(['docker', 'containerd'], { error: 'must be "docker" (EC2 hosts) or "containerd" (EKS nodes)' }).optional(),
  /**
   * Stream-safe scale-in: only instances serving at most this many requests are scaled in;
   * the rest of a scale-in waits until instances empty. Each stream on a victim is a stream
   * that may outlive the grace period; unset, the least-loaded leave whatever their load.
   * EKS node groups too: victims leave through the backing Auto Scaling group.
   */
  maxVictimRequests: z.number().int().min(0).max(100_000).optional(),
});

// A Kubernetes object name (RFC 1123 DNS subdomain, as Deployments and namespaces use).
const kubeName = z
  .string()
  .regex(/^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/, 'must be a Kubernetes name (lower-case letters, digits, "-" and ".", starting and ending alphanumeric)');
// matchLabels: keys with an optional DNS prefix, values of up to 63 name characters.
const matchLabels = z.record(
  z.string().regex(/^([a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/, 'must be a Kubernetes label key'),
  z.string().regex(/^([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?$/, 'must be a Kubernetes label value'),
);

/**
 * How an EKS fleet's drain and pods go through Kubernetes (docs/eks.md). The drain cordons
 * a leaving node and evicts the pods these labels select; with `namespace` and the
 * Deployments named, Engine replicas follow the node group's nodes and API replicas the
 * Engine count at `apiRatio`, through the Deployments' scale subresource.
 */
export const kubernetesSchema = z
  .strictObject({
    engineLabels: matchLabels.refine((l) => Object.keys(l).length > 0, 'must name at least one label').default({ app: 'deepgram-engine' }),
    apiLabels: matchLabels.refine((l) => Object.keys(l).length > 0, 'must name at least one label').default({ app: 'deepgram-api' }),
    namespace: kubeName.optional(),
    engineDeployment: kubeName.optional(),
    apiDeployment: kubeName.optional(),
    apiRatio: z.number().int().min(1).max(16, 'must be at most 16 (Deepgram supports up to 1 API per 16 Engines)').default(4),
    apiMinReplicas: z.number().int().min(0).max(1000).default(1),
    apiMaxReplicas: z.number().int().min(1).max(1000).default(250),
  })
  .superRefine((k, ctx) => {
    for (const field of ['engineDeployment', 'apiDeployment'] as const) {
      if (k[field] !== undefined && k.namespace === undefined) ctx.addIssue({ code: 'custom', path: ['namespace'], message: `must be set with ${field}: the Deployment's namespace`, input: k.namespace });
    }
    if (k.apiMinReplicas > k.apiMaxReplicas) ctx.addIssue({ code: 'custom', path: ['apiMinReplicas'], message: `must be at most apiMaxReplicas (${k.apiMaxReplicas})`, input: k.apiMinReplicas });
  });

export const serviceLevelSchema = z.strictObject({
  maxOverCapacityShare: z.number().gt(0, 'must be a share > 0 (0.0005 = 0.05 % of request-minutes)').max(0.5, 'must be at most 0.5 (half the request-minutes over capacity)').default(0.0005),
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
/** The longest redeploy window a fleet document allows: no roll's marker can outlast it (lib/fleet/roll-marker.ts). */
export const MAX_REDEPLOY_WINDOW_MINUTES = 720;

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
  windowMinutes: z.number().int().min(15).max(MAX_REDEPLOY_WINDOW_MINUTES).default(180),
  /** Instances replaced at a time, as a count. */
  segmentSize: z.number().int().min(1).max(1000).default(1),
  /** Skip the roll while utilisation (load / serving capacity) is above this. */
  // Below 5 % the roll never finds a quiet enough night to start.
  busyUtilization: z.number().min(0.05).max(1).default(0.5),
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
    /**
     * Fraction of per-instance capacity the reactive rule plans for. Unset (the default):
     * REACTIVE_TARGET_UTILIZATION when the decision has no forecast, the rest being headroom
     * for boot time; FORECAST_FLOOR_UTILIZATION when a forecast stands, which carries the
     * headroom itself (sized from the service level), so the reactive rule only guards
     * against what it missed; a forecast whose headroom is still assumed (no past errors to
     * measure yet) does not count. Set, it applies either way.
     */
    // Below 10 % the fleet runs nine idle instances for each busy one: a typo, not a plan.
    targetUtilization: z.number().min(0.1).max(1).optional(),
    /** No change while |load / planned capacity - 1| is within this band (HPA: 0.1; loads here are counts, not noisy CPU). */
    tolerance: z.number().min(0).max(0.5).default(0.05),
    minInstances: z.number().int().min(0).max(1000),
    maxInstances: z.number().int().min(1).max(1000),
    scaleUp: stepSchema(SCALE_UP_DEFAULTS),
    scaleDown: stepSchema(SCALE_DOWN_DEFAULTS),
    /** Seconds a new instance needs before it serves (boot + model load): not expected to report metrics before. */
    warmupSeconds: z.number().int().min(0).max(3600).default(600),
    /**
     * The service the fleet must keep, which sizes the forecast's headroom from the fleet's
     * own past forecast errors (lib/predict/headroom.ts). maxOverCapacityShare: the largest
     * share of request-minutes served above an instance's capacity (0.0005 = 0.05 %).
     */
    serviceLevel: serviceLevelSchema.default({ maxOverCapacityShare: 0.0005 }),
    api: apiFleetSchema.optional(),
    drain: drainSchema.prefault({}),
    /** EKS fleets: the pods the drain evicts and the Deployments that follow the nodes. Defaults to the chart's labels. */
    kubernetes: kubernetesSchema.optional(),
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
  });

/** The reactive rule's planned utilisation when the document leaves it unset and no forecast stands. */
export const REACTIVE_TARGET_UTILIZATION = 0.7;
/** ...and when a forecast stands: it acts only past FORECAST_FLOOR_UTILIZATION x (1 + tolerance) of capacity. */
export const FORECAST_FLOOR_UTILIZATION = 0.95;

/** The utilisation the reactive rule plans for this tick (see fleetSchema.targetUtilization). */
export function effectiveTargetUtilization(fleet: Pick<FleetConfig, 'targetUtilization'>, forecastStands: boolean): number {
  return fleet.targetUtilization ?? (forecastStands ? FORECAST_FLOOR_UTILIZATION : REACTIVE_TARGET_UTILIZATION);
}

export const configSchema = z.strictObject({
  version: z.literal(1, { error: 'must be 1 (the only version of the fleet document so far)' }),
  /** Where the CloudWatch agent publishes the Engine metrics. */
  engineNamespace: cloudWatchNamespace.default('Deepgram/Engine'),
  /** The controller's query period; a multiple of the agent's scrape interval. */
  periodSeconds: z.literal([60, 120, 300], { error: 'must be 60, 120 or 300 (seconds)' }).default(60),
  /** How often the CloudWatch agent scrapes /metrics: a Sum over a period adds period/scrape samples per instance (every allowed value divides every allowed period). */
  scrapeIntervalSeconds: z.literal([10, 15, 20, 30, 60], { error: 'must be 10, 15, 20, 30 or 60 (seconds): each divides every allowed period' }).default(60),
  /** A fleet whose newest datapoint is older than this never scales in. */
  staleAfterSeconds: z.number().int().min(60).max(3600).default(180),
  /** engine_requests_total statuses that mean a request was turned away. */
  rejectedStatuses: z
    .array(z.string().regex(/^[1-5][0-9]{2}$/, 'must be an HTTP status code'))
    .min(1)
    .max(10)
    .refine((statuses) => new Set(statuses).size === statuses.length, { message: 'must not list a status twice' })
    .default(['429', '503']),
  fleets: z.array(fleetSchema).min(1).max(500),
});

export type Target = z.infer<typeof targetSchema>;
export type AsgTarget = z.infer<typeof asgTargetSchema>;
export type EksTarget = z.infer<typeof eksTargetSchema>;
export type FleetConfig = z.infer<typeof fleetSchema>;
export type KubernetesConfig = z.infer<typeof kubernetesSchema>;
export type ControllerConfig = z.infer<typeof configSchema>;
export type ConfigInput = z.input<typeof configSchema>;

export function targetKey(target: Target): string {
  return target.type === 'asg' ? `asg:${target.autoScalingGroupName}` : `eks:${target.clusterName}/${target.nodegroupName}`;
}
