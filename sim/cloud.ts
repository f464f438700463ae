import type { AutoScalingPort, AwsPorts, CloudWatchPort, EksPort, SnsPort, SsmPort } from '../lib/aws/ports.js';
import { GetMetricDataCommand, ListMetricsCommand, PutMetricDataCommand, type StandardUnit } from '@aws-sdk/client-cloudwatch';
import { ENGINE_DIMENSION_SETS, ENGINE_METRICS, INSTANCE_DIMENSION, KIND_DIMENSION, STATUS_DIMENSION } from '../lib/fleet/engine-metrics.js';
import { autoScalingOperations } from './autoscaling-api.js';
import { LeastLoaded } from './balancer.js';
import { SimClock } from './clock.js';
import { SimCloudWatch } from './cloudwatch.js';
import { SimEks, eksOperations, type NodegroupOptions } from './eks.js';
import { SimKubernetes } from './kubernetes.js';
import { KIND_COUNT, KINDS } from './engine.js';
import { SimulationError } from './errors.js';
import type { LifecycleEvent } from './events.js';
import { FaultInjector } from './faults.js';
import { SimHistory } from './history.js';
import { oracleInstances, SimFigures, type MinuteRecord, type SimulationTotals } from './figures.js';
import { AutoScalingGroups, type GroupOptions } from './groups.js';
import { InstanceRefreshes, instanceRefreshOperations } from './instance-refresh.js';
import { absoluteMinute, MetricStore, type Series } from './metric-store.js';
import type { SimGroupState, SimInstance } from './model.js';
import { operation, simPort } from './port.js';
import { IdFactory, mulberry32 } from './random.js';
import { SimSns, snsOperations } from './sns.js';
import { SimSsm, ssmOperations } from './ssm.js';
import type { TrafficSource } from './traffic.js';
import type { ControllerConfig } from '../lib/config/schema.js';
import type { HandlerDeps } from '../lib/runtime/deps.js';
import { CONTROLLER_NAMESPACE, SERVICE_NAME, type Telemetry } from '../lib/telemetry.js';
import { SimTelemetry, type SimTelemetryOptions } from './telemetry.js';
import { simHandlerDeps, type SimDepsOptions } from './deps.js';

export interface SimCloudOptions {
  /** Minute 0 of the simulated clock (a whole minute). */
  start: Date;
  /** Seeds every random choice the cloud makes (fault probabilities, identifiers). Default 1. */
  seed?: number;
  region?: string;
  /** Where the simulated CloudWatch agent publishes the Engine metrics. Default 'Deepgram/Engine'. */
  engineNamespace?: string;
  /** The SSM document whose commands SIGINT the Engine. Default 'gpu-fleet-scaler-drain'. */
  drainDocumentName?: string;
  /** Minutes from SendCommand to the agent running it. Default 1. */
  ssmDeliveryMinutes?: number;
  /** A drained Engine exits (and stops publishing) once its last request ends. Default false: it keeps publishing zeros. */
  engineExitsWhenDrained?: boolean;
  /** Keep the last N calls (operation, input, minute) in `callLog` for assertions. Default 0. */
  callLogLimit?: number;
}

export interface CallLogEntry {
  operation: string;
  input: unknown;
  minute: number;
}

interface DelayedWrite {
  releaseMinute: number;
  write: () => void;
}

interface QueuedEvent {
  deliverMinute: number;
  seq: number;
  event: LifecycleEvent;
}

/**
 * The simulated AWS account: Auto Scaling groups and EKS node groups of GPU instances
 * whose Engines serve streams, CloudWatch holding what the Engines publish, SSM and SNS,
 * all on one simulated clock. `ports` plug into HandlerDeps in place of the SDK clients.
 */
