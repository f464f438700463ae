import { writeFile } from 'node:fs/promises';
import { z } from 'zod';
import { measureManyFleets } from '../../bench/many-fleets.js';
import { renderReport } from '../../bench/report.js';
import { runScenario } from '../../bench/run.js';
import { POLICIES, STANDARD_SCENARIO, scenarioDocument, type ScenarioOptions } from '../../bench/scenario.js';
import { MAX_HISTORY_DAYS } from '../../bench/adoption.js';
import { matrixScenarios } from '../../bench/shapes.js';
import { renderSummary, summarize } from '../../bench/summary.js';
import { TrafficError } from '../../sim/traffic.js';
import { FlagError, parseFlags, type CommandIo, type CommandSpec } from '../flags.js';
import { NO_PROGRESS, terminalProgress } from '../progress.js';

const number = (rule: z.ZodNumber) =>
  z
    .string()
    .trim()
    .regex(/^-?\d+(\.\d+)?$/, 'must be a number')
    .transform(Number)
    .pipe(rule);
const whole = (min: number, max: number, what: string) => number(z.number().int(`must be a whole number of ${what}`).min(min, `must be at least ${min}`).max(max, `must be at most ${max}`));
const positive = (max: number) => number(z.number().positive('must be a number > 0').max(max, `must be at most ${max}`));

export const simulateFlags = {
  days: { schema: positive(366), value: 'N', default: String(STANDARD_SCENARIO.days), help: 'simulated days (fractions allowed)' },
  policy: { schema: z.enum(POLICIES, { message: `must be one of ${POLICIES.join(', ')}` }), value: 'NAME', default: STANDARD_SCENARIO.policy, help: `the controller: ${POLICIES.join(', ')}` },
  trace: { schema: z.string().min(1, 'must be a file path'), value: 'FILE', default: 'the bundled bank call-centre trace (data/)', help: 'a trace CSV (rownames,DateTime,Calls; five-minute rows), plain or gzip' },
  scale: { schema: number(z.number().min(0, 'must be >= 0').max(10_000, 'must be at most 10000')), value: 'X', default: String(STANDARD_SCENARIO.scale), help: 'call-centre copies: each call becomes X streams' },
  capacity: { schema: positive(100_000), value: 'N', default: String(STANDARD_SCENARIO.capacity), help: 'streams one instance serves' },
  'boot-minutes': { schema: whole(0, 60, 'minutes'), value: 'N', default: String(STANDARD_SCENARIO.bootMinutes), help: 'minutes from launch until an instance serves' },
  seed: { schema: whole(0, 2 ** 31 - 1, 'seed'), value: 'N', default: String(STANDARD_SCENARIO.seed), help: 'random seed of arrivals and stream lengths' },
  'grace-minutes': { schema: whole(1, 2880, 'minutes'), value: 'N', default: String(STANDARD_SCENARIO.graceMinutes), help: 'drain grace period' },
  min: { schema: whole(0, 1000, 'instances'), value: 'N', default: String(STANDARD_SCENARIO.min), help: 'fewest instances' },
  max: { schema: whole(1, 1000, 'instances'), value: 'N', default: String(STANDARD_SCENARIO.max), help: 'most instances' },
  'stream-mean-minutes': { schema: positive(1440), value: 'N', default: String(STANDARD_SCENARIO.meanStreamMinutes), help: 'mean stream length (lognormal)' },
  'stream-sd-minutes': { schema: number(z.number().min(0, 'must be >= 0').max(1440, 'must be at most 1440')), value: 'N', default: String(STANDARD_SCENARIO.sdStreamMinutes), help: 'standard deviation of stream length' },
  'history-days': { schema: whole(0, MAX_HISTORY_DAYS, 'days'), value: 'N', default: '0', help: `days the fleet ran under target tracking before adopting the controller, Engines publishing to CloudWatch; not scored, the scored days' demand unchanged (0: a new fleet, CloudWatch empty)` },
  'max-victim-requests': { schema: whole(0, 100_000, 'requests'), value: 'N', default: 'off', help: 'stream-safe scale-in: only instances serving at most N requests leave' },
  fleets: { schema: whole(1, 500, 'fleets'), value: 'N', default: 'off', help: 'time the Lambdas\' ticks over N synthetic fleets instead of the scenario' },
  matrix: { help: 'run the standard scenario and eight held-out shapes (bench/shapes.ts), each with predictive and target tracking, --trace, --days and --history-days applied to all; one line per run' },
  json: { help: 'print the figures as one JSON object (no progress)' },
  series: { schema: z.string().min(1, 'must be a file path'), value: 'FILE', help: 'also write the minute-by-minute series as CSV' },
  report: { schema: z.string().regex(/\.html?$/i, 'must be a file path ending in .html'), value: 'FILE.html', help: 'also write the HTML report' },
};

