import { beforeAll, describe, expect, it } from 'vitest';
import { asArray, loadTemplate, render, resourcesOfType, type Json, type Resource, type Template } from './template.js';

interface Trigger {
  rule: string;
  schedule?: string;
  pattern?: Record<string, Json>;
  enabled: boolean;
}

/** EventBridge rules that target the function, and whether Lambda lets them invoke it. */
function triggersOf(template: Template, functionId: string): Trigger[] {
  const out: Trigger[] = [];
  for (const [rule, resource] of resourcesOfType(template, 'AWS::Events::Rule')) {
    const targets = asArray(resource.Properties?.Targets as Json) as { Arn: Json }[];
    if (!targets.some((t) => render(t.Arn) === `\${${functionId}.Arn}`)) continue;
    out.push({
      rule,
      schedule: resource.Properties?.ScheduleExpression as string | undefined,
      pattern: resource.Properties?.EventPattern as Record<string, Json> | undefined,
      enabled: resource.Properties?.State === undefined || resource.Properties.State === 'ENABLED',
    });
  }
  return out;
}

function invokePermitted(template: Template, functionId: string, ruleId: string): boolean {
  const ruleName = template.Resources[ruleId]?.Properties?.Name;
  // serverless names the rule's ARN either by GetAtt or, for eventBridge events, spelled out.
  const ruleArns = [`\${${ruleId}.Arn}`, ...(typeof ruleName === 'string' ? [`arn:\${AWS::Partition}:events:\${AWS::Region}:\${AWS::AccountId}:rule/${ruleName}`] : [])];
  return resourcesOfType(template, 'AWS::Lambda::Permission').some(([, p]) => {
    const target = render(p.Properties?.FunctionName as Json);
    return (
      (target === `\${${functionId}.Arn}` || target === `\${${functionId}}`) &&
      p.Properties?.Principal === 'events.amazonaws.com' &&
      ruleArns.includes(render(p.Properties?.SourceArn as Json))
    );
  });
}

/**
 * When Lambda deprecates each Node.js runtime (its end of life): a runtime is acceptable
 * only while that date is ahead, so this test starts failing the day one passes. A
 * runtime newer than the table is accepted until it is added.
 */
const NODE_DEPRECATION: Record<number, string> = { 16: '2024-06-12', 18: '2025-09-01', 20: '2026-04-30', 22: '2027-04-30', 24: '2028-04-30' };
const NEWEST_KNOWN = Math.max(...Object.keys(NODE_DEPRECATION).map(Number));

function runtimeProblem(runtime: string, today: Date): string | undefined {
  const major = Number(/^nodejs(\d+)\.x$/.exec(runtime)?.[1]);
  if (!Number.isInteger(major)) return `${runtime} is not a Node.js runtime`;
  if (major > NEWEST_KNOWN) return undefined;
  const deprecation = NODE_DEPRECATION[major];
  if (deprecation === undefined) return `${runtime} is not a Lambda runtime`;
  return today.getTime() < Date.parse(`${deprecation}T00:00:00Z`) ? undefined : `${runtime} reached end of life on ${deprecation}`;
}

const env = (resource: Resource | undefined) => (resource?.Properties?.Environment as { Variables: Record<string, Json> } | undefined)?.Variables ?? {};

