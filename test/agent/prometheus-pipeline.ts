/**
 * The path a sample takes from Engine's /metrics to a CloudWatch metric, as the
 * CloudWatch agent walks it: Prometheus target relabelling, the scrape, metric
 * relabelling, counter deltas, then the EMF processor's metric_declaration matching.
 * Only what the project's configuration uses is modelled, and anything else it meets
 * throws, so a configuration that strays outside the model fails the test instead of
 * passing on a guess.
 */

export type Labels = Record<string, string>;

export interface Sample {
  name: string;
  labels: Labels;
  value: number;
  type: 'counter' | 'gauge' | 'summary' | 'histogram' | 'untyped';
}

export class PipelineError extends Error {
  override readonly name = 'PipelineError';
}

const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)(?:\s+\d+)?$/;
const LABEL = /\s*([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"\s*,?/y;

/** Prometheus text exposition format 0.0.4. */
export function parseExposition(text: string): Sample[] {
  const types = new Map<string, Sample['type']>();
  const samples: Sample[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '') continue;
    if (line.startsWith('#')) {
      const type = /^#\s*TYPE\s+(\S+)\s+(counter|gauge|summary|histogram|untyped)$/.exec(line);
      if (type) types.set(type[1] as string, type[2] as Sample['type']);
      continue;
    }
    const match = SAMPLE.exec(line);
    if (!match) throw new PipelineError(`not a Prometheus sample line: ${line}`);
    const [, name, labelText, valueText] = match as unknown as [string, string, string | undefined, string];
    const labels: Labels = {};
    if (labelText) {
      LABEL.lastIndex = 0;
      while (LABEL.lastIndex < labelText.length) {
        const label = LABEL.exec(labelText);
        if (!label) throw new PipelineError(`bad labels in: ${line}`);
        labels[label[1] as string] = (label[2] as string).replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
      }
    }
    const family = types.has(name) ? name : name.replace(/_(bucket|sum|count)$/, '');
    samples.push({ name, labels, value: Number(valueText), type: types.get(family) ?? 'untyped' });
  }
  return samples;
}

export interface RelabelConfig {
  source_labels?: string[];
  separator?: string;
  regex?: string;
  target_label?: string;
  replacement?: string;
  action?: string;
}

function expand(template: string, groups: RegExpExecArray): string {
  return template.replace(/\$\{(\w+)\}|\$(\d+)/g, (_, braced: string | undefined, bare: string | undefined) => {
    const key = braced ?? bare ?? '';
    return /^\d+$/.test(key) ? (groups[Number(key)] ?? '') : (groups.groups?.[key] ?? '');
  });
}

/** Prometheus relabelling; returns undefined when the series or target is dropped. */
export function relabel(labels: Labels, configs: readonly RelabelConfig[] = []): Labels | undefined {
  let current: Labels = { ...labels };
  for (const config of configs) {
    const action = config.action ?? 'replace';
    const regex = new RegExp(`^(?:${config.regex ?? '(.*)'})$`);
    const value = (config.source_labels ?? []).map((name) => current[name] ?? '').join(config.separator ?? ';');
    switch (action) {
      case 'keep':
        if (!regex.test(value)) return undefined;
        break;
      case 'drop':
        if (regex.test(value)) return undefined;
        break;
      case 'replace': {
        const groups = regex.exec(value);
        if (!groups) break;
        if (!config.target_label) throw new PipelineError('replace without target_label');
        const result = expand(config.replacement ?? '$1', groups);
        if (result === '') {
          const { [config.target_label]: _dropped, ...rest } = current;
          current = rest;
        } else current = { ...current, [config.target_label]: result };
        break;
      }
      case 'labeldrop':
        current = Object.fromEntries(Object.entries(current).filter(([name]) => !regex.test(name)));
        break;
      default:
        throw new PipelineError(`relabel action ${action} is not modelled`);
    }
  }
  return current;
}

export interface ScrapeConfig {
  job_name: string;
  metrics_path?: string;
  scrape_interval?: string;
  static_configs?: { targets: string[]; labels?: Labels }[];
  kubernetes_sd_configs?: unknown[];
  relabel_configs?: RelabelConfig[];
  metric_relabel_configs?: RelabelConfig[];
  honor_labels?: boolean;
}

/**
 * The labels a target ends up with: its discovered labels (static labels, or the
 * kubernetes __meta_* labels) through relabel_configs, then the "__" labels removed.
 */
export function targetLabels(scrape: ScrapeConfig, discovered: Labels): Labels | undefined {
  const start: Labels = { job: scrape.job_name, __metrics_path__: scrape.metrics_path ?? '/metrics', ...discovered };
  const relabelled = relabel(start, scrape.relabel_configs);
  if (!relabelled) return undefined;
  if (relabelled.__address__ === undefined) throw new PipelineError('target has no __address__');
  const withInstance = { instance: relabelled.__address__, ...relabelled };
  return Object.fromEntries(Object.entries(withInstance).filter(([name]) => !name.startsWith('__')));
}

/** One scrape: target labels win over exposed ones (honor_labels false). */
export function scrape(scrapeConfig: ScrapeConfig, target: Labels, exposition: string): Sample[] {
  if (scrapeConfig.honor_labels) throw new PipelineError('honor_labels is not modelled');
  const out: Sample[] = [];
  for (const sample of parseExposition(exposition)) {
    const labels: Labels = { __name__: sample.name };
    for (const [name, value] of Object.entries(sample.labels)) labels[name in target ? `exported_${name}` : name] = value;
    Object.assign(labels, target);
    const kept = relabel(labels, scrapeConfig.metric_relabel_configs);
    if (!kept) continue;
    const { __name__: name, ...rest } = kept;
    out.push({ ...sample, name: name as string, labels: rest });
  }
  return out;
}

/**
 * The agent's type handling: gauges pass through, counters become the delta since the
 * previous scrape (nothing on the first), histograms are dropped. Untyped metrics are
 * dropped too: the agent only converts the types it knows.
 */
export class CounterDeltas {
  private readonly previous = new Map<string, number>();
  apply(samples: readonly Sample[]): Sample[] {
    const out: Sample[] = [];
    for (const sample of samples) {
      if (sample.type === 'gauge') out.push(sample);
      else if (sample.type === 'counter') {
        const key = `${sample.name}${JSON.stringify(Object.entries(sample.labels).sort())}`;
        const before = this.previous.get(key);
        this.previous.set(key, sample.value);
        // A counter that went down was reset (process restart): the new value is the delta.
        if (before !== undefined) out.push({ ...sample, value: sample.value >= before ? sample.value - before : sample.value });
      }
    }
    return out;
  }
}

export interface MetricDeclaration {
  source_labels: string[];
  label_separator?: string;
  label_matcher: string;
  dimensions: string[][];
  metric_selectors: string[];
}

export interface EmfProcessor {
  metric_namespace: string;
  metric_declaration: MetricDeclaration[];
}

export interface CloudWatchDatum {
  namespace: string;
  metricName: string;
  dimensions: Labels;
  value: number;
}

/**
 * EMF extraction: a sample becomes one CloudWatch datum per dimension set of every
 * declaration whose selectors match it; a set naming a label the sample lacks is
 * skipped, and a sample no declaration matches stays a log line only.
 */
export function extractEmf(processor: EmfProcessor, samples: readonly Sample[]): CloudWatchDatum[] {
  const out: CloudWatchDatum[] = [];
  const seen = new Set<string>();
  for (const sample of samples) {
    for (const declaration of processor.metric_declaration) {
      const source = declaration.source_labels.map((name) => sample.labels[name] ?? '').join(declaration.label_separator ?? ';');
      if (!new RegExp(declaration.label_matcher).test(source)) continue;
      if (!declaration.metric_selectors.some((selector) => new RegExp(selector).test(sample.name))) continue;
      for (const set of declaration.dimensions) {
        if (!set.every((name) => sample.labels[name] !== undefined)) continue;
        const dimensions = Object.fromEntries(set.map((name) => [name, sample.labels[name] as string]));
        const key = `${sample.name}${JSON.stringify(Object.entries(sample.labels).sort())}${JSON.stringify([...set].sort())}`;
        // metric_declaration_dedup: the same series and set from two declarations is one datum.
        if (seen.has(key)) continue;
        seen.add(key);
        out.push({ namespace: processor.metric_namespace, metricName: sample.name, dimensions, value: sample.value });
      }
    }
  }
  return out;
}

export function seconds(duration: string): number {
  const match = /^(\d+)(s|m)$/.exec(duration);
  if (!match) throw new PipelineError(`duration ${duration} is not modelled`);
  return Number(match[1]) * (match[2] === 'm' ? 60 : 1);
}
