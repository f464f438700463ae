import { z } from 'zod';
import { createAwsPorts } from '../../lib/aws/clients.js';
import type { CloudWatchPort } from '../../lib/aws/ports.js';
import { defaultRetryPolicy, describeError } from '../../lib/aws/retry.js';
import { replayForecast } from '../../lib/replay/forecast.js';
import { readFleetHistory, readForecastHistory } from '../../lib/replay/read-history.js';
import { replayPolicy, ReplayError, type ReplayDecision, type ReplayResult } from '../../lib/replay/replay.js';
import { lookbackPeriodsFor } from '../../lib/fleet/read-signals.js';
import { REASONS } from '../../lib/scaling/reasons.js';
import { type CommandIo, type CommandSpec, configFlag, endpointSchema, FlagError, fleetFlag, isoTimeSchema, parseFlags, regionSchema, timeSpan } from '../flags.js';

export const replayFlags = {
  config: { schema: z.string().min(1, 'must be a file path'), required: true, value: 'FILE', help: 'the fleet document, YAML or JSON' },
  fleet: { schema: z.string().min(1, 'must name a fleet of the document'), required: true, value: 'NAME', help: 'the fleet to replay' },
  from: { schema: isoTimeSchema, required: true, value: 'TIME', help: 'start, ISO 8601 with a zone (at most 15 days before --to)' },
  to: { schema: isoTimeSchema, required: true, value: 'TIME', help: 'end, ISO 8601 with a zone' },
  predictive: { help: 'replay with the forecast (predictive scaling) on' },
  region: { schema: regionSchema, value: 'REGION', default: "AWS_REGION, then the AWS profile's region", help: 'the region of the fleet' },
  endpoint: { schema: endpointSchema, value: 'URL', default: 'the AWS endpoints', help: 'send every AWS call here instead (an emulator such as moto)' },
  json: { help: 'print the result, every decision included, as JSON' },
};

export const replaySpec: CommandSpec = {
  name: 'replay',
  description: "What the current policy would have done over a fleet's recorded CloudWatch history,\nagainst what the fleet did: instance-hours, minutes short of capacity, and every change\nthe policy would have made with its reason. Reads only.",
  flags: replayFlags,
  examples: ['fleet-scaler replay --config fleets.yaml --fleet engines --from 2026-03-01T00:00:00Z --to 2026-03-02T00:00:00Z'],
};

/** CloudWatch keeps one-minute datapoints for 15 days. */
const MAX_SPAN_DAYS = 15;

/**
 * What the current policy would have done over a fleet's recorded CloudWatch history,
 * against what the fleet did: instance-hours and minutes short of capacity for both,
 * and every change the policy would have made with its reason. Reads only.
 */
export async function replayCommand(argv: string[], io: CommandIo, cloudwatch?: CloudWatchPort): Promise<number> {
  const flags = parseFlags(argv, replayFlags);
  const { from, to } = timeSpan(flags, { maxDays: MAX_SPAN_DAYS, kept: 'one-minute data' });
  const config = await configFlag(flags, io);
  if (!config) return 1;
  const fleet = fleetFlag(config, flags);
  const port = cloudwatch ?? createAwsPorts({ region: flags.region as string | undefined, endpoint: flags.endpoint as string | undefined }).cloudwatch;
  const periodMs = config.periodSeconds * 1000;
  const lookbackPeriods = lookbackPeriodsFor(Math.max(fleet.scaleUp.stabilizationSeconds, fleet.scaleDown.stabilizationSeconds), config.staleAfterSeconds, config.periodSeconds);
  let result: ReplayResult;
  try {
    const recorded = await readFleetHistory(port, config, fleet, new Date(from.getTime() - lookbackPeriods * periodMs), to, defaultRetryPolicy);
    let forecast;
    if (flags.predictive) {
      // Each distinct problem once: the provider would say it every tick it lasts.
      const said = new Set<string>();
      const problem = (message: string) => {
        if (!said.has(message)) io.stderr.write(`fleet-scaler replay: forecast: ${message}\n`);
        said.add(message);
      };
      const recorded = await readForecastHistory(port, config, fleet, from, to, defaultRetryPolicy, (queries) => problem(`load history incomplete (${queries.map((q) => `${q.id}: ${q.statusCode}`).join(', ')}): the periods it lacks are unknown, never zero`));
      forecast = replayForecast(config, fleet, recorded, {}, problem);
    }
    result = await replayPolicy({
      fleet,
      settings: { periodSeconds: config.periodSeconds, staleAfterSeconds: config.staleAfterSeconds },
      from,
      to,
      observations: recorded.observations,
      lookbackPeriods,
      recordedInstances: recorded.recordedInstances,
      forecast,
    });
  } catch (error) {
    if (error instanceof ReplayError) throw new FlagError(error.message);
    io.stderr.write(`fleet-scaler replay: reading ${fleet.name}'s history failed: ${describeError(error)}\n`);
    return 1;
  }
  if (flags.json) io.stdout.write(`${JSON.stringify({ fleet: fleet.name, from, to, predictive: flags.predictive === true, ...result })}\n`);
  else io.stdout.write(renderReplay(fleet.name, flags.predictive === true, result));
  return 0;
}

export function renderReplay(fleet: string, predictive: boolean, r: ReplayResult): string {
  const lines = [
    `${fleet}: ${r.periods} period(s) replayed with the current ${predictive ? 'predictive' : 'reactive'} policy`,
    `                     instance-hours  minutes short  request-minutes short  scale actions`,
    `  current policy     ${pad(r.replayed.instanceHours, 14)}  ${pad(r.replayed.minutesShort, 13)}  ${pad(r.replayed.requestMinutesShort, 21)}  ${pad(r.replayed.scaleActions, 13)}`,
    `  what the fleet did ${pad(r.actual.instanceHours, 14)}  ${pad(r.actual.minutesShort, 13)}  ${pad(r.actual.requestMinutesShort, 21)}`,
  ];
  if (predictive) lines.push(`  ticks at which the forecast held off a scale-in: ${r.replayed.heldByForecast}`);
  if (r.decisions.length > 0) lines.push('', 'changes the current policy would have made:');
  for (const d of r.decisions.slice(0, 200)) lines.push(`  ${d.at.toISOString()} ${d.from} -> ${d.to} ${d.reason}: ${REASONS[d.reason as keyof typeof REASONS] ?? ''}${forecastNote(d)}`);
  if (r.decisions.length > 200) lines.push(`  ... and ${r.decisions.length - 200} more (--json lists them all)`);
  return `${lines.join('\n')}\n`;
}

/** The forecast behind a predictive decision and where its headroom came from. */
function forecastNote(d: ReplayDecision): string {
  const f = d.forecast;
  if (!f) return '';
  const hold = f.scaleInHold !== undefined ? `, scale-in hold ${f.scaleInHold}` : '';
  const h = f.headroom;
  const headroom = !h ? '' : h.source === 'EmpiricalResiduals' ? `, headroom ${h.requests} measured (${h.fraction ?? '?'} of the peak, ${h.samples ?? '?'} past forecasts)` : `, headroom ${h.requests} assumed (Poisson)`;
  return ` [forecast ${f.source}${f.instances !== undefined ? ` ${f.instances}` : ''}${hold}${headroom}]`;
}

function pad(value: number, width: number): string {
  return String(value).padStart(width);
}
