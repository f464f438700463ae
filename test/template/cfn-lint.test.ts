import { createRequire } from 'node:module';
import { beforeAll, describe, expect, it } from 'vitest';
import { extendSpecification } from '../../scripts/cfn-lint-spec.js';
import { loadTemplate, type Template } from './template.js';

interface Finding {
  message: string;
  resource: string;
}
interface LintResult {
  templateValid: boolean;
  errors: { crit: Finding[]; warn: Finding[]; info: Finding[] };
}

const require = createRequire(import.meta.url);
// cfn-lint reads its specification from this shared module object, so extending it here
// extends what validateJsonObject checks against.
const awsData = require('cfn-lint/lib/awsData') as { awsResources: Parameters<typeof extendSpecification>[0] };
const cfnLint = require('cfn-lint/lib/api') as { validateJsonObject(template: unknown, options?: object): LintResult };

describe('cfn-lint on the packaged template (specification extended with newer types)', () => {
  let template: Template;
  beforeAll(() => {
    template = loadTemplate();
    extendSpecification(awsData.awsResources);
  }, 240_000);

  it('finds nothing critical', () => {
    const result = cfnLint.validateJsonObject(structuredClone(template));
    expect(result.errors.crit.map((f) => `${f.resource}: ${f.message}`)).toEqual([]);
    expect(result.templateValid).toBe(true);
  });

  it('still rejects what the extension does not cover', () => {
    const broken = structuredClone(template) as Template & { Resources: Record<string, { Properties: Record<string, unknown> }> };
    (broken.Resources.RedeploySchedule as { Properties: Record<string, unknown> }).Properties.NotAProperty = 'x';
    (broken.Resources.ScaleRole as { Properties: Record<string, unknown> }).Properties.AssumeRolePolicyDocumentTypo = {};
    const findings = cfnLint.validateJsonObject(broken).errors.crit.map((f) => f.resource);
    expect(findings).toEqual(expect.arrayContaining(['Resources > RedeploySchedule > Properties > NotAProperty', 'Resources > ScaleRole > Properties > AssumeRolePolicyDocumentTypo']));
  });
});
