import { describe, expect, it } from 'vitest';
import {
  CAMPAIGN_STATUSES,
  isTerminal,
  parseCampaignStatus,
  parseCampaignStatusFilter,
} from '../../domain/campaign-status';

describe('§1 campaign status values [C-11]', () => {
  it('treats Completed, Failed, Canceled, Deleted and Archived as terminal', () => {
    expect(CAMPAIGN_STATUSES.filter(isTerminal)).toEqual(['Completed', 'Failed', 'Canceled', 'Deleted', 'Archived']);
  });

  it.each([
    ['in-progress', 'InProgress'],
    ['InProgress', 'InProgress'],
    ['in_progress', 'InProgress'],
    ['IN PROGRESS', 'InProgress'],
    ['created', 'Created'],
    ['PAUSED', 'Paused'],
    ['cancelled', 'Canceled'],
    ['Canceled', 'Canceled'],
  ])('reads %j as %s', (token, status) => {
    expect(parseCampaignStatus(token)).toBe(status);
  });

  it('returns null for a value that is not a status', () => {
    expect(parseCampaignStatus('running')).toBeNull();
  });

  it('parses a comma list, skipping blanks and repeats, and names the first bad entry', () => {
    expect(parseCampaignStatusFilter('created, in-progress,,Created')).toEqual({
      ok: true,
      statuses: ['Created', 'InProgress'],
    });
    expect(parseCampaignStatusFilter('created,nope,other')).toEqual({ ok: false, invalid: 'nope' });
  });
});
