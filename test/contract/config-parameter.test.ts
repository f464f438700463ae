import { PutParameterCommand } from '@aws-sdk/client-ssm';
import { expect, it } from 'vitest';
import { ConfigError, loadConfigParameter } from '../../lib/config/load.js';
import { describeMoto, noRetry } from './harness.js';
import { putConfigParameter } from './fixtures.js';

const PARAMETER = '/gpu-fleet-scaler/config';

const document = `
version: 1
fleets:
  - name: nova-3-us
    target: { type: asg, autoScalingGroupName: dg-engine-nova3 }
    kinds: { stream: { capacity: 80 } }
    minInstances: 2
    maxInstances: 20
    dryRun: false
`;

describeMoto('loadConfigParameter: the fleet document from SSM Parameter Store', (moto) => {
  it('reads and validates a String parameter through GetParameter', async () => {
    await putConfigParameter(moto.ports, PARAMETER, document);

    const config = await loadConfigParameter(moto.ports.ssm, PARAMETER, noRetry);

    expect(config.fleets).toHaveLength(1);
    expect(config.fleets[0]).toMatchObject({
      name: 'nova-3-us',
      target: { type: 'asg', autoScalingGroupName: 'dg-engine-nova3' },
      minInstances: 2,
      maxInstances: 20,
      dryRun: false,
    });
  });

  it('decrypts a SecureString parameter (WithDecryption: true)', async () => {
    await moto.ports.ssm.send(new PutParameterCommand({ Name: PARAMETER, Value: document, Type: 'SecureString' }));

    const config = await loadConfigParameter(moto.ports.ssm, PARAMETER, noRetry);

    expect(config.fleets[0]?.name).toBe('nova-3-us');
  });

  it('reads the newest version after the operator overwrites the parameter', async () => {
    await putConfigParameter(moto.ports, PARAMETER, document);
    await putConfigParameter(moto.ports, PARAMETER, document.replace('maxInstances: 20', 'maxInstances: 30'));

    const config = await loadConfigParameter(moto.ports.ssm, PARAMETER, noRetry);

    expect(config.fleets[0]?.maxInstances).toBe(30);
  });

  it('turns a missing parameter into a ConfigError that names the parameter and the AWS error', async () => {
    const loading = loadConfigParameter(moto.ports.ssm, '/gpu-fleet-scaler/absent', noRetry);

    await expect(loading).rejects.toBeInstanceOf(ConfigError);
    await expect(loading).rejects.toMatchObject({
      problems: [{ field: '(parameter)', value: '/gpu-fleet-scaler/absent', rule: expect.stringContaining('ParameterNotFound') }],
    });
  });

  it('turns an invalid document into a ConfigError listing each field, rule and value', async () => {
    await putConfigParameter(moto.ports, PARAMETER, document.replace('minInstances: 2', 'minInstances: 50'));

    const loading = loadConfigParameter(moto.ports.ssm, PARAMETER, noRetry);

    await expect(loading).rejects.toMatchObject({
      name: 'ConfigError',
      source: `SSM parameter ${PARAMETER}`,
      problems: [{ field: 'fleets[0].minInstances', rule: 'must be at most maxInstances (20)', value: 50 }],
    });
  });
});
