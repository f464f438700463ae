import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { renderReport } from '../../bench/report.js';
import { runScenario } from '../../bench/run.js';
import { STANDARD_SCENARIO } from '../../bench/scenario.js';
import { summarize } from '../../bench/summary.js';
import { shortDay } from './helpers.js';

const CHROMIUM = '/usr/bin/chromium';

async function report(): Promise<{ html: string; decisions: number }> {
  const result = await runScenario({ ...STANDARD_SCENARIO, days: 0.25 }, shortDay());
  return { html: renderReport(result, summarize(result)), decisions: result.recorder.decisions.length };
}

describe('the report page', () => {
  it('is self-contained: no URL is fetched, the figures read without script', async () => {
    const { html } = await report();
    expect(html).not.toMatch(/\b(src|href)=/);
    expect(html).not.toMatch(/https?:\/\//);
    expect(html).toMatch(/<table id="summary">.*GPU-hours \/ oracle.*Over-capacity stream-minutes.*Streams cut at grace/s);
    // the data block cannot close its own script element
    const data = html.slice(html.indexOf('<script id="data"'), html.indexOf('</script>'));
    expect(data).not.toContain('</');
  });

  it.skipIf(!existsSync(CHROMIUM))('renders in headless chromium: both charts drawn, every decision marked (needs /usr/bin/chromium: apt-get install -y chromium)', async () => {
    const { html, decisions } = await report();
    const dir = mkdtempSync(join(tmpdir(), 'report-'));
    const page = join(dir, 'report.html');
    writeFileSync(page, html);
    const run = spawnSync(
      CHROMIUM,
      [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        `--user-data-dir=${join(dir, 'profile')}`,
        '--virtual-time-budget=5000',
        '--dump-dom',
        `file://${page}`,
      ],
      { encoding: 'utf8', timeout: 60_000 },
    );
    expect(run.status).toBe(0);
    const dom = run.stdout;
    // the script sets data-rendered to the number of decisions it marked once both charts are drawn
    expect(dom).toContain(`data-rendered="${decisions}"`);
    expect(decisions).toBeGreaterThan(0);
    expect(dom).toMatch(/<canvas id="demand"/);
    expect(dom).toMatch(/<canvas id="instances"/);
    // the day selector was filled by the script: "all" plus one entry for the quarter day
    expect(dom).toMatch(/<option value="all">all 1 day\(s\)<\/option><option value="0">day 1 \(2026-03-02\)<\/option>/);
    expect(readFileSync(page, 'utf8')).toBe(html);
  });
});
