import { describe, expect, it } from 'vitest';
import { LicenseSettingsError, parseLicenseSettings } from '../../lib/license/settings.js';

const TOPIC = 'arn:aws:sns:eu-west-1:123456789012:gfs-license-alerts';
const proxies = (list: unknown) => JSON.stringify(list);

function problemsOf(env: Record<string, string | undefined>) {
  try {
    parseLicenseSettings(env);
  } catch (error) {
    return error instanceof LicenseSettingsError ? error.problems : error;
  }
  return [];
}

describe('parseLicenseSettings', () => {
  it('reads proxies, the timeout and the topic; a bare origin means /v1/status', () => {
    const settings = parseLicenseSettings({
      LICENSE_PROXIES: proxies([
        { name: 'proxy-a', url: 'http://10.0.1.10:8089' },
        { name: 'proxy-b', url: 'https://license.internal:8443/custom/status' },
      ]),
      LICENSE_POLL_TIMEOUT_MS: '2500',
      LICENSE_ALERT_TOPIC_ARN: TOPIC,
    });
    expect(settings).toEqual({
      proxies: [
        { name: 'proxy-a', url: 'http://10.0.1.10:8089/v1/status' },
        { name: 'proxy-b', url: 'https://license.internal:8443/custom/status' },
      ],
      timeoutMs: 2500,
      alertTopicArn: TOPIC,
    });
  });

  it('defaults the timeout to 3000 ms', () => {
    expect(parseLicenseSettings({ LICENSE_PROXIES: proxies([{ name: 'a', url: 'http://a:8089' }]), LICENSE_ALERT_TOPIC_ARN: TOPIC }).timeoutMs).toBe(3000);
  });

  it.each([
    { name: 'nothing set', env: {}, field: 'LICENSE_PROXIES', rule: /must be set/ },
    { name: 'proxies not JSON', env: { LICENSE_PROXIES: '[{name:a}]', LICENSE_ALERT_TOPIC_ARN: TOPIC }, field: 'LICENSE_PROXIES', rule: /must be valid JSON/ },
    { name: 'no proxies', env: { LICENSE_PROXIES: '[]', LICENSE_ALERT_TOPIC_ARN: TOPIC }, field: 'LICENSE_PROXIES', rule: /at least one proxy/ },
    { name: 'ftp URL', env: { LICENSE_PROXIES: proxies([{ name: 'a', url: 'ftp://a/' }]), LICENSE_ALERT_TOPIC_ARN: TOPIC }, field: 'LICENSE_PROXIES[0].url', rule: /http or https/ },
    { name: 'credentials in the URL', env: { LICENSE_PROXIES: proxies([{ name: 'a', url: 'http://u:p@a:8089' }]), LICENSE_ALERT_TOPIC_ARN: TOPIC }, field: 'LICENSE_PROXIES[0].url', rule: /credentials/ },
    { name: 'name with a space', env: { LICENSE_PROXIES: proxies([{ name: 'proxy a', url: 'http://a:8089' }]), LICENSE_ALERT_TOPIC_ARN: TOPIC }, field: 'LICENSE_PROXIES[0].name', rule: /letters, digits/ },
    { name: 'duplicate names', env: { LICENSE_PROXIES: proxies([{ name: 'a', url: 'http://a:8089' }, { name: 'a', url: 'http://b:8089' }]), LICENSE_ALERT_TOPIC_ARN: TOPIC }, field: 'LICENSE_PROXIES[1].name', rule: /unique/ },
    { name: 'same proxy twice', env: { LICENSE_PROXIES: proxies([{ name: 'a', url: 'http://a:8089' }, { name: 'b', url: 'http://a:8089/v1/status' }]), LICENSE_ALERT_TOPIC_ARN: TOPIC }, field: 'LICENSE_PROXIES[1].url', rule: /unique/ },
    { name: 'unknown field', env: { LICENSE_PROXIES: proxies([{ name: 'a', url: 'http://a:8089', port: 1 }]), LICENSE_ALERT_TOPIC_ARN: TOPIC }, field: 'LICENSE_PROXIES[0]', rule: /unknown field\(s\) port/ },
    { name: 'timeout too long', env: { LICENSE_PROXIES: proxies([{ name: 'a', url: 'http://a:8089' }]), LICENSE_ALERT_TOPIC_ARN: TOPIC, LICENSE_POLL_TIMEOUT_MS: '60000' }, field: 'LICENSE_POLL_TIMEOUT_MS', rule: /at most 20000/ },
    { name: 'timeout not a number', env: { LICENSE_PROXIES: proxies([{ name: 'a', url: 'http://a:8089' }]), LICENSE_ALERT_TOPIC_ARN: TOPIC, LICENSE_POLL_TIMEOUT_MS: 'soon' }, field: 'LICENSE_POLL_TIMEOUT_MS', rule: /number of milliseconds/ },
    { name: 'topic not an ARN', env: { LICENSE_PROXIES: proxies([{ name: 'a', url: 'http://a:8089' }]), LICENSE_ALERT_TOPIC_ARN: 'license-alerts' }, field: 'LICENSE_ALERT_TOPIC_ARN', rule: /SNS topic ARN/ },
  ])('$name: names $field', ({ env, field, rule }) => {
    const problems = problemsOf(env);
    expect(problems).toEqual(expect.arrayContaining([expect.objectContaining({ field, rule: expect.stringMatching(rule) })]));
  });

  it('lists every problem at once, with the value it saw', () => {
    const problems = problemsOf({ LICENSE_PROXIES: proxies([{ name: 'a', url: 'gopher://a' }]), LICENSE_ALERT_TOPIC_ARN: 'nope', LICENSE_POLL_TIMEOUT_MS: '5' });
    expect(problems).toEqual([
      { field: 'LICENSE_POLL_TIMEOUT_MS', rule: 'must be at least 100 ms', value: '5' },
      { field: 'LICENSE_ALERT_TOPIC_ARN', rule: 'must be an SNS topic ARN', value: 'nope' },
      { field: 'LICENSE_PROXIES[0].url', rule: 'must use http or https', value: 'gopher://a' },
    ]);
  });
});
