export { SimCloud, type SimCloudOptions, type CallLogEntry } from './cloud.js';
export { runSimulation, SimulationRunError, type RunOptions, type RunResult } from './run.js';
export { simHandlerDeps, type SimDepsOptions } from './deps.js';
export { SimTelemetry, type SimTelemetryOptions } from './telemetry.js';
export { lambdaContext, scheduledEvent } from './lambda.js';
export type { LifecycleEvent } from './events.js';
export type { MinuteRecord, SimulationTotals } from './figures.js';
export { oracleInstances } from './figures.js';
export type { GroupOptions } from './groups.js';
export type { NodegroupOptions } from './eks.js';
export type { ApiFault, AnswerFault, FaultHit, KubeFault, MetricScope, LifecycleEventFault, SsmAgentFault } from './faults.js';
export type { Release, WaitEntry } from './history.js';
export {
  TraceTraffic,
  TrafficError,
  loadTraceTraffic,
  parseTrace,
  defaultTracePath,
  syntheticTraffic,
  scriptedTraffic,
  rates,
  type TrafficSource,
  type Arrivals,
} from './traffic.js';
export { SimulationError, awsError } from './errors.js';
