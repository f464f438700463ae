import { z } from 'zod';
import { runDemo, type DemoResult } from '../../bench/demo/one-day.js';
import { parseFlags, type CommandIo } from '../flags.js';

const wholeNumber = (min: number, max: number) => z.coerce.number({ message: 'must be a number' }).int('must be a whole number').min(min, `must be at least ${min}`).max(max, `must be at most ${max}`);

export const demoFlags = {
  trace: { schema: z.string().min(1, 'must be a file path') },
  days: { schema: wholeNumber(1, 7) },
  scale: { schema: z.coerce.number({ message: 'must be a number' }).positive('must be positive').max(1000, 'must be at most 1000') },
  seed: { schema: wholeNumber(0, 2 ** 31 - 1) },
};

export async function demoCommand(argv: string[], io: CommandIo): Promise<number> {
  const flags = parseFlags(argv, demoFlags);
  const result = await runDemo({
    tracePath: flags.trace as string | undefined,
    days: (flags.days as number | undefined) ?? 1,
    scale: (flags.scale as number | undefined) ?? 20,
    seed: (flags.seed as number | undefined) ?? 1,
  });
  io.stdout.write(renderDemo(result));
  return 0;
}

export function renderDemo(result: DemoResult): string {
  const lines = [
    'Real call-centre traffic (../shared/traces/bank_calls.csv, x20) through the real scale and drain Lambdas on the simulated cloud.',
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