export class SimCloud {
  readonly clock: SimClock;
  readonly region: string;
  readonly engineNamespace: string;
  readonly drainDocumentName: string;
  readonly metrics = new MetricStore();
  readonly figures = new SimFigures();
  readonly calls = new Map<string, number>();
  readonly callLog: CallLogEntry[] = [];
  readonly faults: FaultInjector;
  /** Hook waits and terminations, for checks after a run. */
  readonly history = new SimHistory();
  readonly ids: IdFactory;
  readonly random: () => number;
  readonly autoScaling: AutoScalingGroups;
  readonly cloudWatch: SimCloudWatch;
  readonly eks: SimEks;
  readonly ssm: SimSsm;
  readonly sns: SimSns;
  readonly refreshes: InstanceRefreshes;
  /** The Kubernetes side of the EKS clusters (nodes, pods, evictions): sim/kubernetes.ts. */
  readonly kubernetes: SimKubernetes;
  readonly ports: AwsPorts;
  readonly engineExitsWhenDrained: boolean;
  private readonly events: QueuedEvent[] = [];
  private eventSeq = 0;
  private readonly delayedWrites: DelayedWrite[] = [];
  private readonly callLogLimit: number;
  private readonly balancer = new LeastLoaded();
  /** Reused for the samples written at once (delayed ones get their own array). */
  private readonly scratch = new Array<number>(7).fill(0);

  constructor(options: SimCloudOptions) {
    this.clock = new SimClock(options.start);
    this.region = options.region ?? 'us-east-1';
    this.engineNamespace = options.engineNamespace ?? 'Deepgram/Engine';
    this.drainDocumentName = options.drainDocumentName ?? 'gpu-fleet-scaler-drain';
    this.engineExitsWhenDrained = options.engineExitsWhenDrained ?? false;
    this.callLogLimit = options.callLogLimit ?? 0;
    const seed = options.seed ?? 1;
    this.random = mulberry32(seed ^ 0x5bd1e995);
    this.ids = new IdFactory(mulberry32(seed ^ 0x1b873593));
    this.faults = new FaultInjector(this.random, () => this.clock.minute, (id) => this.autoScaling.instance(id)?.group.name);
    this.autoScaling = new AutoScalingGroups({
      clock: this.clock,
      ids: this.ids,
      figures: this.figures,
      region: this.region,
      history: this.history,
      emit: (event) => this.queueEvent(event),
    });
    this.cloudWatch = new SimCloudWatch(this.metrics, () => this.clock.nowMs());
    this.refreshes = new InstanceRefreshes(this.autoScaling, this.clock, this.ids);
    this.eks = new SimEks(this.autoScaling, this.clock, this.ids, this.region, this.refreshes);
    this.kubernetes = new SimKubernetes(this.clock, this.figures, () => [...this.eks.nodegroups.values()].map((n) => ({ clusterName: n.clusterName, nodegroupName: n.nodegroupName, group: n.group })), this.faults);
    this.ssm = new SimSsm({
      clock: this.clock,
      ids: this.ids,
      faults: this.faults,
      drainDocumentName: this.drainDocumentName,
      deliveryMinutes: options.ssmDeliveryMinutes ?? 1,
      instance: (id) => this.autoScaling.instance(id),
    });
    this.sns = new SimSns(this.clock, this.ids, this.region);
    const hooks = {
      calls: this.calls,
      faults: this.faults,
      minute: () => this.clock.minute,
      ...(this.callLogLimit > 0 ? { log: (entry: CallLogEntry) => this.logCall(entry) } : {}),
    };
    this.ports = {
      autoscaling: simPort('autoscaling', [...autoScalingOperations(this.autoScaling, this.clock), ...instanceRefreshOperations(this.refreshes)], hooks) as unknown as AutoScalingPort,
      cloudwatch: simPort(
        'cloudwatch',
        [
          operation(GetMetricDataCommand, 'GetMetricData', (input) => this.cloudWatch.getMetricData(input)),
          operation(PutMetricDataCommand, 'PutMetricData', (input) => this.cloudWatch.putMetricData(input)),
          operation(ListMetricsCommand, 'ListMetrics', (input) => this.cloudWatch.listMetrics(input)),
        ],
        hooks,
      ) as unknown as CloudWatchPort,
      eks: simPort('eks', eksOperations(this.eks), hooks) as unknown as EksPort,
      ssm: simPort('ssm', ssmOperations(this.ssm), hooks) as unknown as SsmPort,
      sns: simPort('sns', snsOperations(this.sns), hooks) as unknown as SnsPort,
    };
  }

  now(): Date {
    return this.clock.now();
  }

  get minute(): number {
    return this.clock.minute;
  }

  addAutoScalingGroup(options: GroupOptions): SimGroupState {
    return this.autoScaling.create(options);
  }

