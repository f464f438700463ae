import { beforeAll, describe, expect, it } from 'vitest';
import { asArray, branches, bundleText, loadTemplate, renderList, resourcesOfType, type Json, type Template } from './template.js';

interface Statement {
  owner: string;
  Sid?: string;
  Effect: string;
  Action?: string | string[];
  NotAction?: unknown;
  Resource?: Json;
  NotResource?: unknown;
  Condition?: Record<string, Record<string, Json>>;
}

const MANAGED_TAG = 'gpu-fleet-scaler:managed';

/**
 * Actions AWS authorises on "*" only (no resource-level permissions), all read-only,
 * plus PutMetricData, whose "*" the namespace condition narrows. Anything else on "*"
 * fails: an action that supports resource ARNs must name them.
 */
const STAR_ONLY = new Set([
  'autoscaling:DescribeAutoScalingGroups',
  'autoscaling:DescribeAutoScalingInstances',
  'autoscaling:DescribeInstanceRefreshes',
  'autoscaling:DescribeLifecycleHooks',
  'autoscaling:DescribeScalingActivities',
  'cloudwatch:GetMetricData',
  'cloudwatch:ListMetrics',
  'cloudwatch:PutMetricData',
  'ssm:ListCommandInvocations',
  'ec2:DescribeInstances',
  'ec2:DescribeNetworkInterfaces',
  'ec2:DescribeSubnets',
]);

const READ = /^[a-z0-9-]+:(Describe|Get|List)[A-Za-z]*$/;

function statementsOf(template: Template): Statement[] {
  const out: Statement[] = [];
  const add = (owner: string, document: Json | undefined) => {
    if (!document || typeof document !== 'object' || Array.isArray(document)) return;
    for (const entry of asArray(document.Statement as Json)) for (const statement of branches(entry)) out.push({ owner, ...(statement as object) } as Statement);
  };
  for (const [name, role] of resourcesOfType(template, 'AWS::IAM::Role')) {
    for (const policy of asArray(role.Properties?.Policies as Json)) add(name, (policy as { PolicyDocument: Json }).PolicyDocument);
  }
  for (const type of ['AWS::IAM::Policy', 'AWS::IAM::ManagedPolicy']) {
    for (const [name, policy] of resourcesOfType(template, type)) add(name, policy.Properties?.PolicyDocument);
  }
  return out;
}

const actionsOf = (s: Statement) => asArray(s.Action);
const resourcesOf = (s: Statement, refs: Record<string, string> = {}) => (s.Resource === undefined ? [] : renderList(s.Resource, refs));
const conditionValue = (s: Statement, operator: string, key: string) => s.Condition?.[operator]?.[key];
const hasManagedTagCondition = (s: Statement, key: string) => conditionValue(s, 'StringEquals', key) === 'true';

function roleOf(template: Template, functionId: string): string {
  const role = template.Resources[functionId]?.Properties?.Role as { 'Fn::GetAtt'?: [string, string] } | undefined;
  const name = role?.['Fn::GetAtt']?.[0];
  if (!name) throw new Error(`${functionId} has no role from this stack`);
  return name;
}

/** Does the role allow `action`? Wildcards are already banned, so equality is enough. */
function allows(statements: Statement[], role: string, action: string): boolean {
  return statements.some((s) => s.owner === role && s.Effect === 'Allow' && actionsOf(s).includes(action));
}

