#!/usr/bin/env node
// Lints the packaged CloudFormation template with the npm cfn-lint.
// Its bundled resource specification is older than some properties CloudFormation
// documents today; those, and only those, are listed here with their reason, removed
// from a copy of the template, and reported, so everything else is linted as written.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const NEWER_THAN_LINTER_SPEC = [
  {
    type: 'AWS::SSM::Document',
    property: 'UpdateMethod',
    why: 'documented by CloudFormation (Replace | NewVersion); keeps the drain document name stable across updates',
  },
];

const path = process.argv[2] ?? '.serverless/cloudformation-template-update-stack.json';
let template;
try {
  template = JSON.parse(readFileSync(path, 'utf8'));
} catch (error) {
  console.error(`cfn-lint: cannot read the packaged template ${path}: ${error.message} (run \`npm run package\` first)`);
  process.exit(2);
}
for (const [logicalId, resource] of Object.entries(template.Resources ?? {})) {
  for (const known of NEWER_THAN_LINTER_SPEC) {
    if (resource.Type === known.type && resource.Properties && known.property in resource.Properties) {
      delete resource.Properties[known.property];
      console.log(`cfn-lint: not checking ${logicalId}.${known.property} (${known.type}): ${known.why}`);
    }
  }
}
const copy = join(mkdtempSync(join(tmpdir(), 'cfn-lint-')), 'template.json');
writeFileSync(copy, JSON.stringify(template));
const result = spawnSync(process.execPath, [join(import.meta.dirname, '..', 'node_modules', 'cfn-lint', 'lib', 'index.js'), 'validate', copy], { stdio: 'inherit' });
process.exit(result.status ?? 1);
