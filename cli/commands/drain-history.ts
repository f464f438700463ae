import { z } from 'zod';
import { createAwsPorts } from '../../lib/aws/clients.js';
import type { CloudWatchPort } from '../../lib/aws/ports.js';
import { defaultRetryPolicy, describeError } from '../../lib/aws/retry.js';
import { readDrainDays, renderDrainHistory, summarizeDrainHistory } from '../../lib/drain/history.js';
import { type CommandIo, type CommandSpec, configFlag, endpointSchema, fleetFlag, isoTimeSchema, parseFlags, regionSchema, timeSpan } from '../flags.js';

export const drainHistoryFlags = {
  config: { schema: z.string().min(1, 'must be a file path'), required: true, value: 'FILE', help: 'the fleet document, YAML or JSON' },
  fleet: { schema: z.string().min(1, 'must name a fleet of the document'), required: true, value: 'NAME', help: 'the fleet whose drains to read' },
  from: { schema: isoTimeSchema, required: true, value: 'TIME', help: 'start, ISO 8601 with a zone (read from its midnight UTC)' },
  to: { schema: isoTimeSchema, required: true, value: 'TIME', help: 'end, ISO 8601 with a zone (at most 455 days after --from)' },
  region: { schema: regionSchema, value: 'REGION', default: "AWS_REGION, then the AWS profile's region", help: 'the region of the fleet' },
  endpoint: { schema: endpointSchema, value: 'URL', default: 'the AWS endpoints', help: 'send every AWS call here instead (an emulator such as moto)' },
  json: { help: 'print the history as JSON' },
};

export const drainHistorySpec: CommandSpec = {
  name: 'drain-history',
  description:
    "The grace period a fleet's own traffic needs: its drains over a span, as the drain Lambda\npublished them to CloudWatch (time to empty per drain, drains released at the deadline,\nstreams cut), the distribution of time to empty, and the shortest grace that would have\ncut nothing. A drain ends when its instance empties, so a long grace costs only the drains\nthat use it. Reads only.",
  flags: drainHistoryFlags,
  examples: ['fleet-scaler drain-history --config fleets.yaml --fleet engines --from 2026-02-01T00:00:00Z --to 2026-03-01T00:00:00Z'],
};

/** CloudWatch keeps hourly (and so daily) statistics for 455 days. */
const MAX_SPAN_DAYS = 455;

/**
 * The grace period a fleet's own traffic needs: the drain Lambda's published drains over
 * a span, their time-to-empty distribution, and the shortest grace that would have cut no
 * stream. Reads only.
 */
export async function drainHistoryCommand(argv: string[], io: CommandIo, cloudwatch?: CloudWatchPort): Promise<number> {
  const flags = parseFlags(argv, drainHistoryFlags);
  const { from, to } = timeSpan(flags, { maxDays: MAX_SPAN_DAYS, kept: 'hourly statistics' });
  const config = await configFlag(flags, io);
  if (!config) return 1;
  const fleet = fleetFlag(config, flags);
  const port = cloudwatch ?? createAwsPorts({ region: flags.region as string | undefined, endpoint: flags.endpoint as string | undefined }).cloudwatch;
  let days;
  try {
    days = await readDrainDays(port, fleet.name, from, to, defaultRetryPolicy);
  } catch (error) {
    io.stderr.write(`fleet-scaler drain-history: ${describeError(error)}\n`);
    return 1;
  }
  const history = summarizeDrainHistory(days, fleet.drain.gracePeriodSeconds);
  if (flags.json) io.stdout.write(`${JSON.stringify({ fleet: fleet.name, from, to, gracePeriodSeconds: fleet.drain.gracePeriodSeconds, ...history })}\n`);
  else io.stdout.write(renderDrainHistory(fleet.name, from, to, history));
  return 0;
}
