#!/usr/bin/env node
// install.sh must be self-contained (user data and SSM documents carry one script, no
// side files), so it embeds the two reviewed configuration files. Run this after
// editing either of them; test/agent fails while the copies differ.
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const script = join(here, 'install.sh');
const embeds = [
  ['CONFIG_AGENT_JSON', 'amazon-cloudwatch-agent.json'],
  ['CONFIG_PROMETHEUS_YAML', 'prometheus.yaml'],
];

let text = readFileSync(script, 'utf8');
for (const [marker, file] of embeds) {
  const body = readFileSync(join(here, file), 'utf8');
  if (body.split('\n').includes(marker)) throw new Error(`${file} contains the heredoc marker ${marker}`);
  const pattern = new RegExp(`(<<'${marker}'\\n)[\\s\\S]*?(\\n?${marker}\\n)`);
  if (!pattern.test(text)) throw new Error(`install.sh has no heredoc ${marker}`);
  text = text.replace(pattern, (_, open) => `${open}${body}${marker}\n`);
}
writeFileSync(script, text);
