import type { z } from 'zod';
import { CronError, parseCron } from './cron.js';
import { canonicalName } from './names.js';
import { formatPath, type ConfigProblem } from './problem.js';
import { scheduleProblem } from './schedule.js';
import { apiFleetSchema, ASG_ARN, configSchema, drainSchema, fleetSchema, NODEGROUP_ARN, CLUSTER_ARN, redeploySchema } from './schema.js';

/**
 * Rules across fields. They read the document as written, each field through its own
 * schema (so defaults apply), and a rule runs whenever the fields it compares are valid
 * on their own: one bad field elsewhere does not hide a contradiction here, and the
 * operator sees every problem in one pass.
 */

type Fields = Record<string, unknown>;
type Path = (string | number)[];

const fieldsOf = (value: unknown): Fields | undefined => (value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Fields) : undefined);

/** The field's value as its schema reads it (its default when absent), or undefined when it is invalid on its own. */
function read<T>(schema: z.ZodType<T>, value: unknown): T | undefined {
  const result = schema.safeParse(value);
  return result.success ? result.data : undefined;
}

class Problems {
  readonly list: ConfigProblem[] = [];
  add(path: Path, rule: string, value: unknown): void {
    this.list.push({ field: formatPath(path), rule, value });
  }
}

/** "(the default)" when the document left the field out and the rule is about the default. */
const defaulted = (raw: unknown) => (raw === undefined ? ' (the default)' : '');

export function crossFieldProblems(document: unknown): ConfigProblem[] {
  const problems = new Problems();
  const doc = fieldsOf(document);
  if (!doc) return problems.list;
  const shape = configSchema.shape;

  const period = read(shape.periodSeconds, doc.periodSeconds);
  const stale = read(shape.staleAfterSeconds, doc.staleAfterSeconds);
  if (period !== undefined && stale !== undefined && stale <= period) {
    problems.add(
      ['staleAfterSeconds'],
      `must be longer than periodSeconds (${period})${defaulted(doc.staleAfterSeconds)}: a tick reads the newest complete period when it is up to one period old, so fresh data would read as stale and the fleet would never scale in`,
      stale,
    );
  }

  if (Array.isArray(doc.fleets)) {
    doc.fleets.forEach((fleet, index) => {
      const fields = fieldsOf(fleet);
      if (fields) fleetProblems(fields, ['fleets', index], problems);
    });
    duplicateProblems(doc.fleets, problems);
  }
  return problems.list;
}

function fleetProblems(fleet: Fields, at: Path, problems: Problems): void {
  const shape = fleetSchema.shape;
  const min = read(shape.minInstances, fleet.minInstances);
  const max = read(shape.maxInstances, fleet.maxInstances);
  const targetType = fieldsOf(fleet.target)?.type;

  if (min !== undefined && max !== undefined && min > max) problems.add([...at, 'minInstances'], `must be at most maxInstances (${max})`, min);
  // A fleet at zero has no Engine to publish the metrics it scales on, so only a signal
  // that exists while nothing runs (the backlog) can ever wake it.
  if (min === 0 && fleet.backlog === undefined) {
    problems.add(
      [...at, 'minInstances'],
      'must be at least 1 unless the fleet declares a backlog: with no instance running no Engine publishes the metrics the controller scales on, so a fleet at zero would stay at zero whatever the demand',
      min,
    );
  }

  kindProblems(fleet, at, problems);
  if (max !== undefined) apiProblems(fieldsOf(fleet.api), max, [...at, 'api'], problems);

  const drain = fieldsOf(fleet.drain) ?? {};
  const grace = read(drainSchema.shape.gracePeriodSeconds, drain.gracePeriodSeconds);
  if (fleet.kubernetes !== undefined && targetType !== 'eks') {
    problems.add([...at, 'kubernetes'], 'applies to EKS node group fleets only (target.type "eks")', fleet.kubernetes);
  }
  if (targetType === 'eks') {
    if (drain.runtime === 'docker') {
      problems.add([...at, 'drain', 'runtime'], 'must be "containerd" (or unset) on an EKS node group: EKS nodes run containerd since Kubernetes 1.24, where docker finds no containers to stop', drain.runtime);
    }
  }

  const redeploy = fieldsOf(fleet.redeploy);
  if (redeploy) redeployProblems(redeploy, { max, grace }, [...at, 'redeploy'], problems);
}

function kindProblems(fleet: Fields, at: Path, problems: Problems): void {
  const kinds = fieldsOf(fleet.kinds);
  if (!kinds) return;
  const stream = fieldsOf(kinds.stream);
  if (stream?.capacity === 'engine' && stream.fallbackCapacity === undefined) {
    problems.add([...at, 'kinds', 'stream', 'fallbackCapacity'], 'is required with capacity "engine": it is the capacity planned with while no instance reports an estimate (an empty fleet, or the metric missing)', undefined);
  }
  if (typeof stream?.capacity === 'number' && stream.fallbackCapacity !== undefined) {
    problems.add([...at, 'kinds', 'stream', 'fallbackCapacity'], 'applies only with capacity "engine": a fleet with a declared capacity never falls back', stream.fallbackCapacity);
  }
  const limit = read(fleetSchema.shape.engineMaxActiveRequests, fleet.engineMaxActiveRequests);
  if (limit === undefined || limit === 0) return;
  for (const kind of ['stream', 'batch', 'tts'] as const) {
    const declared = fieldsOf(kinds[kind]);
    if (!declared) continue;
    const field = declared.capacity === 'engine' ? 'fallbackCapacity' : 'capacity';
    const value = declared[field];
    if (typeof value === 'number' && value > limit) {
      problems.add([...at, 'kinds', kind, field], `must be at most engineMaxActiveRequests (${limit}): the Engines turn away every request above their own limit`, value);
    }
  }
}

