/**
 * The groups and users that schedules and policies name, as last read from the catalog. Kept in
 * the database so that every replica pages the same people and a restart does not forget them.
 */
export class DirectorySnapshot {
  constructor(
    private readonly groups: Map<string, string[]>,
    private readonly missing: Set<string>,
  ) {}

  static empty(): DirectorySnapshot {
    return new DirectorySnapshot(new Map(), new Set());
  }

  /**
   * The group's user members, sorted; empty for an unknown or not yet read group. Members gone
   * from the catalog are left out unless `includeMissing` (a rotation keeps their slot as a gap).
   */
  groupMembers(
    groupRef: string,
    options: { includeMissing?: boolean } = {},
  ): string[] {
    const members = this.groups.get(groupRef) ?? [];
    return options.includeMissing
      ? members
      : members.filter(ref => !this.missing.has(ref));
  }

  /** Users and groups the catalog no longer has: their rotation slots become gaps. */
  get missingRefs(): ReadonlySet<string> {
    return this.missing;
  }

  isMissing(ref: string): boolean {
    return this.missing.has(ref);
  }
}