export const simulateSpec: CommandSpec = {
  name: 'simulate',
  description: 'The standard benchmark scenario (docs/benchmark.md) with the real scale and drain Lambdas\non the simulated cloud: GPU-hours against an oracle, over-capacity stream-minutes,\nstreams cut, scale actions and reversals. Every flag defaults to the standard scenario.\nOn a terminal it shows its progress on stderr.',
  flags: simulateFlags,
  examples: ['fleet-scaler simulate --days 7', 'fleet-scaler simulate --policy reactive --json', 'fleet-scaler simulate --days 2 --report report.html'],
};

export function scenarioFromFlags(flags: ReturnType<typeof parseFlags<typeof simulateFlags>>): ScenarioOptions {
  const options: ScenarioOptions = {
    ...STANDARD_SCENARIO,
    ...(flags.trace !== undefined ? { tracePath: flags.trace as string } : {}),
    ...(flags.scale !== undefined ? { scale: flags.scale as number } : {}),
    ...(flags.days !== undefined ? { days: flags.days as number } : {}),
    ...(flags.capacity !== undefined ? { capacity: flags.capacity as number } : {}),
    ...(flags['boot-minutes'] !== undefined ? { bootMinutes: flags['boot-minutes'] as number } : {}),
    ...(flags.seed !== undefined ? { seed: flags.seed as number } : {}),
    ...(flags['grace-minutes'] !== undefined ? { graceMinutes: flags['grace-minutes'] as number } : {}),
    ...(flags.min !== undefined ? { min: flags.min as number } : {}),
    ...(flags.max !== undefined ? { max: flags.max as number } : {}),
    ...(flags['stream-mean-minutes'] !== undefined ? { meanStreamMinutes: flags['stream-mean-minutes'] as number } : {}),
    ...(flags['stream-sd-minutes'] !== undefined ? { sdStreamMinutes: flags['stream-sd-minutes'] as number } : {}),
    ...(flags.policy !== undefined ? { policy: flags.policy as ScenarioOptions['policy'] } : {}),
    ...(flags['max-victim-requests'] !== undefined ? { maxVictimRequests: flags['max-victim-requests'] as number } : {}),
    ...(flags['history-days'] !== undefined ? { historyDays: flags['history-days'] as number } : {}),
  };
  if (options.min > options.max) throw new FlagError(`--min: must be at most --max (${options.max}) (got ${options.min})`);
  if (options.graceMinutes * 60 < 60) throw new FlagError(`--grace-minutes: must be at least 1 (got ${options.graceMinutes})`);
  return options;
}

/**
 * The standard scenario of SCENARIO.md (every flag defaults to it): the real scale and
 * drain Lambdas against the simulated cloud. Prints the figures (or one JSON object with
 * --json); --series writes the minute-by-minute CSV, --report the HTML page. With
 * --fleets N it times the Lambdas' ticks over N synthetic fleets for --days instead.
 */
