import { GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { expect, it } from 'vitest';
import { validateConfig } from '../../lib/config/load.js';
import { loadQueries } from '../../lib/predict/history.js';
import { readForecastHistory } from '../../lib/replay/read-history.js';
import { recordedCloudWatch } from '../../lib/replay/recorded-cloudwatch.js';
import { asgFleet, fleetDocument } from '../fleet-document.js';
import { describeMoto, noRetry } from './harness.js';
import { putEngineSamples, type EngineSample } from './fixtures.js';

const minute = (m: number) => new Date(Date.UTC(2026, 10, 20, 10, m, 0));
const config = validateConfig(fleetDocument([asgFleet('a', 'engine-a', { scaleDown: { stabilizationSeconds: 300 } })]), 'test');
const fleet = config.fleets[0]!;

describeMoto('CloudWatch: the replay reads the forecast provider\'s load queries and answers them as CloudWatch does', (moto) => {
  it('the recorded series answer the provider\'s one- and five-minute queries as moto does, up to each tick', async () => {
    // two Engines, 10:00 to 10:14: streams 10 + m and 20 a minute, the Engines' limit each minute
    const samples: EngineSample[] = [];
    for (let m = 0; m < 15; m++) {
      samples.push({ instanceId: 'i-0aaa', at: minute(m), active: { stream: 10 + m }, maxActiveRequests: 100 });
      samples.push({ instanceId: 'i-0bbb', at: minute(m), active: { stream: 20 }, maxActiveRequests: 100 });
    }
    await putEngineSamples(moto.ports, fleet.target, samples);
    const recorded = await readForecastHistory(moto.ports.cloudwatch, config, fleet, minute(10), minute(15), noRetry);
    // stream and the Engines' samples, at one and at five minutes
    expect(recorded).toHaveLength(4);

    for (const [period, tick] of [
      [60, minute(7)],
      [300, minute(12)],
    ] as const) {
      const queries = loadQueries(config, fleet, 'q', period).map((q) => q.query);
      const ask = { MetricDataQueries: queries, StartTime: minute(0), EndTime: tick };
      const fromMoto = await moto.ports.cloudwatch.send(new GetMetricDataCommand(ask));
      const fromRecord = await recordedCloudWatch(recorded, () => tick.getTime()).send(new GetMetricDataCommand(ask));
      // Periods over by the tick. moto, as CloudWatch, also answers the one under way (10:10-10:15
      // at 10:12) with the minutes so far; the recorded series leave it out, and the provider
      // keeps only whole five-minute periods of history.
      const whole = (answer: typeof fromMoto) =>
        answer.MetricDataResults?.map((r) => ({ id: r.Id, points: (r.Timestamps ?? []).map((t, i) => [new Date(t).getTime(), r.Values?.[i]] as const).filter(([t]) => t + period * 1000 <= tick.getTime()).sort() }));
      expect(whole(fromRecord)).toEqual(whole(fromMoto));
      expect(fromRecord.MetricDataResults?.[0]?.Timestamps).toHaveLength(period === 60 ? 7 : 2);
      // 10:00-10:05 of stream: (10 + 11 + 12 + 13 + 14) + 5 x 20 = 160; the Engines' samples 2 x 5 = 10
      if (period === 300) expect(whole(fromRecord)?.map((r) => r.points[0]?.[1])).toEqual([160, 10]);
    }
  });
});