  /**
   * An EKS managed node group, with its cluster's Engine Deployment (one replica per
   * initial node, the pods already running there) unless `engineDeployment` is false.
   */
  addNodegroup(options: NodegroupOptions & { engineDeployment?: false | { maxUnavailable?: number; graceSeconds?: number } }): SimGroupState {
    const { engineDeployment, ...rest } = options;
    const group = this.eks.create(rest);
    if (engineDeployment !== false) {
      this.kubernetes.addEngineDeployment(rest.clusterName, rest.nodegroupName, group.desired, engineDeployment ?? {});
      this.kubernetes.tick();
    }
    return group;
  }

  group(name: string): SimGroupState {
    const group = this.autoScaling.get(name);
    if (!group) throw new SimulationError(`no simulated Auto Scaling group named ${name}`);
    return group;
  }

  instance(id: string): SimInstance | undefined {
    return this.autoScaling.instance(id);
  }

  setTraffic(groupName: string, traffic: TrafficSource | undefined): void {
    this.group(groupName).traffic = traffic;
  }

  resetCalls(): void {
    this.calls.clear();
    this.callLog.length = 0;
  }

  /** Calls made since the last reset, summed over operations (optionally one service, e.g. 'autoscaling'). */
  callCount(prefix = ''): number {
    let total = 0;
    for (const [key, n] of this.calls) if (key.startsWith(prefix)) total += n;
    return total;
  }

  totals(): SimulationTotals {
    return this.figures.totals();
  }

  /**
   * Telemetry for handlers on this cloud: bounded if asked, and every metric point also
   * lands in the simulated CloudWatch (namespace GpuFleetScaler) at the current minute,
   * as the EMF log lines would in AWS, so alarms and dashboards can be checked.
   */
  controllerTelemetry(options: Omit<SimTelemetryOptions, 'forward'> = {}): SimTelemetry {
    return new SimTelemetry({
      ...options,
      forward: (point) =>
        this.cloudWatch.putMetricData({
          Namespace: CONTROLLER_NAMESPACE,
          // Powertools adds its default dimension, service, to every EMF metric.
          MetricData: [{ MetricName: point.name, Value: point.value, Unit: point.unit as StandardUnit, Timestamp: this.clock.now(), Dimensions: Object.entries({ ...point.dimensions, service: SERVICE_NAME }).map(([Name, Value]) => ({ Name, Value })) }],
        }),
    });
  }

  /** HandlerDeps wired to this cloud: see deps.ts. */
  handlerDeps(config: ControllerConfig | (() => ControllerConfig), options: SimDepsOptions = {}): HandlerDeps & { telemetry: Telemetry } {
    return simHandlerDeps(this, config, options);
  }

  // ---- lifecycle events ----------------------------------------------------------------

  private queueEvent(event: LifecycleEvent): void {
    const fate = this.faults.eventFate(event.detail.AutoScalingGroupName);
    for (let c = 0; c < fate.copies; c++) {
      this.events.push({ deliverMinute: this.clock.minute + fate.delayMinutes, seq: this.eventSeq++, event: c === 0 ? event : { ...event, id: this.ids.uuid() } });
    }
  }

  /** Events EventBridge delivers now (emitted up to this minute), oldest first. */
  takeDueEvents(): LifecycleEvent[] {
    const due = this.events.filter((e) => e.deliverMinute <= this.clock.minute).sort((a, b) => a.deliverMinute - b.deliverMinute || a.seq - b.seq);
    if (due.length === 0) return [];
    const keep = this.events.filter((e) => e.deliverMinute > this.clock.minute);
    this.events.length = 0;
    this.events.push(...keep);
    return due.map((e) => e.event);
  }

  // ---- the minute ----------------------------------------------------------------------

