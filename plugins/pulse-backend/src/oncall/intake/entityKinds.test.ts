import {
  DEFAULT_INCIDENT_KINDS,
  incidentKindProblem,
  isIncidentKind,
} from './entityKinds';

const defaults = { entityKinds: DEFAULT_INCIDENT_KINDS };

describe('isIncidentKind', () => {
  it('allows Component, Resource and System by default, in any case', () => {
    expect(
      ['Component', 'component', 'RESOURCE', 'system'].map(kind =>
        isIncidentKind(kind, defaults),
      ),
    ).toEqual([true, true, true, true]);
    expect(
      ['Group', 'User', 'API', 'Domain', 'Location', 'Template'].map(kind =>
        isIncidentKind(kind, defaults),
      ),
    ).toEqual([false, false, false, false, false, false]);
  });

  it('follows the configured kinds', () => {
    const config = { entityKinds: ['Component', 'API'] };
    expect(isIncidentKind('api', config)).toBe(true);
    expect(isIncidentKind('system', config)).toBe(false);
  });
});

describe('incidentKindProblem', () => {
  it('says nothing for an allowed kind, and why for another', () => {
    expect(
      incidentKindProblem('component:default/payments-api', defaults),
    ).toBeUndefined();
    expect(incidentKindProblem('group:default/payments', defaults)).toBe(
      'group:default/payments is of kind Group, and incidents can only be about kinds Component, Resource or System (pulse.oncall.intake.entityKinds)',
    );
    expect(
      incidentKindProblem('system:default/shop', {
        entityKinds: ['Component'],
      }),
    ).toBe(
      'system:default/shop is of kind System, and incidents can only be about kinds Component (pulse.oncall.intake.entityKinds)',
    );
  });
});
