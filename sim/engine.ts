import type { RequestKind } from '../lib/fleet/engine-metrics.js';

export const KINDS: readonly RequestKind[] = ['stream', 'batch', 'tts'];
export const KIND_COUNT = 3;

/**
 * One Deepgram Engine: the requests it holds and when each ends. Streams above
 * `capacity` still run (latency breaks, they are counted as over capacity); only
 * `maxActiveRequests` > 0 makes the Engine refuse with 429, as the real Engine does.
 */
export class SimEngine {
  readonly active = new Int32Array(KIND_COUNT);
  /** Active requests of every kind: what "least loaded" compares. */
  total = 0;
  /** key = minute * KIND_COUNT + kind index: how many requests of that kind end at that minute. */
  private readonly endings = new Map<number, number>();
  /** Counters since the last metric sample, published as deltas like the CloudWatch agent does. */
  completedSinceSample = 0;
  rejectedSinceSample = 0;
  /** Once a Prometheus label value has appeared it stays in /metrics (counters are never removed). */
  hasRejected = false;
  /**
   * Kinds this Engine has been asked for since it started: engine_active_requests{kind}
   * appears in /metrics with the first request of its kind ("some metrics will not be
   * exposed until a request has been submitted of a given type") and stays.
   */
  readonly requested = new Uint8Array(KIND_COUNT);
  /** Minute the Engine received SIGINT: it refuses new work and lets what it holds finish. */
  sigintMinute: number | undefined;
  /**
   * On an EKS node (sim/kubernetes.ts): whether a Running Engine pod that is not
   * terminating is on the instance. Traffic then follows the pod, not the Auto Scaling
   * lifecycle. Undefined on Auto Scaling group instances.
   */
  podServing: boolean | undefined;

  constructor(
    readonly capacity: number,
    readonly maxActiveRequests: number,
  ) {}

  get streams(): number {
    return this.active[0] as number;
  }

  /** Whether it would accept one more request (false means a 429). */
  hasRoom(): boolean {
    return this.maxActiveRequests <= 0 || this.total < this.maxActiveRequests;
  }

  accept(kindIndex: number, endMinute: number): void {
    this.requested[kindIndex] = 1;
    this.active[kindIndex] = (this.active[kindIndex] as number) + 1;
    this.total++;
    const key = endMinute * KIND_COUNT + kindIndex;
    this.endings.set(key, (this.endings.get(key) ?? 0) + 1);
  }

  reject(): void {
    this.rejectedSinceSample++;
    this.hasRejected = true;
  }

  /** Ends what is due at `minute`; returns how many requests completed. */
  endDue(minute: number): number {
    let done = 0;
    for (let k = 0; k < KIND_COUNT; k++) {
      const key = minute * KIND_COUNT + k;
      const n = this.endings.get(key);
      if (n === undefined) continue;
      this.endings.delete(key);
      this.active[k] = (this.active[k] as number) - n;
      done += n;
      this.total -= n;
    }
    this.completedSinceSample += done;
    return done;
  }

  /** The instance is gone: whatever it still holds is cut. Returns the streams cut. */
  cutAll(): { streams: number; requests: number } {
    const cut = { streams: this.streams, requests: this.total };
    this.active.fill(0);
    this.total = 0;
    this.endings.clear();
    return cut;
  }

  sigint(minute: number): void {
    if (this.sigintMinute === undefined) this.sigintMinute = minute;
  }
}