  /**
   * Advances one minute: the control plane (boots, hook timeouts, SSM deliveries, node
   * group updates, instance refreshes), then streams end, new streams arrive, and every
   * serving Engine's sample for this minute is recorded (visible from the next minute).
   */
  step(): MinuteRecord {
    const m = this.clock.advance(1);
    this.releaseDelayedWrites(m);
    this.autoScaling.tick();
    this.ssm.tick();
    this.refreshes.tick();
    this.eks.tick();
    for (const group of this.autoScaling.groups.values()) this.autoScaling.reconcile(group);
    this.kubernetes.tick();

    const record: MinuteRecord = {
      minute: m,
      demand: 0,
      activeStreams: 0,
      servingCapacity: 0,
      inService: 0,
      booting: 0,
      draining: 0,
      billed: 0,
      desired: 0,
      overCapacityStreams: 0,
      arrivals: 0,
      streamsCut: this.figures.cutSinceRecord,
      rejected: 0,
    };
    this.figures.cutSinceRecord = 0;
    let oracle = 0;
    for (const group of this.autoScaling.groups.values()) {
      this.stepGroup(group, m, record);
      oracle += oracleInstances(group.offeredActive, group.capacity, group.minSize);
    }
    this.figures.recordMinute(record, oracle);
    return record;
  }

  private stepGroup(group: SimGroupState, m: number, record: MinuteRecord): void {
    const offeredEnds = group.offeredEndings.get(m);
    if (offeredEnds !== undefined) {
      group.offeredActive -= offeredEnds;
      group.offeredEndings.delete(m);
    }
    const instances = group.instances;
    const eligible: SimInstance[] = [];
    for (const instance of instances) {
      instance.engine.endDue(m);
      const engine = instance.engine;
      // On EKS nodes a Service routes to Ready pods, whatever the node's Auto Scaling state.
      const up = engine.podServing === undefined ? instance.lifecycleState === 'InService' : engine.podServing && !instance.lifecycleState.startsWith('Pending');
      if (up && m >= instance.serveFrom && engine.sigintMinute === undefined) eligible.push(instance);
    }

    const arrivals = group.traffic?.arrivals(m);
    if (arrivals) {
      this.balancer.reset(eligible);
      for (let k = 0; k < KIND_COUNT; k++) {
        const lengths = arrivals[KINDS[k] as 'stream' | 'batch' | 'tts'];
        if (!lengths) continue;
        for (const length of lengths) {
          if (!Number.isInteger(length) || length < 1) throw new SimulationError(`traffic for ${group.name} at minute ${m}: request lengths must be whole minutes >= 1, got ${length}`);
          const end = m + length;
          if (k === 0) {
            record.arrivals++;
            group.offeredActive++;
            group.offeredEndings.set(end, (group.offeredEndings.get(end) ?? 0) + 1);
          }
          const best = this.balancer.peek();
          if (!best) {
            if (k === 0) record.rejected++;
          } else if (!best.engine.hasRoom()) {
            // the least loaded is full, so every Engine would answer 429
            best.engine.reject();
            if (k === 0) record.rejected++;
          } else {
            best.engine.accept(k, end);
            if (best.lifecycleState.startsWith('Terminating')) this.kubernetes.figures.acceptedWhileLeaving++;
            this.balancer.topChanged();
          }
        }
      }
    }

    record.demand += group.offeredActive;
    record.desired += group.desired;
    record.billed += instances.length;
    const faults = this.faults.hasMetricFaults;
    for (const instance of instances) {
      const engine = instance.engine;
      const streams = engine.streams;
      record.activeStreams += streams;
      if (streams > group.capacity) record.overCapacityStreams += streams - group.capacity;
      const draining = instance.lifecycleState.startsWith('Terminating') || engine.sigintMinute !== undefined;
      const serving = m >= instance.serveFrom && instance.lifecycleState !== 'Pending' && instance.lifecycleState !== 'Pending:Wait';
      if (draining) record.draining++;
      else if (!serving) record.booting++;
      else {
        record.inService++;
        record.servingCapacity += group.capacity;
      }
      if (m < instance.serveFrom) continue;
      if (this.engineExitsWhenDrained && engine.sigintMinute !== undefined && engine.total === 0) continue;
      if (faults) {
        const fate = this.faults.metricFate(group.name, instance.id, m);
        if (fate === 'drop') {
          engine.completedSinceSample = 0;
          engine.rejectedSinceSample = 0;
          continue;
        }
        if (fate > 0) {
          const values = this.sampleValues(instance);
          const minute = absoluteMinute(this.clock.nowMs());
          this.delayedWrites.push({ releaseMinute: m + 1 + fate, write: () => this.writeSample(instance, minute, values) });
          continue;
        }
      }
      this.writeSample(instance, absoluteMinute(this.clock.nowMs()), this.sampleValues(instance, this.scratch));
    }
  }

