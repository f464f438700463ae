import { z } from 'zod';
import { runDemo, type DemoResult } from '../../bench/demo/one-day.js';
import { parseFlags, type CommandIo, type CommandSpec } from '../flags.js';

const wholeNumber = (min: number, max: number) => z.coerce.number({ message: 'must be a number' }).int('must be a whole number').min(min, `must be at least ${min}`).max(max, `must be at most ${max}`);

export const DEMO_DEFAULTS = { days: 1, scale: 20, seed: 1 };

export const demoFlags = {
  days: { schema: wholeNumber(1, 7), value: 'N', default: String(DEMO_DEFAULTS.days), help: 'simulated days, from the trace\'s first midnight (1-7)' },
  scale: { schema: z.coerce.number({ message: 'must be a number' }).positive('must be positive').max(1000, 'must be at most 1000'), value: 'X', default: String(DEMO_DEFAULTS.scale), help: 'call-centre copies: each call of the trace becomes X streams' },
  seed: { schema: wholeNumber(0, 2 ** 31 - 1), value: 'N', default: String(DEMO_DEFAULTS.seed), help: 'random seed of arrivals and stream lengths' },
  trace: { schema: z.string().min(1, 'must be a file path'), value: 'FILE', default: 'the bundled bank call-centre trace (data/)', help: 'a trace CSV (rownames,DateTime,Calls; five-minute rows), plain or gzip' },
};

export const demoSpec: CommandSpec = {
  name: 'demo',
  description: 'Real call-centre traffic through the real scale and drain Lambdas on the simulated cloud,\non a simulated clock: per hour, the demand, the serving capacity and the decisions with\ntheir reasons, then the day\'s figures. Needs no AWS account.',
  flags: demoFlags,
  examples: ['fleet-scaler demo', 'fleet-scaler demo --days 2 --scale 40 --seed 7'],
};

export async function demoCommand(argv: string[], io: CommandIo): Promise<number> {
  const flags = parseFlags(argv, demoFlags);
  const result = await runDemo({
    tracePath: flags.trace as string | undefined,
    days: (flags.days as number | undefined) ?? DEMO_DEFAULTS.days,
    scale: (flags.scale as number | undefined) ?? DEMO_DEFAULTS.scale,
    seed: (flags.seed as number | undefined) ?? DEMO_DEFAULTS.seed,
  });
  io.stdout.write(renderDemo(result, (flags.scale as number | undefined) ?? DEMO_DEFAULTS.scale, flags.trace as string | undefined));
  return 0;
}

export function renderDemo(result: DemoResult, scale = DEMO_DEFAULTS.scale, trace = 'a North American bank\'s call centre, 2003, data/'): string {
  const lines = [
    `Real call-centre traffic (${trace}, x${scale}) through the real scale and drain Lambdas on the simulated cloud.`,
    'Per hour: concurrent streams (mean/peak), serving capacity in streams (mean), instances billed (mean), over-capacity stream-minutes, and the decisions with their reasons.',
    '',
    'hour (UTC)         demand mean/peak   capacity  instances  over-cap  changes                  decisions',
  ];
  for (const h of result.hours) {
    const changes = Object.entries(h.changes).map(([r, n]) => `${r}x${n}`).join(' ') || '-';
    const reasons = Object.entries(h.reasons).map(([r, n]) => `${r}x${n}`).join(' ');
    lines.push(
      `${h.hour.toISOString().slice(0, 16).replace('T', ' ')}   ${pad(h.meanDemand, 7)} /${pad(h.peakDemand, 6)}   ${pad(h.meanServingCapacity, 8)}  ${pad(h.meanInstances, 9, 1)}  ${pad(h.overCapacityStreamMinutes, 8)}  ${changes.padEnd(24)} ${reasons}`,
    );
  }
  const t = result.totals;
  const overPct = t.streamMinutes > 0 ? (100 * t.overCapacityStreamMinutes) / t.streamMinutes : 0;
  lines.push(
    '',
    `summary: ${t.minutes} minutes simulated in ${(result.wallMs / 1000).toFixed(1)} s`,
    `  GPU-hours ${t.gpuHours.toFixed(1)} against an oracle of ${t.oracleGpuHours.toFixed(1)} (${(t.gpuHours / t.oracleGpuHours).toFixed(2)} x)`,
    `  over-capacity stream-minutes ${t.overCapacityStreamMinutes} of ${t.streamMinutes} (${overPct.toFixed(3)} %)`,
    `  streams ${t.arrivals}, rejected ${t.rejected}, cut at the grace deadline ${t.streamsCutAtGrace}, cut in all ${t.streamsCut}`,
    `  scale actions ${t.scaleActions}, reversals ${t.reversals}, GPU-hours spent draining ${(t.drainingInstanceMinutes / 60).toFixed(1)}`,
  );
  return `${lines.join('\n')}\n`;
}

function pad(value: number, width: number, digits = 0): string {
  return value.toFixed(digits).padStart(width);
}