function apiProblems(api: Fields | undefined, engineMax: number, at: Path, problems: Problems): void {
  if (!api) return;
  const shape = apiFleetSchema.shape;
  const ratio = read(shape.ratio, api.ratio);
  const min = read(shape.minInstances, api.minInstances);
  const max = read(shape.maxInstances, api.maxInstances);
  if (min !== undefined && max !== undefined && min > max) problems.add([...at, 'minInstances'], `must be at most api.maxInstances (${max})`, min);
  if (ratio === undefined) return;
  // The API fleet follows ceil(engines / ratio), clamped to its own bounds.
  const needed = Math.ceil(engineMax / ratio);
  if (max !== undefined && max < needed) {
    problems.add(
      [...at, 'maxInstances'],
      `must be at least ceil(maxInstances / ratio) = ceil(${engineMax} / ${ratio}) = ${needed}${defaulted(api.maxInstances)}: at the Engine fleet's maximum the API fleet would be short of instances`,
      max,
    );
  }
  if (min !== undefined && min > needed) {
    problems.add(
      [...at, 'minInstances'],
      `must be at most ceil(maxInstances / ratio) = ceil(${engineMax} / ${ratio}) = ${needed}${defaulted(api.minInstances)}: the ratio never asks for that many API instances, even at the Engine fleet's maximum`,
      min,
    );
  }
}

function redeployProblems(redeploy: Fields, fleet: { max: number | undefined; grace: number | undefined }, at: Path, problems: Problems): void {
  const shape = redeploySchema.shape;
  const segment = read(shape.segmentSize, redeploy.segmentSize);
  if (segment !== undefined && fleet.max !== undefined && segment > fleet.max) {
    problems.add([...at, 'segmentSize'], `must be at most maxInstances (${fleet.max})${defaulted(redeploy.segmentSize)}: a roll segment cannot replace more instances than the fleet may hold`, segment);
  }
  const stall = read(shape.stallMinutes, redeploy.stallMinutes);
  if (stall !== undefined && fleet.grace !== undefined && stall * 60 < fleet.grace) {
    const graceMinutes = Math.ceil(fleet.grace / 60);
    problems.add([...at, 'stallMinutes'], `must be at least the drain grace period (${fleet.grace} s, ${graceMinutes} min): a replaced instance may drain for its whole grace, which is progress, not a stall`, stall);
  }
  const expression = read(shape.schedule, redeploy.schedule);
  const timeZone = read(shape.timeZone, redeploy.timeZone);
  const windowMinutes = read(shape.windowMinutes, redeploy.windowMinutes);
  if (expression === undefined || timeZone === undefined || windowMinutes === undefined) return;
  let spec;
  try {
    spec = parseCron(expression, 'schedule');
  } catch (error) {
    if (error instanceof CronError) return; // the schema names it
    throw error;
  }
  const problem = scheduleProblem(spec, timeZone, windowMinutes);
  if (problem) problems.add([...at, 'schedule'], problem, expression);
}

/**
 * Each fleet's name once, and each group managed by one fleet only, however it is
 * spelled: an ARN and a name, or a name with a stray space, are the same group.
 */
function duplicateProblems(fleets: unknown[], problems: Problems): void {
  const names = new Map<string, number>();
  const targets = new Map<string, { index: number; raw: unknown }>();
  fleets.forEach((entry, index) => {
    const fleet = fieldsOf(entry);
    if (!fleet) return;
    if (typeof fleet.name === 'string') {
      const first = names.get(fleet.name);
      if (first !== undefined) problems.add(['fleets', index, 'name'], `must be unique (also fleets[${first}].name)`, fleet.name);
      else names.set(fleet.name, index);
    }
    const api = fieldsOf(fleet.api);
    const declared: [Path, unknown][] = [[['target'], fleet.target], ...(api ? [[['api', 'target'], api.target] as [Path, unknown]] : [])];
    for (const [path, raw] of declared) {
      const key = targetKeyOf(raw);
      if (key === undefined) continue;
      const owner = targets.get(key);
      if (owner === undefined) {
        targets.set(key, { index, raw });
        continue;
      }
      const spelled = JSON.stringify(owner.raw) === JSON.stringify(raw) ? '' : ` (the same group, spelled differently: ${JSON.stringify(owner.raw)})`;
      problems.add(['fleets', index, ...path], `must not be managed twice (also fleets[${owner.index}])${spelled}`, raw);
    }
  });
}

function targetKeyOf(raw: unknown): string | undefined {
  const target = fieldsOf(raw);
  if (!target) return undefined;
  if (target.type === 'asg' && typeof target.autoScalingGroupName === 'string') return `asg:${canonicalName(target.autoScalingGroupName, ASG_ARN)}`;
  if (target.type === 'eks' && typeof target.clusterName === 'string' && typeof target.nodegroupName === 'string') {
    // A node group ARN names its cluster too; the cluster given beside it is the one that counts.
    return `eks:${canonicalName(target.clusterName, CLUSTER_ARN)}/${canonicalName(target.nodegroupName, NODEGROUP_ARN)}`;
  }
  return undefined;
}
