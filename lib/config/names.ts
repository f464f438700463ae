import { z } from 'zod';

/**
 * Names the document hands to AWS. Each check says what AWS would do with the value:
 * refuse it, or read it as something else (an ARN where a name belongs, a name with a
 * trailing space that no group has, a namespace AWS reserves for itself).
 */

// C0 controls, DEL and C1 controls: invisible in a terminal, and able to forge log lines.
// eslint-disable-next-line no-control-regex -- finding them is the point
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

interface NameSpec {
  /** "an Auto Scaling group name" */
  what: string;
  max: number;
  pattern: RegExp;
  /** The characters the pattern allows, in words. */
  allowed: string;
  /** Matches the ARN of such a resource; group 1 is the name inside it. */
  arnName: RegExp;
}

/** The most specific thing wrong with `value` as the name of an AWS resource, or undefined. */
export function nameProblem(value: string, spec: NameSpec): string | undefined {
  if (value.startsWith('arn:')) {
    const inside = spec.arnName.exec(value)?.[1];
    return `must be ${spec.what}, not an ARN${inside ? ` (the name in this ARN is ${JSON.stringify(inside)})` : ''}: the API takes the name`;
  }
  if (value.trim() !== value) return `must not begin or end with whitespace: ${spec.what} has none, so AWS would look for a resource that does not exist`;
  if (CONTROL.test(value)) return `must not contain control characters (${spec.what} is ${spec.allowed})`;
  if (value.length === 0 || value.length > spec.max) return `must be ${spec.what}: 1 to ${spec.max} characters`;
  if (!spec.pattern.test(value)) return `must be ${spec.what}: ${spec.allowed}`;
  return undefined;
}

export function awsName(spec: NameSpec) {
  return z.string().superRefine((value, ctx) => {
    const problem = nameProblem(value, spec);
    if (problem) ctx.addIssue({ code: 'custom', message: problem, input: value });
  });
}

/**
 * The name a value means, for telling two spellings of one resource apart: the name
 * inside an ARN, without surrounding whitespace. Case is kept: Auto Scaling group and EKS
 * names are case-sensitive, so "Engine" and "engine" are two resources.
 */
export function canonicalName(value: string, arnName: RegExp): string {
  const trimmed = value.trim();
  return arnName.exec(trimmed)?.[1] ?? trimmed;
}

// PutMetricData: "ASCII characters, except for control characters"; 1-255 characters, not
// starting with ":"; a namespace beginning "AWS/" is reserved for AWS services.
export const cloudWatchNamespace = z.string().superRefine((value, ctx) => {
  const problem = namespaceProblem(value);
  if (problem) ctx.addIssue({ code: 'custom', message: problem, input: value });
});

function namespaceProblem(value: string): string | undefined {
  if (value.length === 0 || value.length > 255) return 'must be a CloudWatch namespace: 1 to 255 characters';
  if (CONTROL.test(value)) return 'must not contain control characters: CloudWatch refuses them in a namespace';
  if (!/^[\x20-\x7e]+$/.test(value)) return 'must be a CloudWatch namespace: printable ASCII only';
  if (value.trim() !== value) return 'must not begin or end with whitespace: the CloudWatch agent publishes into the namespace exactly as written';
  if (value.startsWith(':')) return 'must not start with ":" (CloudWatch namespace rule)';
  if (value.startsWith('AWS/')) return 'must not begin with "AWS/": CloudWatch reserves those namespaces for AWS services, and the agent cannot publish the Engine metrics there';
  return undefined;
}