describe('IAM in the packaged template', () => {
  let template: Template;
  let statements: Statement[];
  beforeAll(() => {
    template = loadTemplate();
    statements = statementsOf(template);
  }, 240_000);

  it('has policies to check', () => {
    expect(statements.length).toBeGreaterThan(10);
  });

  it('grants no wildcard action, no NotAction, no NotResource, no Deny-free escape', () => {
    const offenders = statements.filter((s) => actionsOf(s).some((a) => a.includes('*')) || s.NotAction !== undefined || s.NotResource !== undefined);
    expect(offenders.map((s) => `${s.owner}/${s.Sid ?? '?'}`)).toEqual([]);
  });

  it('uses a "*" resource only for actions AWS authorises on "*" alone', () => {
    const offenders = statements
      .filter((s) => resourcesOf(s).includes('*'))
      .flatMap((s) => actionsOf(s).filter((a) => !STAR_ONLY.has(a)).map((a) => `${s.owner}/${s.Sid ?? '?'}: ${a}`));
    expect(offenders).toEqual([]);
  });

  it('lets PutMetricData write only into the project namespaces', () => {
    const put = statements.filter((s) => actionsOf(s).includes('cloudwatch:PutMetricData'));
    expect(put.length).toBeGreaterThan(0);
    for (const s of put) expect(conditionValue(s, 'StringEquals', 'cloudwatch:namespace'), `${s.owner}/${s.Sid}`).toMatch(/^GpuFleetScaler(\/|$)/);
  });

  it('allows Auto Scaling and EKS writes only on resources tagged as managed', () => {
    const writes = statements.filter((s) => actionsOf(s).some((a) => /^(autoscaling|eks):/.test(a) && !READ.test(a)));
    expect(writes.length).toBeGreaterThan(0);
    const untagged = writes.filter((s) => !hasManagedTagCondition(s, `aws:ResourceTag/${MANAGED_TAG}`) && !hasManagedTagCondition(s, `autoscaling:ResourceTag/${MANAGED_TAG}`));
    expect(untagged.map((s) => `${s.owner}/${s.Sid ?? '?'}`)).toEqual([]);
    for (const s of writes) expect(resourcesOf(s).includes('*'), `${s.owner}/${s.Sid}`).toBe(false);
  });

  it('lets a tag write touch only the controller\'s own tags, never the managed tag', () => {
    const tagging = statements.filter((s) => actionsOf(s).some((a) => a === 'autoscaling:CreateOrUpdateTags' || a === 'eks:TagResource'));
    expect(tagging.length).toBeGreaterThan(0);
    for (const s of tagging) {
      const keys = asArray(conditionValue(s, 'ForAllValues:StringEquals', 'aws:TagKeys') as Json);
      expect(keys.length, `${s.owner}/${s.Sid}`).toBeGreaterThan(0);
      // Writing the managed tag would let the controller enrol any group it can reach.
      for (const key of keys) expect(key, `${s.owner}/${s.Sid}`).toMatch(/^gpu-fleet-scaler:(last-scaling|redeploy)$/);
    }
  });

  it('sends commands only with the drain document, and only to managed instances', () => {
    const send = statements.filter((s) => actionsOf(s).includes('ssm:SendCommand'));
    expect(send.length).toBeGreaterThan(0);
    for (const s of send) {
      // Mixing the document with other actions or resources would let the tag condition
      // or the document restriction leak onto the other.
      expect(actionsOf(s), `${s.owner}/${s.Sid}`).toEqual(['ssm:SendCommand']);
      const resources = resourcesOf(s);
      expect(resources, `${s.owner}/${s.Sid}`).toHaveLength(1);
      const [resource] = resources as [string];
      if (resource.includes(':document/')) {
        expect(resource).toMatch(/:document\/\$\{GpuFleetScalerDrainDocument\}$/);
        expect(s.Condition).toBeUndefined();
      } else {
        expect(resource).toMatch(/^arn:\$\{AWS::Partition\}:ec2:\$\{AWS::Region\}:\$\{AWS::AccountId\}:instance\/\*$/);
        expect(hasManagedTagCondition(s, `ssm:resourceTag/${MANAGED_TAG}`), `${s.owner}/${s.Sid}`).toBe(true);
      }
    }
    expect(send.some((s) => resourcesOf(s)[0]?.includes(':document/'))).toBe(true);
    expect(send.some((s) => resourcesOf(s)[0]?.includes(':instance/'))).toBe(true);
  });

  it('reads only the fleet document parameter and publishes only to the project topic', () => {
    for (const s of statements.filter((s) => actionsOf(s).some((a) => a.startsWith('ssm:GetParameter')))) {
      expect(resourcesOf(s), `${s.owner}/${s.Sid}`).toEqual(['arn:${AWS::Partition}:ssm:${AWS::Region}:${AWS::AccountId}:parameter${FleetConfigParameterName}']);
    }
    for (const s of statements.filter((s) => actionsOf(s).includes('sns:Publish'))) {
      const [topic] = resourcesOf(s);
      expect(template.Resources[(topic ?? '').replace(/^\$\{|\}$/g, '')]?.Type, `${s.owner}/${s.Sid}`).toBe('AWS::SNS::Topic');
    }
  });

  it('writes logs only into the function\'s own log group', () => {
    for (const s of statements.filter((s) => actionsOf(s).some((a) => a === 'logs:PutLogEvents') && s.owner.endsWith('Role'))) {
      const [group] = resourcesOf(s);
      expect(group, `${s.owner}/${s.Sid}`).toMatch(/^\$\{[A-Za-z]+LogGroup\.Arn\}$/);
    }
  });

  describe('license-watch in a VPC: network interfaces only in the subnets and security groups given to the stack', () => {
    const VPC_ACTIONS = ['ec2:CreateNetworkInterface', 'ec2:DeleteNetworkInterface', 'ec2:AssignPrivateIpAddresses', 'ec2:UnassignPrivateIpAddresses'];
    const refs = { LicenseWatchSubnetIds: 'subnet-0aa,subnet-0bb', LicenseWatchSecurityGroupIds: 'sg-0cc' };
    const OWN_INTERFACES = 'arn:${AWS::Partition}:ec2:${AWS::Region}:${AWS::AccountId}:network-interface/*';
    const vpcStatements = () => statements.filter((s) => s.owner === roleOf(template, 'LicenseWatchLambdaFunction') && actionsOf(s).some((a) => VPC_ACTIONS.includes(a)));

    it('grants exactly the network-interface actions of AWSLambdaVPCAccessExecutionRole, no other', () => {
      expect([...new Set(vpcStatements().flatMap(actionsOf))].sort()).toEqual([...VPC_ACTIONS].sort());
    });

    it('creates an interface only in a given subnet with a given security group', () => {
      const create = vpcStatements().filter((s) => actionsOf(s).includes('ec2:CreateNetworkInterface'));
      expect(create).toHaveLength(1);
      expect(create[0]?.Condition).toBeUndefined();
      expect(resourcesOf(create[0] as Statement, refs)).toEqual([OWN_INTERFACES, 'arn:*:ec2:*:*:subnet/subnet-0aa', 'arn:*:ec2:*:*:subnet/subnet-0bb', 'arn:*:ec2:*:*:security-group/sg-0cc']);
    });

    it('deletes and re-addresses only interfaces whose subnet is a given one', () => {
      const manage = vpcStatements().filter((s) => !actionsOf(s).includes('ec2:CreateNetworkInterface'));
      expect(manage.length).toBeGreaterThan(0);
      for (const s of manage) {
        expect(resourcesOf(s, refs), s.Sid).toEqual([OWN_INTERFACES]);
        const subnets = conditionValue(s, 'ArnLike', 'ec2:Subnet');
        expect(subnets, s.Sid).toBeDefined();
        expect(renderList(subnets as Json, refs)).toEqual(['arn:*:ec2:*:*:subnet/subnet-0aa', 'arn:*:ec2:*:*:subnet/subnet-0bb']);
      }
    });
  });

  it('gives every function a role of its own, assumable only by Lambda', () => {
    const functions = resourcesOfType(template, 'AWS::Lambda::Function').map(([name]) => name);
    const roles = functions.map((f) => roleOf(template, f));
    expect(new Set(roles).size).toBe(functions.length);
    expect(template.Resources.IamRoleLambdaExecution).toBeUndefined();
    for (const role of roles) {
      const trust = template.Resources[role]?.Properties?.AssumeRolePolicyDocument as { Statement: { Principal: { Service: string } }[] };
      expect(trust.Statement.map((s) => s.Principal.Service)).toEqual(['lambda.amazonaws.com']);
    }
  });

  describe.each([
    { fn: 'ScaleLambdaFunction', bundle: 'scale' },
    { fn: 'DrainLambdaFunction', bundle: 'drain' },
    { fn: 'LicenseWatchLambdaFunction', bundle: 'licenseWatch' },
    { fn: 'RedeployLambdaFunction', bundle: 'redeploy' },
  ])('$fn: exactly the calls its code makes', ({ fn, bundle }) => {
    // Every AWS call goes through withRetry('service:Action', ...) or, for a paged call,
    // forEachPage('service:Action', ...) (docs/ENGINEERING.md), so the bundle names each
    // action the function can make as the first argument of a call (an { operation } field
    // is read too, should a pager name it so). The bundle is minified, so withRetry has
    // another name there; SDK clients' own "service:Type" strings (e.g. the EC2 client's
    // "ec2:Instance") are neither.
    const AWS_ACTION = /(?:[\w$]+\(\s*|\boperation:\s*)"((?:autoscaling|eks|ssm|cloudwatch|sns|ec2):[A-Z][A-Za-z]+)"/g;
    let called: string[];
    beforeAll(() => {
      called = [...new Set([...bundleText(bundle).matchAll(AWS_ACTION)].map((m) => m[1] as string))].sort();
    }, 240_000);

    it('is allowed every call in its bundle', () => {
      expect(called.length).toBeGreaterThan(0);
      const role = roleOf(template, fn);
      expect(called.filter((action) => !allows(statements, role, action))).toEqual([]);
    });

    it('is allowed nothing its bundle never calls (Lambda\'s own VPC and log needs aside)', () => {
      const role = roleOf(template, fn);
      const granted = new Set(statements.filter((s) => s.owner === role).flatMap(actionsOf));
      const platform = /^(logs:(CreateLogStream|PutLogEvents)|ec2:(CreateNetworkInterface|DeleteNetworkInterface|DescribeNetworkInterfaces|DescribeSubnets|AssignPrivateIpAddresses|UnassignPrivateIpAddresses))$/;
      expect([...granted].filter((a) => !platform.test(a) && !called.includes(a)).sort()).toEqual([]);
    });
  });
});
