import { expect, it } from 'vitest';
import { validateConfig } from '../../lib/config/load.js';
import { loadQueries, readLoads } from '../../lib/predict/history.js';
import { describeMoto, noRetry } from './harness.js';
import { putEngineSamples, type EngineSample } from './fixtures.js';
import { countCalls } from '../../lib/aws/call-count.js';

describeMoto('forecast load history (lib/predict/history.ts) against CloudWatch', (moto) => {
  it('reads a fleet\'s mean concurrent load per 5-minute period, oldest first', async () => {
    const config = validateConfig(
      {
        version: 1,
        scrapeIntervalSeconds: 60,
        fleets: [
          {
            name: 'nova',
            target: { type: 'asg', autoScalingGroupName: 'engine-a' },
            kinds: { stream: { capacity: 'engine', fallbackCapacity: 80 }, batch: { capacity: 4 } },
            minInstances: 1,
            maxInstances: 8,
          },
        ],
      },
      'test',
    );
    const fleet = config.fleets[0]!;
    const hour = Date.UTC(2026, 10, 20, 9, 0, 0);
    // Two 5-minute periods of one-minute scrapes from two instances.
    const samples: EngineSample[] = [];
    for (let minute = 0; minute < 10; minute++) {
      const at = new Date(hour + minute * 60_000);
      const busier = minute < 5 ? 20 : 40;
      samples.push({ instanceId: 'i-0aaa', at, active: { stream: 10, batch: 1 }, estimatedStreamCapacity: 90 });
      samples.push({ instanceId: 'i-0bbb', at, active: { stream: busier, batch: 0 }, estimatedStreamCapacity: 110 });
    }
    await putEngineSamples(moto.ports, fleet.target, samples);

    const queries = loadQueries(config, fleet, 'f0', 300);
    const aws = countCalls(moto.ports);
    const points = await readLoads(aws.ports.cloudwatch, queries, new Date(hour), new Date(hour + 10 * 60_000), noRetry);

    expect(aws.calls()).toBe(1);
    expect(points.get('f0_stream')).toEqual([
      { atMs: hour, load: 30 }, // 5 scrapes x (10 + 20) / 5 samples per period
      { atMs: hour + 300_000, load: 50 }, // 5 x (10 + 40) / 5
    ]);
    expect(points.get('f0_batch')).toEqual([
      { atMs: hour, load: 1 },
      { atMs: hour + 300_000, load: 1 },
    ]);
    // The capacity estimate is not read here: the forecast plans with the scale tick's bounded figure.
    expect(points.has('f0_capacity')).toBe(false);
  });
});
