import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { CONTAINERS_EXITED_LINE } from '../../lib/drain/commands.js';
import { drainSchema } from '../../lib/config/schema.js';

interface Parameter {
  type: string;
  default?: string;
  allowedPattern?: string;
  allowedValues?: string[];
  interpolationType?: string;
}
const fragment = parse(readFileSync(new URL('../../infra/ssm-drain-document.yml', import.meta.url), 'utf8')) as {
  Resources: Record<string, { Type: string; Properties: { DocumentType: string; Content: { schemaVersion: string; parameters: Record<string, Parameter>; mainSteps: Array<{ action: string; inputs: { timeoutSeconds: string; runCommand: string[] } }> } } }>;
};
const document = fragment.Resources.GpuFleetScalerDrainDocument;
const content = document?.Properties.Content;
const script = content?.mainSteps[0]?.inputs.runCommand.join('\n') ?? '';

describe('the drain SSM document', () => {
  it('is a schema 2.2 Command document running one shell step', () => {
    expect(document?.Type).toBe('AWS::SSM::Document');
    expect(document?.Properties.DocumentType).toBe('Command');
    expect(content?.schemaVersion).toBe('2.2');
    expect(content?.mainSteps.map((s) => s.action)).toEqual(['aws:runShellScript']);
    expect(content?.mainSteps[0]?.inputs.timeoutSeconds).toBe('{{ executionTimeout }}');
  });

  it('validates every parameter with an anchored allowedPattern', () => {
    for (const [name, parameter] of Object.entries(content?.parameters ?? {})) {
      expect(parameter.allowedPattern, name).toMatch(/^\^.*\$$/);
      if (parameter.default !== undefined) expect(new RegExp(parameter.allowedPattern ?? '').test(parameter.default), name).toBe(true);
    }
  });

  it.each([
    { value: 'deepgram', ok: true },
    { value: 'dg-engine_1.2', ok: true },
    { value: 'a;reboot', ok: false },
    { value: "x' && curl evil", ok: false },
    { value: '$(id)', ok: false },
    { value: 'a'.repeat(65), ok: false },
  ])('the container pattern "$value" is accepted by the document exactly when the config accepts it ($ok)', ({ value, ok }) => {
    const pattern = new RegExp(content?.parameters.containerNamePattern?.allowedPattern ?? '');
    expect(pattern.test(value)).toBe(ok);
    expect(drainSchema.shape.containerNamePattern.safeParse(value).success).toBe(ok);
  });

  it('hands string parameters to the script as environment variables, not as script text', () => {
    for (const name of ['containerNamePattern', 'runtime', 'waitSeconds']) expect(content?.parameters[name]?.interpolationType).toBe('ENV_VAR');
  });
});

/**
 * The script itself, run by bash against fake docker / crictl / ctr binaries that record
 * every call and keep container state in a file: no real runtime is touched.
 */
