import type { MinuteRecord } from '../sim/figures.js';

/** One scale action of the run, as the report shows it. */
export interface DecisionEvent {
  minute: number;
  from: number;
  to: number;
  reason: string;
  /** What the forecast said and why, when one was made. */
  forecast?: string;
  /** Where the decision's forecast came from (`NoForecast`: reactive); undefined without predictive scaling. */
  forecastSource?: string;
  load?: number;
  utilization?: number;
}

export const SERIES_COLUMNS = ['minute', 'demand', 'inService', 'billed', 'desired', 'booting', 'draining', 'servingCapacity', 'overCapacityStreams', 'streamsCut', 'forecastInstances'] as const;
export type SeriesColumn = (typeof SERIES_COLUMNS)[number];

/**
 * The run minute by minute, in typed arrays: 28 days are 40,320 rows, small enough to
 * keep whole for the CSV and the report.
 */
export class RunRecorder {
  readonly columns: Record<SeriesColumn, Float64Array>;
  readonly decisions: DecisionEvent[] = [];
  length = 0;

  constructor(readonly minutes: number) {
    this.columns = Object.fromEntries(SERIES_COLUMNS.map((c) => [c, new Float64Array(minutes)])) as Record<SeriesColumn, Float64Array>;
  }

  addMinute(record: MinuteRecord, forecastInstances: number | undefined): void {
    const i = this.length++;
    const c = this.columns;
    c.minute[i] = record.minute;
    c.demand[i] = record.demand;
    c.inService[i] = record.inService;
    c.billed[i] = record.billed;
    c.desired[i] = record.desired;
    c.booting[i] = record.booting;
    c.draining[i] = record.draining;
    c.servingCapacity[i] = record.servingCapacity;
    c.overCapacityStreams[i] = record.overCapacityStreams;
    c.streamsCut[i] = record.streamsCut;
    c.forecastInstances[i] = forecastInstances ?? Number.NaN;
  }

  /** CSV, one row per simulated minute; an absent forecast is an empty cell. */
  toCsv(): string {
    const rows = [SERIES_COLUMNS.join(',')];
    for (let i = 0; i < this.length; i++) {
      rows.push(SERIES_COLUMNS.map((c) => csvNumber(this.columns[c][i] as number)).join(','));
    }
    return `${rows.join('\n')}\n`;
  }
}

function csvNumber(value: number): string {
  return Number.isNaN(value) ? '' : String(value);
}
