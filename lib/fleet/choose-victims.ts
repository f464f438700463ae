/** An Auto Scaling group member as the scaler sees it when it shrinks the fleet. */
export interface VictimCandidate {
  instanceId: string;
  lifecycleState: string;
  launchTime?: Date;
  protectedFromScaleIn?: boolean;
  /** Active requests of every kind; undefined when the instance reported nothing recently. */
  activeRequests?: number;
}

export type VictimReason =
  /** Nothing to do: zero (or fewer) instances were asked for. */
  | 'NoneRequested'
  /** As many victims as asked, the least loaded first. */
  | 'FewestRequestsFirst'
  /** Fewer eligible instances than asked: all of them, never anything else. */
  | 'FewerCandidatesThanRequested'
  /** Fewer instances than asked carry at most the fleet's maxVictimRequests: only those leave now. */
  | 'VictimLoadLimit';

export interface VictimChoice {
  victims: string[];
  reason: VictimReason;
  numbers: {
    requested: number;
    /** InService and not protected from scale-in. */
    eligible: number;
    /** The fleet's drain.maxVictimRequests, when it sets one. */
    maxVictimRequests?: number;
    /** Eligible instances left out because they serve more than maxVictimRequests or their load is unknown. */
    overLoadLimit: number;
    chosen: number;
    /** Active requests the chosen instances carry into their drain (unknown loads excluded). */
    knownRequestsOnVictims: number;
    /** Chosen instances whose load was unknown. */
    unknownLoadVictims: number;
  };
}

/**
 * Picks the instances whose termination cuts, or holds in drain, the fewest requests.
 * With `maxVictimRequests`, only instances known to serve at most that many qualify: a
 * busier fleet shrinks later, when its instances have emptied (stream-safe scale-in).
 * An instance already draining, pending or protected is never a victim: it is not serving
 * capacity, or the operator said so. An unknown load is treated as the busiest, because
 * missing data must never make an instance look idle. Ties go to the oldest instance,
 * which has the least of its launch investment left and is the first a redeploy replaces.
 */
export function chooseVictims(instances: readonly VictimCandidate[], count: number, maxVictimRequests?: number): VictimChoice {
  const requested = Math.max(0, Math.floor(count));
  const eligible = instances.filter((i) => i.lifecycleState === 'InService' && i.protectedFromScaleIn !== true);
  // Every stream on a victim risks the grace deadline; the limit trades cost for that risk.
  const underLimit = maxVictimRequests === undefined ? eligible : eligible.filter((i) => i.activeRequests !== undefined && i.activeRequests <= maxVictimRequests);
  const ordered = [...underLimit].sort(byLoadThenAge);
  const chosen = ordered.slice(0, requested);
  const reason: VictimReason =
    requested === 0 ? 'NoneRequested'
    : chosen.length === requested ? 'FewestRequestsFirst'
    : eligible.length >= requested ? 'VictimLoadLimit'
    : 'FewerCandidatesThanRequested';
  return {
    victims: chosen.map((i) => i.instanceId),
    reason,
    numbers: {
      requested,
      eligible: eligible.length,
      ...(maxVictimRequests === undefined ? {} : { maxVictimRequests }),
      overLoadLimit: eligible.length - underLimit.length,
      chosen: chosen.length,
      knownRequestsOnVictims: chosen.reduce((sum, i) => sum + (i.activeRequests ?? 0), 0),
      unknownLoadVictims: chosen.filter((i) => i.activeRequests === undefined).length,
    },
  };
}

function byLoadThenAge(a: VictimCandidate, b: VictimCandidate): number {
  const loadA = a.activeRequests ?? Number.POSITIVE_INFINITY;
  const loadB = b.activeRequests ?? Number.POSITIVE_INFINITY;
  if (loadA !== loadB) return loadA < loadB ? -1 : 1;
  // An unknown launch time sorts after every known one: "oldest" must be a fact.
  const ageA = a.launchTime?.getTime() ?? Number.POSITIVE_INFINITY;
  const ageB = b.launchTime?.getTime() ?? Number.POSITIVE_INFINITY;
  if (ageA !== ageB) return ageA < ageB ? -1 : 1;
  // Deterministic last resort, so two ticks over the same group pick the same victims.
  return a.instanceId < b.instanceId ? -1 : a.instanceId > b.instanceId ? 1 : 0;
}
