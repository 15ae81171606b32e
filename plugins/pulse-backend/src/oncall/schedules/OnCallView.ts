import { DirectorySnapshot } from '../directory/DirectorySnapshot';
import { TargetLookup } from '../escalation';
import {
  computeFinalShifts,
  OnCallNow,
  Override,
  Schedule,
  Shift,
  whoIsOnCall,
} from '../schedule';

/**
 * Schedules with their members and overrides as known at one moment: group members expanded
 * from the directory, users gone from the catalog as gaps. Built once per engine run or request.
 */
export class OnCallView {
  private readonly resolved = new Map<string, Schedule>();
  private readonly nowCache = new Map<string, OnCallNow>();

  constructor(
    private readonly schedules: Map<string, Schedule>,
    readonly directory: DirectorySnapshot,
    private readonly overrides: Map<string, Override[]>,
    /** The instant the view was built for. */
    readonly at: Date,
  ) {}

  schedule(id: string): Schedule | undefined {
    const configured = this.schedules.get(id);
    if (!configured) {
      return undefined;
    }
    let resolved = this.resolved.get(id);
    if (!resolved) {
      resolved = {
        ...configured,
        layers: configured.layers.map(layer => {
          const members = layer.members.flatMap(member =>
            member?.startsWith('group:')
              ? this.directory.groupMembers(member, { includeMissing: true })
              : [member],
          );
          // A layer whose groups are all empty is a gap, not an error.
          return { ...layer, members: members.length ? members : [null] };
        }),
      };
      this.resolved.set(id, resolved);
    }
    return resolved;
  }

  overridesOf(id: string): Override[] {
    return this.overrides.get(id) ?? [];
  }

  private options() {
    return { inactiveUsers: this.directory.missingRefs };
  }

  onCall(id: string, at: Date, horizonDays = 1): OnCallNow | undefined {
    const key = `${id}@${at.getTime()}/${horizonDays}`;
    const cached = this.nowCache.get(key);
    if (cached) {
      return cached;
    }
    const schedule = this.schedule(id);
    if (!schedule) {
      return undefined;
    }
    const result = whoIsOnCall(schedule, this.overridesOf(id), at, {
      ...this.options(),
      horizonDays,
    });
    this.nowCache.set(key, result);
    return result;
  }

  shifts(id: string, from: Date, to: Date): Shift[] {
    return computeFinalShifts(
      this.schedule(id)!,
      this.overridesOf(id),
      from,
      to,
      this.options(),
    );
  }

  /** How the escalation engine expands schedule and group targets. */
  targetLookup(): TargetLookup {
    return {
      onCallUser: (scheduleId, at) =>
        this.onCall(scheduleId, at)?.userRef ?? null,
      groupMembers: groupRef => this.directory.groupMembers(groupRef),
      isMissing: userRef => this.directory.isMissing(userRef),
    };
  }
}