describe('the drain script', () => {
  let dir: string;
  const fakes = {
    docker: `#!/bin/bash
echo "docker $*" >> "$FAKE_DIR/calls"
state="$FAKE_DIR/containers"
case "$1" in
  info) exit 0;;
  ps)
    filter="\${@: -1}"
    if [ -n "\${FAKE_ID_LISTING_FAILS:-}" ] && [[ "$filter" == id=* ]]; then exit 1; fi
    while read -r id name running; do
      [ "$running" = yes ] || continue
      case "$filter" in name=*) [[ "$name" == *"\${filter#name=}"* ]] && echo "$id";; id=*) [ "$id" = "\${filter#id=}" ] && echo "$id";; esac
    done < "$state"; exit 0;;
  update) exit 0;;
  kill) id="\${@: -1}"; if [ "\${FAKE_EXIT_ON_SIGINT:-yes}" = yes ]; then sed -i "s/^$id \\(.*\\) yes$/$id \\1 no/" "$state"; fi;;
esac
`,
    crictl: `#!/bin/bash
echo "crictl $*" >> "$FAKE_DIR/calls"
state="$FAKE_DIR/containers"
while read -r id name running; do
  [ "$running" = yes ] || continue
  if [ "$5" = --name ] && [[ "$name" == *"$6"* ]]; then echo "$id"; fi
  if [ "$5" = --id ] && [ "$id" = "$6" ]; then echo "$id"; fi
done < "$state"
exit 0
`,
    ctr: `#!/bin/bash
echo "ctr $*" >> "$FAKE_DIR/calls"
id="\${@: -1}"
sed -i "s/^$id \\(.*\\) yes$/$id \\1 no/" "$FAKE_DIR/containers"
`,
  };

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'drain-doc-'));
    writeFileSync(join(dir, 'calls'), '');
  });

  function install(...names: Array<keyof typeof fakes>) {
    for (const name of names) {
      writeFileSync(join(dir, name), fakes[name]);
      chmodSync(join(dir, name), 0o755);
    }
  }
  function containers(rows: string[]) {
    writeFileSync(join(dir, 'containers'), rows.join('\n') + '\n');
  }
  function run(env: Record<string, string>) {
    const file = join(dir, 'script.sh');
    writeFileSync(file, script);
    // Only the fakes and the base system are on PATH, so "no runtime" can be tested too.
    const result = spawnSync('/bin/bash', [file], {
      env: { PATH: `${dir}:/usr/bin:/bin`, FAKE_DIR: dir, DRAIN_STATE_DIR: join(dir, 'state'), SSM_containerNamePattern: 'deepgram', SSM_runtime: 'docker', SSM_waitSeconds: '0', ...env },
      encoding: 'utf8',
    });
    const calls = readFileSync(join(dir, 'calls'), 'utf8').split('\n').filter(Boolean);
    return { code: result.status, stdout: result.stdout, stderr: result.stderr, calls };
  }
  const engine = 'aaaa1111';
  const api = 'bbbb2222';

  it('docker: SIGINTs each matching container once, clears its restart policy, and reports when all have exited', () => {
    install('docker');
    containers([`${engine} deepgram-engine yes`, `${api} deepgram-api yes`, 'cccc3333 nginx yes']);
    const { code, stdout, stderr, calls } = run({});
    expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
    expect(stdout.trim().split('\n').at(-1)).toBe(CONTAINERS_EXITED_LINE);
    expect(calls.filter((c) => c.startsWith('docker kill') || c.startsWith('docker update'))).toEqual([
      `docker update --restart=no ${engine}`,
      `docker kill --signal SIGINT ${engine}`,
      `docker update --restart=no ${api}`,
      `docker kill --signal SIGINT ${api}`,
    ]);
  });

  it('docker: containers still running when the wait ends exit 5, and a resent command never signals them twice', () => {
    install('docker');
    containers([`${engine} deepgram-engine yes`]);
    const first = run({ FAKE_EXIT_ON_SIGINT: 'no' });
    const second = run({ FAKE_EXIT_ON_SIGINT: 'no' });
    expect([first.code, second.code]).toEqual([5, 5]);
    expect(second.calls.filter((c) => c.startsWith('docker kill'))).toEqual([`docker kill --signal SIGINT ${engine}`]);
    expect(second.stdout).toContain('already signalled');
    expect(existsSync(join(dir, 'state', engine))).toBe(true);
  });

  it('a listing that fails while waiting counts as still running, never as exited', () => {
    install('docker');
    containers([`${engine} deepgram-engine yes`]);
    const { code, stdout } = run({ FAKE_ID_LISTING_FAILS: 'yes' });
    // the SIGINT made the fake container exit, but the runtime could not confirm it
    expect(code).toBe(5);
    expect(stdout).not.toContain(CONTAINERS_EXITED_LINE);
  });

  it('no matching container: exits 4 and signals nothing (a wrong pattern must not look like a finished drain)', () => {
    install('docker');
    containers(['cccc3333 nginx yes']);
    const { code, stdout, calls } = run({});
    expect(code).toBe(4);
    expect(stdout).not.toContain(CONTAINERS_EXITED_LINE);
    expect(calls.some((c) => c.startsWith('docker kill'))).toBe(false);
  });

  it.each<{ name: string; env: Record<string, string> }>([
    { name: 'a shell command in the pattern', env: { SSM_containerNamePattern: 'x;touch pwned' } },
    { name: 'a command substitution in the pattern', env: { SSM_containerNamePattern: '$(touch pwned)' } },
    { name: 'an unknown runtime', env: { SSM_runtime: 'podman' } },
    { name: 'a wait that is not a number', env: { SSM_waitSeconds: '10;reboot' } },
  ])('refuses $name with exit 2 before touching any container', ({ env }) => {
    install('docker');
    containers([`${engine} deepgram-engine yes`]);
    const { code, calls, stderr } = run(env);
    expect(code).toBe(2);
    expect(calls).toEqual([]);
    expect(stderr).toMatch(/must/);
    expect(existsSync(join(dir, 'pwned'))).toBe(false);
  });

  it('containerd: finds the containers with crictl and SIGINTs them through ctr in the k8s.io namespace', () => {
    install('crictl', 'ctr');
    containers([`${engine} deepgram-engine yes`]);
    const { code, stdout, calls } = run({ SSM_runtime: 'containerd' });
    expect(code).toBe(0);
    expect(stdout).toContain(CONTAINERS_EXITED_LINE);
    expect(calls).toContain(`ctr --namespace k8s.io task kill --signal SIGINT ${engine}`);
  });

  it('auto picks crictl when there is no docker', () => {
    install('crictl', 'ctr');
    containers([`${engine} deepgram-engine yes`]);
    const { code, calls } = run({ SSM_runtime: 'auto' });
    expect(code).toBe(0);
    expect(calls[0]).toMatch(/^crictl ps/);
  });

  it('auto with no runtime at all exits 3', () => {
    containers([]);
    const { code, stderr } = run({ SSM_runtime: 'auto' });
    expect(code).toBe(3);
    expect(stderr).toContain('no container runtime');
  });
});
