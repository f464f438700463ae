// Lints the packaged CloudFormation template with the npm cfn-lint. Its bundled resource
// specification predates some types and properties CloudFormation documents today
// (EventBridge Scheduler schedules, SSM Document UpdateMethod, IAM Role Description);
// cfn-lint-spec.ts adds exactly those, and everything else is checked as written.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { extendSpecification } from './cfn-lint-spec.js';

interface Finding {
  message: string;
  resource: string;
}

const require = createRequire(import.meta.url);
const awsData = require('cfn-lint/lib/awsData') as { awsResources: Parameters<typeof extendSpecification>[0] };
const cfnLint = require('cfn-lint/lib/api') as { validateJsonObject(template: unknown): { templateValid: boolean; errors: { crit: Finding[]; warn: Finding[]; info: Finding[] } } };

const path = process.argv[2] ?? '.serverless/cloudformation-template-update-stack.json';
let template: unknown;
try {
  template = JSON.parse(readFileSync(path, 'utf8'));
} catch (error) {
  console.error(`cfn-lint: cannot read the packaged template ${path}: ${(error as Error).message} (run \`npm run package\` first)`);
  process.exit(2);
}
extendSpecification(awsData.awsResources);
const result = cfnLint.validateJsonObject(template);
for (const level of ['crit', 'warn', 'info'] as const) {
  for (const finding of result.errors[level]) console.log(`${level}: ${finding.resource}: ${finding.message}`);
}
console.log(`cfn-lint: ${result.errors.crit.length} crit, ${result.errors.warn.length} warn, ${result.errors.info.length} info: ${result.templateValid ? 'template valid' : 'TEMPLATE INVALID'}`);
process.exit(result.templateValid ? 0 : 1);