export async function simulateCommand(argv: string[], io: CommandIo): Promise<number> {
  const flags = parseFlags(argv, simulateFlags);
  const options = scenarioFromFlags(flags);
  if (flags.fleets !== undefined) {
    // A load test of the controller rather than the scenario: N fleets with their own
    // synthetic ramps, one scale and one drain Lambda, timed per tick.
    if (flags.series || flags.report) throw new FlagError(`--fleets: measures tick time only, without --series or --report (got ${flags.fleets as number})`);
    if (flags['history-days'] !== undefined) throw new FlagError(`--history-days: applies to the scenario, not to --fleets (got ${flags['history-days'] as number})`);
    const measured = await measureManyFleets(flags.fleets as number, Math.round(options.days * 1440));
    io.stdout.write(`${JSON.stringify(measured)}\n`);
    return measured.handlerErrors > 0 ? 1 : 0;
  }
  if (flags.matrix) {
    if (flags.series || flags.report) throw new FlagError('--matrix: runs many scenarios, without --series or --report (got one of them)');
    return runMatrix(options, flags.json === true, io);
  }
  // On a terminal only, and never with --json: a script reading the figures wants nothing else.
  const progress = flags.json ? NO_PROGRESS : terminalProgress(io.stderr, 'simulating');
  let result;
  try {
    result = await runScenario(options, undefined, undefined, (done, total) => progress.update(done, total));
  } catch (error) {
    if (!(error instanceof TrafficError)) throw error;
    progress.finish();
    io.stderr.write(`fleet-scaler simulate: ${error.message}\n`);
    return 1;
  }
  progress.finish();
  const summary = summarize(result);
  if (flags.series) await writeFile(flags.series as string, result.recorder.toCsv());
  if (flags.report) await writeFile(flags.report as string, renderReport(result, summary));
  if (flags.json) io.stdout.write(`${JSON.stringify({ ...summary, fleetDocument: scenarioDocument(options), scenario: options })}\n`);
  else io.stdout.write(`${renderSummary(summary)}\n`);
  if (result.problems.length > 0 && !flags.json) io.stderr.write(`first handler warnings and errors:\n${result.problems.slice(0, 5).join('\n')}\n`);
  return summary.handlerErrors > 0 ? 1 : 0;
}

/**
 * The standard scenario and the eight shapes of lib/bench/shapes.ts, each with the
 * predictive policy (the shipped defaults) and with target tracking, the trace, --days and
 * --history-days applied to all. One line per run as it ends (one JSON object each with --json).
 */
async function runMatrix(base: ScenarioOptions, json: boolean, io: CommandIo): Promise<number> {
  const shared: Partial<ScenarioOptions> = {
    days: base.days,
    ...(base.tracePath !== undefined ? { tracePath: base.tracePath } : {}),
    ...(base.historyDays !== undefined ? { historyDays: base.historyDays } : {}),
  };
  if (!json) io.stdout.write('shape                     policy           GPU-h/oracle  over-capacity %  day 1 %  after %  beyond cold start %  cut  actions  drains  wall s\n');
  let errors = 0;
  for (const { name, options } of matrixScenarios(shared)) {
    for (const policy of ['predictive', 'target-tracking'] as const) {
      let result;
      try {
        result = await runScenario({ ...options, policy });
      } catch (error) {
        if (!(error instanceof TrafficError)) throw error;
        io.stderr.write(`fleet-scaler simulate: ${error.message}\n`);
        return 1;
      }
      const s = summarize(result);
      errors += s.handlerErrors;
      if (json) io.stdout.write(`${JSON.stringify({ shape: name, ...s, scenario: { ...options, policy } })}\n`);
      else
        io.stdout.write(
          `${name.padEnd(25)} ${policy.padEnd(16)} ${s.gpuHoursOverOracle.toFixed(4).padStart(12)}  ${s.overCapacityPercent.toFixed(4).padStart(15)}  ${s.overCapacityPercentFirstDay.toFixed(4).padStart(7)}  ${s.overCapacityPercentAfterFirstDay.toFixed(4).padStart(7)}  ${s.overCapacityPercentBeyondColdStart.toFixed(4).padStart(19)}  ${String(s.streamsCutAtGrace).padStart(3)}  ${String(s.scaleActions).padStart(7)}  ${String(s.drains).padStart(6)}  ${(s.wallMs / 1000).toFixed(0).padStart(6)}\n`,
        );
    }
  }
  return errors > 0 ? 1 : 0;
}
