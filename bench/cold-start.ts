/** The physics a fleet starts the run with: what carries the first streams until help can boot. */
export interface ColdStartPhysics {
  /** Streams one instance serves. */
  capacity: number;
  /** Minutes from launch until an instance serves. */
  bootMinutes: number;
  /** Instances the fleet starts with (its minimum). */
  min: number;
}

/**
 * Over-capacity stream-minutes no online controller can avoid at a new fleet's first
 * opening: with no traffic seen yet there is nothing to foresee the first streams by, and
 * an instance launched in the very minute they arrive serves `bootMinutes` later, so until
 * then the starting instances carry every stream. Streams above their capacity in those
 * minutes are the floor (a lower bound: a real controller also sees each minute a minute
 * late). `demand` is the offered concurrent streams of each minute, from the run's first.
 */
export function coldStartFloor(demand: ArrayLike<number>, length: number, physics: ColdStartPhysics): number {
  let first = 0;
  while (first < length && !((demand[first] as number) > 0)) first++;
  const carried = physics.min * physics.capacity;
  let floor = 0;
  for (let m = first; m < Math.min(length, first + physics.bootMinutes); m++) floor += Math.max(0, (demand[m] as number) - carried);
  return floor;
}
