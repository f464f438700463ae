import type { CutCause } from './figures.js';

/** An instance entering `Terminating:Wait` (its termination hook holds it). */
export interface WaitEntry {
  minute: number;
  group: string;
  instanceId: string;
}

/** An instance leaving for good, with what it still served at that moment. */
export interface Release {
  minute: number;
  group: string;
  instanceId: string;
  cause: CutCause;
  /** Requests of every kind (streams, batch, TTS) the termination cut. */
  requestsCut: number;
  /** When it entered `Terminating:Wait`; undefined if it never waited (no hook, still Pending). */
  waitMinute: number | undefined;
}

/**
 * What the cloud did to instances, kept for checks after a run (the fault suite's
 * invariants): every hook wait and every termination. Bounded by the number of
 * instances that leave, so cheap even over long runs.
 */
export class SimHistory {
  readonly waits: WaitEntry[] = [];
  readonly releases: Release[] = [];
  private readonly waitMinutes = new Map<string, number>();

  recordWait(entry: WaitEntry): void {
    this.waits.push(entry);
    this.waitMinutes.set(entry.instanceId, entry.minute);
  }

  recordRelease(release: Omit<Release, 'waitMinute'>): void {
    this.releases.push({ ...release, waitMinute: this.waitMinutes.get(release.instanceId) });
    this.waitMinutes.delete(release.instanceId);
  }
}
