import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import { describe, expect, it, vi } from 'vitest';
import { createAwsPorts } from '../../lib/aws/clients.js';
import { CachedConfigSource, ConfigError, loadConfigFile, loadConfigParameter, parseConfigDocument, validateConfig } from '../../lib/config/load.js';
import { asgFleet, fleetDocument, problemsOf, withFleet } from '../fleet-document.js';

const valid = fleetDocument([asgFleet('a', 'g')]);


describe('fleet document validation', () => {
  it('accepts the example document with defaults filled in', async () => {
    const config = await loadConfigFile('examples/fleets.yaml');
    expect(config.fleets).toHaveLength(2);
    expect(config.fleets[1]).toMatchObject({ tolerance: 0.05, dryRun: true, drain: { gracePeriodSeconds: 3600 }, serviceLevel: { maxOverCapacityShare: 0.0005 } });
    expect(config.fleets[1]?.targetUtilization).toBeUndefined();
  });

  it('a new fleet starts in dry-run', () => {
    expect(validateConfig(valid, 'test').fleets[0]?.dryRun).toBe(true);
  });

  it.each([
    { name: 'min above max', patch: { minInstances: 5 }, field: 'fleets[0].minInstances', rule: /at most maxInstances \(4\)/, value: 5 },
    { name: 'negative max', patch: { maxInstances: -1 }, field: 'fleets[0].maxInstances', rule: /must be at least 1$/, value: -1 },
    { name: 'target utilisation above 1', patch: { targetUtilization: 1.5 }, field: 'fleets[0].targetUtilization', rule: /must be at most 1$/, value: 1.5 },
    { name: 'no request kind', patch: { kinds: {} }, field: 'fleets[0].kinds', rule: /at least one of stream, batch, tts/, value: {} },
    { name: 'zero capacity', patch: { kinds: { batch: { capacity: 0 } } }, field: 'fleets[0].kinds.batch.capacity', rule: /must be at least 1 request per instance/, value: 0 },
    { name: 'engine capacity without fallback', patch: { kinds: { stream: { capacity: 'engine' } } }, field: 'fleets[0].kinds.stream.fallbackCapacity', rule: /is required with capacity "engine"/, value: undefined },
    { name: 'API ratio past 1:16', patch: { api: { target: { type: 'asg', autoScalingGroupName: 'api' }, ratio: 20 } }, field: 'fleets[0].api.ratio', rule: /at most 16/, value: 20 },
    { name: 'unknown field', patch: { maxInstance: 3 }, field: 'fleets[0]', rule: /unknown field\(s\) maxInstance/, value: ['maxInstance'] },
    { name: 'bad target type', patch: { target: { type: 'ecs', name: 'x' } }, field: 'fleets[0].target.type', rule: /./, value: 'ecs' },
    { name: 'name with a space', patch: { name: 'my fleet' }, field: 'fleets[0].name', rule: /letters, digits/, value: 'my fleet' },
    { name: 'container pattern with shell characters', patch: { drain: { containerNamePattern: 'x;rm -rf /' } }, field: 'fleets[0].drain.containerNamePattern', rule: /letters, digits/, value: 'x;rm -rf /' },
    { name: 'kubernetes settings on an Auto Scaling group fleet', patch: { kubernetes: {} }, field: 'fleets[0].kubernetes', rule: /EKS node group fleets only/, value: {} },
    { name: 'a Deployment to scale without its namespace', patch: { target: { type: 'eks', clusterName: 'c', nodegroupName: 'n' }, kubernetes: { apiDeployment: 'deepgram-api' } }, field: 'fleets[0].kubernetes.namespace', rule: /must be set with apiDeployment/, value: undefined },
    { name: 'a Deployment name Kubernetes refuses', patch: { target: { type: 'eks', clusterName: 'c', nodegroupName: 'n' }, kubernetes: { namespace: 'dg', engineDeployment: 'Deepgram_Engine' } }, field: 'fleets[0].kubernetes.engineDeployment', rule: /Kubernetes name/, value: 'Deepgram_Engine' },
    { name: 'an empty Engine label selector', patch: { target: { type: 'eks', clusterName: 'c', nodegroupName: 'n' }, kubernetes: { engineLabels: {} } }, field: 'fleets[0].kubernetes.engineLabels', rule: /at least one label/, value: {} },
    { name: 'negative victim load limit', patch: { drain: { maxVictimRequests: -1 } }, field: 'fleets[0].drain.maxVictimRequests', rule: /must be at least 0$/, value: -1 },
    { name: 'predictive that is not a boolean', patch: { predictive: 'yes' }, field: 'fleets[0].predictive', rule: /boolean/, value: 'yes' },
    { name: 'unknown time zone', patch: { redeploy: { timeZone: 'Mars/Olympus' } }, field: 'fleets[0].redeploy.timeZone', rule: /IANA time zone/, value: 'Mars/Olympus' },
    { name: 'cron that is not EventBridge', patch: { redeploy: { schedule: '0 3 * * *' } }, field: 'fleets[0].redeploy.schedule', rule: /cron\(minutes hours/, value: '0 3 * * *' },
  ])('$name: names the field, the rule and the value', ({ patch, field, rule, value }) => {
    const problems = problemsOf(withFleet(patch));
    const problem = problems.find((p) => p.field === field);
    expect(problem, JSON.stringify(problems)).toBeDefined();
    expect(problem?.rule).toMatch(rule);
    expect(problem?.value).toEqual(value);
  });

  it('lists every problem at once', () => {
    const problems = problemsOf({ version: 2, periodSeconds: 45, fleets: [{ name: '', minInstances: -1 }] });
    expect(problems.map((p) => p.field)).toEqual(
      expect.arrayContaining(['version', 'periodSeconds', 'fleets[0].name', 'fleets[0].target', 'fleets[0].kinds', 'fleets[0].minInstances', 'fleets[0].maxInstances']),
    );
  });

  it('rejects two fleets managing the same group', () => {
    const second = { ...valid.fleets[0], name: 'b' };
    const problems = problemsOf({ ...valid, fleets: [valid.fleets[0], second] });
    expect(problems).toContainEqual({ field: 'fleets[1].target', rule: 'must not be managed twice (also fleets[0])', value: { type: 'asg', autoScalingGroupName: 'g' } });
  });

  it('rejects text that is not YAML, naming the document', () => {
    expect(() => parseConfigDocument('fleets: [unclosed', 'inline')).toThrow(/\(document\): must be valid YAML or JSON/);
  });

  it('names a missing file', async () => {
    await expect(loadConfigFile('/nonexistent/fleets.yaml')).rejects.toThrow(/\(file\): must be a readable file/);
  });
});

describe('the fleet document from SSM Parameter Store', () => {
  const ssm = mockClient(SSMClient);

  it('reads the parameter with decryption and validates it', async () => {
    ssm.reset();
    ssm.on(GetParameterCommand).resolves({ Parameter: { Name: '/fleet-scaler/config', Value: JSON.stringify(valid) } });
    const config = await loadConfigParameter(createAwsPorts({ region: 'us-east-1' }).ssm, '/fleet-scaler/config');
    expect(config.fleets[0]?.name).toBe('a');
    expect(ssm).toHaveReceivedCommandWith(GetParameterCommand, { Name: '/fleet-scaler/config', WithDecryption: true });
  });

  it('turns an unreadable parameter into a ConfigError naming it', async () => {
    ssm.reset();
    ssm.on(GetParameterCommand).rejects(Object.assign(new Error('Parameter not found'), { name: 'ParameterNotFound' }));
    await expect(loadConfigParameter(createAwsPorts({ region: 'us-east-1' }).ssm, '/missing')).rejects.toThrow(/SSM parameter \/missing/);
  });

  it('is read once per TTL, then again', async () => {
    const load = vi.fn(async () => validateConfig(valid, 'test'));
    const source = new CachedConfigSource(load, 60_000);
    await source.get(0);
    await source.get(59_999);
    expect(load).toHaveBeenCalledTimes(1);
    await source.get(60_000);
    expect(load).toHaveBeenCalledTimes(2);
  });

  it('keeps no stale copy when a refresh fails', async () => {
    const load = vi.fn().mockResolvedValueOnce(validateConfig(valid, 'test')).mockRejectedValueOnce(new ConfigError('x', []));
    const source = new CachedConfigSource(load, 1000);
    await source.get(0);
    await expect(source.get(1000)).rejects.toBeInstanceOf(ConfigError);
  });
});