describe('functions and their triggers in the packaged template', () => {
  let template: Template;
  beforeAll(() => {
    template = loadTemplate();
  }, 240_000);

  it.each([
    { runtime: 'nodejs20.x', today: '2026-04-29', problem: false },
    { runtime: 'nodejs20.x', today: '2026-04-30', problem: true },
    { runtime: 'nodejs22.x', today: '2026-11-20', problem: false },
    { runtime: 'nodejs26.x', today: '2026-11-20', problem: false },
    { runtime: 'python3.13', today: '2026-11-20', problem: true },
  ])('judges $runtime on $today: end of life $problem', ({ runtime, today, problem }) => {
    expect(runtimeProblem(runtime, new Date(`${today}T12:00:00Z`)) !== undefined).toBe(problem);
  });

  it('runs every function on a Node.js runtime that is not past end of life', () => {
    const functions = resourcesOfType(template, 'AWS::Lambda::Function');
    expect(functions.length).toBeGreaterThanOrEqual(3);
    const problems = functions.map(([name, fn]) => [name, runtimeProblem(String(fn.Properties?.Runtime), new Date())]).filter(([, p]) => p !== undefined);
    expect(problems).toEqual([]);
  });

  it.each([
    { fn: 'ScaleLambdaFunction', schedules: ['rate(1 minute)'], lifecycleEvents: false },
    { fn: 'DrainLambdaFunction', schedules: ['rate(1 minute)'], lifecycleEvents: true },
    { fn: 'LicenseWatchLambdaFunction', schedules: ['rate(1 minute)'], lifecycleEvents: false },
  ])('$fn has the schedule and events it needs, each allowed to invoke it', ({ fn, schedules, lifecycleEvents }) => {
    expect(template.Resources[fn], `${fn} missing`).toBeDefined();
    const triggers = triggersOf(template, fn);
    expect(triggers.filter((t) => t.schedule && t.enabled).map((t) => t.schedule)).toEqual(schedules);
    const lifecycle = triggers.filter(
      (t) =>
        t.enabled &&
        JSON.stringify(t.pattern?.source) === JSON.stringify(['aws.autoscaling']) &&
        JSON.stringify(t.pattern?.['detail-type']) === JSON.stringify(['EC2 Instance-terminate Lifecycle Action']),
    );
    expect(lifecycle.length).toBe(lifecycleEvents ? 1 : 0);
    for (const rule of lifecycle) {
      // only the drain's own hook and terminations: another hook's events never wake it
      const hookName = (template.Resources[fn]?.Properties as { Environment?: { Variables?: Record<string, Json> } }).Environment?.Variables?.DRAIN_HOOK_NAME;
      expect(rule.pattern?.detail).toEqual({ LifecycleHookName: [hookName], LifecycleTransition: ['autoscaling:EC2_INSTANCE_TERMINATING'] });
    }
    for (const trigger of triggers) expect(invokePermitted(template, fn, trigger.rule), `${trigger.rule} may not invoke ${fn}`).toBe(true);
  });

  it('runs redeploy from an EventBridge Scheduler schedule that may invoke only it', () => {
    const schedules = resourcesOfType(template, 'AWS::Scheduler::Schedule').filter(([, s]) => render((s.Properties?.Target as { Arn: Json }).Arn) === '${RedeployLambdaFunction.Arn}');
    expect(schedules).toHaveLength(1);
    const [, schedule] = schedules[0] as [string, Resource];
    expect(schedule.Properties?.State ?? 'ENABLED').toBe('ENABLED');
    // Each fleet's window is its own cron and time zone, matched by the Lambda every minute.
    expect(schedule.Properties?.ScheduleExpression).toBe('rate(1 minute)');
    const roleId = render((schedule.Properties?.Target as { RoleArn: Json }).RoleArn).replace(/^\$\{|\.Arn\}$/g, '');
    const role = template.Resources[roleId]?.Properties as { AssumeRolePolicyDocument: { Statement: { Principal: { Service: string } }[] }; Policies: { PolicyDocument: { Statement: { Action: string | string[]; Resource: Json }[] } }[] };
    expect(role.AssumeRolePolicyDocument.Statement.map((s) => s.Principal.Service)).toEqual(['scheduler.amazonaws.com']);
    const statements = role.Policies.flatMap((p) => p.PolicyDocument.Statement);
    expect(statements.flatMap((s) => asArray(s.Action))).toEqual(['lambda:InvokeFunction']);
    expect(statements.flatMap((s) => asArray(s.Resource).map((r) => render(r)))).toEqual(['${RedeployLambdaFunction.Arn}']);
  });

  it('finishes each every-minute tick inside its minute', () => {
    for (const [name, fn] of resourcesOfType(template, 'AWS::Lambda::Function')) expect(Number(fn.Properties?.Timeout), name).toBeLessThan(60);
  });

  it('starts in dry-run: the stack-wide override defaults to "true" and reaches every function', () => {
    expect(template.Parameters?.ForceDryRun?.Default).toBe('true');
    expect(template.Parameters?.ForceDryRun?.AllowedValues).toEqual(['true', 'false']);
    for (const [name, fn] of resourcesOfType(template, 'AWS::Lambda::Function')) expect(env(fn).FLEET_SCALER_FORCE_DRY_RUN, name).toEqual({ Ref: 'ForceDryRun' });
  });

  it('forecasts by default, on the scale function only, as a stack parameter', () => {
    expect(template.Parameters?.Predictive?.Default).toBe('true');
    expect(template.Parameters?.Predictive?.AllowedValues).toEqual(['true', 'false']);
    const withPredictive = resourcesOfType(template, 'AWS::Lambda::Function').filter(([, fn]) => env(fn).FLEET_SCALER_PREDICTIVE !== undefined).map(([name]) => name);
    expect(withPredictive).toEqual(['ScaleLambdaFunction']);
    expect(env(template.Resources.ScaleLambdaFunction).FLEET_SCALER_PREDICTIVE).toEqual({ Ref: 'Predictive' });
  });

  it('tells the fleet functions where the fleet document is, a parameter whose name starts with "/"', () => {
    const pattern = new RegExp(template.Parameters?.FleetConfigParameterName?.AllowedPattern ?? '(none)');
    expect(pattern.test(String(template.Parameters?.FleetConfigParameterName?.Default))).toBe(true);
    expect(pattern.test('no-leading-slash')).toBe(false);
    for (const fn of ['ScaleLambdaFunction', 'DrainLambdaFunction']) expect(env(template.Resources[fn]).FLEET_CONFIG_PARAMETER, fn).toEqual({ Ref: 'FleetConfigParameterName' });
  });

  it('gives drain the project document and license-watch the project topic', () => {
    expect(env(template.Resources.DrainLambdaFunction).DRAIN_DOCUMENT_NAME).toEqual({ Ref: 'GpuFleetScalerDrainDocument' });
    expect(template.Resources.GpuFleetScalerDrainDocument?.Type).toBe('AWS::SSM::Document');
    expect(env(template.Resources.LicenseWatchLambdaFunction).LICENSE_ALERT_TOPIC_ARN).toEqual({ Ref: 'LicenseAlertTopic' });
    expect(() => JSON.parse(String(env(template.Resources.LicenseWatchLambdaFunction).LICENSE_PROXIES))).not.toThrow();
  });

  it('puts license-watch in the VPC only when subnets are given', () => {
    const vpc = template.Resources.LicenseWatchLambdaFunction?.Properties?.VpcConfig as { 'Fn::If': [string, Json, Json] };
    expect(vpc['Fn::If'][0]).toBe('LicenseWatchInVpc');
    expect(vpc['Fn::If'][2]).toEqual({ Ref: 'AWS::NoValue' });
    expect(template.Conditions?.LicenseWatchInVpc).toEqual({ 'Fn::Not': [{ 'Fn::Equals': [{ Ref: 'LicenseWatchSubnetIds' }, ''] }] });
    expect(template.Parameters?.LicenseWatchSubnetIds?.Default).toBe('');
  });
});