  private releaseDelayedWrites(m: number): void {
    if (this.delayedWrites.length === 0) return;
    const due = this.delayedWrites.filter((w) => w.releaseMinute <= m);
    const keep = this.delayedWrites.filter((w) => w.releaseMinute > m);
    this.delayedWrites.length = 0;
    this.delayedWrites.push(...keep);
    for (const w of due) w.write();
  }

  /** [active stream, batch, tts, capacity, max active, requests 200, requests 429]; resets the deltas. */
  private sampleValues(instance: SimInstance, values: number[] = new Array<number>(7)): number[] {
    const e = instance.engine;
    values[0] = e.active[0] as number;
    values[1] = e.active[1] as number;
    values[2] = e.active[2] as number;
    values[3] = e.capacity;
    values[4] = e.maxActiveRequests;
    values[5] = e.completedSinceSample;
    values[6] = e.hasRejected ? e.rejectedSinceSample : -1;
    e.completedSinceSample = 0;
    e.rejectedSinceSample = 0;
    return values;
  }

  private writeSample(instance: SimInstance, minute: number, values: number[]): void {
    const group = instance.group;
    group.fleetSeries ??= this.seriesSet(group.fleetDimensions, 'fleet');
    instance.series ??= this.seriesSet({ ...group.fleetDimensions, [INSTANCE_DIMENSION]: instance.id }, 'instance');
    for (let i = 0; i < 6; i++) {
      // A kind the Engine has never been asked for has no series yet (sim/engine.ts).
      if (i < KIND_COUNT && instance.engine.requested[i] === 0) continue;
      const v = values[i] as number;
      (group.fleetSeries[i] as Series).add(minute, v);
      (instance.series[i] as Series).add(minute, v);
    }
    const rejected = values[6] as number;
    if (rejected >= 0) {
      if (group.fleetSeries.length < 7) group.fleetSeries.push(...this.seriesSet(group.fleetDimensions, 'fleet', '429'));
      if (instance.series.length < 7) instance.series.push(...this.seriesSet({ ...group.fleetDimensions, [INSTANCE_DIMENSION]: instance.id }, 'instance', '429'));
      (group.fleetSeries[6] as Series).add(minute, rejected);
      (instance.series[6] as Series).add(minute, rejected);
    }
  }

  /**
   * The series one Engine's sample goes to under one of ENGINE_DIMENSION_SETS: the fleet
   * set is the fleet's dimensions plus the listed labels, the instance set the fleet's
   * dimensions plus InstanceId and the listed labels, as the CloudWatch agent configuration
   * publishes them. With `status`, only engine_requests_total for that status.
   */
  private seriesSet(base: Record<string, string>, set: 'fleet' | 'instance', status?: string): Series[] {
    const ns = this.engineNamespace;
    const dims = (metric: keyof typeof ENGINE_DIMENSION_SETS, labels: Record<string, string>): Record<string, string> => {
      const listed = ENGINE_DIMENSION_SETS[metric][set] as readonly string[];
      const { [INSTANCE_DIMENSION]: _instance, ...fleet } = base;
      const out: Record<string, string> = { ...fleet };
      for (const name of listed) {
        const value = name === INSTANCE_DIMENSION ? base[INSTANCE_DIMENSION] : labels[name];
        if (value === undefined) throw new SimulationError(`no value for dimension ${name} of ${metric}`);
        out[name] = value;
      }
      return out;
    };
    const series = (metric: keyof typeof ENGINE_DIMENSION_SETS, labels: Record<string, string> = {}) => this.metrics.seriesFor(ns, metric, dims(metric, labels), 'None');
    if (status !== undefined) return [series(ENGINE_METRICS.requestsTotal, { [STATUS_DIMENSION]: status })];
    return [
      ...KINDS.map((kind) => series(ENGINE_METRICS.activeRequests, { [KIND_DIMENSION]: kind })),
      series(ENGINE_METRICS.estimatedStreamCapacity),
      series(ENGINE_METRICS.maxActiveRequests),
      series(ENGINE_METRICS.requestsTotal, { [STATUS_DIMENSION]: '200' }),
    ];
  }

  private logCall(entry: CallLogEntry): void {
    this.callLog.push(entry);
    if (this.callLog.length > this.callLogLimit * 2) this.callLog.splice(0, this.callLog.length - this.callLogLimit);
  }
}
