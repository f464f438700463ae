import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runScript, startFakeImds, stub, type FakeImds } from '../agent/harness.js';
import { ROOT, loadTemplate, type Template } from './template.js';

interface Step {
  action: string;
  precondition?: unknown;
  inputs: { name?: string; action?: string; runCommand?: string[] };
}

describe('the State Manager association that installs the CloudWatch agent', () => {
  let template: Template;
  let steps: Step[];
  let imds: FakeImds;
  beforeAll(async () => {
    template = loadTemplate();
    steps = (template.Resources.EngineMetricsAgentDocument?.Properties?.Content as unknown as { mainSteps: Step[] }).mainSteps;
    imds = await startFakeImds({
      '/latest/meta-data/instance-id': 'i-0aaaabbbbccccdddd',
      '/latest/meta-data/placement/region': 'us-east-1',
      '/latest/meta-data/tags/instance/aws:autoscaling:groupName': 'dg-engine-a',
    });
  }, 240_000);
  afterAll(async () => imds?.close());

  it('targets the tagged instances through the project document, installing the agent package first', () => {
    const association = template.Resources.EngineMetricsAgentAssociation?.Properties;
    expect(association?.Name).toEqual({ Ref: 'EngineMetricsAgentDocument' });
    expect(association?.Targets).toEqual([{ Key: { 'Fn::Sub': 'tag:${AgentAssociationTagKey}' }, Values: ['true'] }]);
    expect(template.Parameters?.AgentAssociationTagKey?.Default).toBe('gpu-fleet-scaler:managed');
    expect(steps.map((s) => s.action)).toEqual(['aws:configurePackage', 'aws:runShellScript']);
    expect(steps[0]?.inputs).toEqual({ name: 'AmazonCloudWatchAgent', action: 'Install' });
  });

  it('runs install.sh verbatim, and the command as SSM would run it configures the agent', async () => {
    const command = steps[1]?.inputs.runCommand?.join('\n') ?? '';
    // SSM substitutes {{ parameter }} in commands: the script must contain none.
    expect(command).not.toContain('{{');
    expect(command).toContain(readFileSync(join(ROOT, 'infra/cloudwatch-agent/ec2/install.sh'), 'utf8'));
    const root = mkdtempSync(join(tmpdir(), 'cwagent-ssm-'));
    stub(join(root, 'bin'), 'amazon-cloudwatch-agent-ctl', 'exit 0');
    const script = join(root, 'ssm-command.sh');
    writeFileSync(script, command);
    const result = await runScript(script, [], {
      PATH: '/usr/local/bin:/usr/bin:/bin',
      CWAGENT_ROOT: root,
      IMDS_ENDPOINT: imds.url,
      EKS_MARKER_DIR: join(root, 'absent'),
    });
    expect({ status: result.status, stderr: result.stderr }).toEqual({ status: 0, stderr: '' });
    expect(readFileSync(join(root, 'etc/gpu-fleet-scaler-prometheus.yaml'), 'utf8')).toContain("AutoScalingGroupName: 'dg-engine-a'");
    expect(readFileSync(join(root, 'bin/calls.log'), 'utf8')).toContain('-a fetch-config -m ec2');
  });
});
