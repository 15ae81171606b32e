import {
  checkRunFacts,
  combineCiStates,
  commitStatusFacts,
  deriveFirstReviewAt,
  deriveReviewDecision,
  isRunUpdate,
  ReviewFacts,
  deriveReadyForReviewAt,
} from './derive';

let nextId = 1;
function review(
  reviewerLogin: string,
  state: string,
  at: string | null,
): ReviewFacts {
  return {
    id: nextId++,
    reviewerLogin,
    state,
    submittedAt: at ? new Date(at) : null,
  };
}

describe('deriveReviewDecision', () => {
  it('requires a review when there is none, or only comments', () => {
    expect(deriveReviewDecision([], 'ann')).toBe('review_required');
    expect(
      deriveReviewDecision(
        [review('bob', 'COMMENTED', '2026-01-01T10:00:00Z')],
        'ann',
      ),
    ).toBe('review_required');
  });

  it('is approved by an approval, in either case of state', () => {
    expect(
      deriveReviewDecision(
        [review('bob', 'approved', '2026-01-01T10:00:00Z')],
        'ann',
      ),
    ).toBe('approved');
  });

  it('lets outstanding change requests win over approvals', () => {
    expect(
      deriveReviewDecision(
        [
          review('bob', 'APPROVED', '2026-01-01T10:00:00Z'),
          review('cat', 'CHANGES_REQUESTED', '2026-01-01T11:00:00Z'),
        ],
        'ann',
      ),
    ).toBe('changes_requested');
  });

  it("counts each reviewer's latest standing; comments do not reset it", () => {
    expect(
      deriveReviewDecision(
        [
          review('bob', 'APPROVED', '2026-01-01T12:00:00Z'),
          review('bob', 'CHANGES_REQUESTED', '2026-01-01T10:00:00Z'),
          review('bob', 'COMMENTED', '2026-01-01T13:00:00Z'),
        ],
        'ann',
      ),
    ).toBe('approved');
  });

  it('drops dismissed reviews and the author’s own reviews', () => {
    expect(
      deriveReviewDecision(
        [
          review('bob', 'APPROVED', '2026-01-01T10:00:00Z'),
          review('bob', 'DISMISSED', '2026-01-01T11:00:00Z'),
          review('ann', 'APPROVED', '2026-01-01T12:00:00Z'),
        ],
        'ann',
      ),
    ).toBe('review_required');
  });
});

describe('deriveFirstReviewAt', () => {
  it('is the earliest submitted review by someone other than the author', () => {
    expect(
      deriveFirstReviewAt(
        [
          review('ann', 'COMMENTED', '2026-01-01T08:00:00Z'),
          review('bob', 'PENDING', null),
          review('cat', 'COMMENTED', '2026-01-01T11:00:00Z'),
          review('bob', 'APPROVED', '2026-01-01T09:30:00Z'),
        ],
        'ann',
      ),
    ).toEqual(new Date('2026-01-01T09:30:00Z'));
    expect(deriveFirstReviewAt([], 'ann')).toBeNull();
  });
});

describe('CI state', () => {
  it('reads check runs', () => {
    expect(checkRunFacts('queued', null)).toEqual({
      state: 'pending',
      rank: 0,
    });
    expect(checkRunFacts('in_progress', null)).toEqual({
      state: 'pending',
      rank: 1,
    });
    expect(checkRunFacts('completed', 'success')).toEqual({
      state: 'success',
      rank: 2,
    });
    expect(checkRunFacts('completed', 'skipped').state).toBe('success');
    expect(checkRunFacts('completed', 'neutral').state).toBe('success');
    for (const conclusion of [
      'failure',
      'timed_out',
      'cancelled',
      'action_required',
    ]) {
      expect(checkRunFacts('completed', conclusion).state).toBe('failure');
    }
  });

  it('reads commit statuses', () => {
    expect(commitStatusFacts('success').state).toBe('success');
    expect(commitStatusFacts('error').state).toBe('failure');
    expect(commitStatusFacts('failure').state).toBe('failure');
    expect(commitStatusFacts('pending').state).toBe('pending');
  });

  it('combines: failure, then pending, then success; nothing is none', () => {
    expect(combineCiStates([])).toBe('none');
    expect(combineCiStates(['success', 'success'])).toBe('success');
    expect(combineCiStates(['success', 'pending'])).toBe('pending');
    expect(combineCiStates(['pending', 'failure', 'success'])).toBe('failure');
  });
});

describe('isRunUpdate', () => {
  const base = {
    runAttempt: 1,
    updatedAt: new Date('2026-01-01T10:00:00Z'),
    status: 'in_progress',
  };

  it('takes later attempts and refuses earlier ones whatever their times', () => {
    expect(
      isRunUpdate(base, {
        ...base,
        runAttempt: 2,
        updatedAt: new Date(0),
        status: 'queued',
      }),
    ).toBe(true);
    expect(
      isRunUpdate(
        { ...base, runAttempt: 2 },
        {
          ...base,
          updatedAt: new Date('2027-01-01T00:00:00Z'),
          status: 'completed',
        },
      ),
    ).toBe(false);
  });

  it('takes the later update of one attempt, and at the same instant the further status', () => {
    expect(
      isRunUpdate(base, {
        ...base,
        updatedAt: new Date('2026-01-01T10:00:01Z'),
      }),
    ).toBe(true);
    expect(
      isRunUpdate(base, {
        ...base,
        updatedAt: new Date('2026-01-01T09:59:59Z'),
        status: 'completed',
      }),
    ).toBe(false);
    expect(isRunUpdate(base, { ...base, status: 'completed' })).toBe(true);
    expect(isRunUpdate(base, { ...base, status: 'queued' })).toBe(false);
    expect(isRunUpdate(base, { ...base })).toBe(false);
  });
});

describe('deriveReadyForReviewAt', () => {
  const opened = new Date('2026-01-01T10:00:00Z');
  const later = (hours: number) =>
    new Date(opened.getTime() + hours * 60 * 60 * 1000);

  it('is the opening time of a pull request opened ready', () => {
    expect(deriveReadyForReviewAt(opened, false, [])).toEqual(opened);
  });

  it('is the first ready_for_review of a pull request opened as a draft', () => {
    expect(
      deriveReadyForReviewAt(opened, false, [
        { event: 'convert_to_draft', at: later(5) },
        { event: 'ready_for_review', at: later(2) },
        { event: 'ready_for_review', at: later(6) },
      ]),
    ).toEqual(later(2));
  });

  it('is the opening time when it was first converted to a draft', () => {
    expect(
      deriveReadyForReviewAt(opened, true, [
        { event: 'convert_to_draft', at: later(1) },
      ]),
    ).toEqual(opened);
  });

  it('is null for a draft that was never ready', () => {
    expect(deriveReadyForReviewAt(opened, true, [])).toBeNull();
  });
});
