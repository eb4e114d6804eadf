/**
 * SPEC §7 "every attempt is settled — in minutes" on the time-skipping server: a dial of unknown fate
 * is looked up within a minute and settled by what the carrier says; a call the carrier reports live
 * keeps its channel until the carrier reports its end; a call never found is `dial_unknown` after 30
 * minutes of lookups; a lookup that shows no call frees its channel (the waiter it went to is woken).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { numberWorkflowId } from '../../domain/ids';
import { policy, runNumber, type Recorded } from '../support/number-script';
import { timeSkippingEnv } from '../support/workflow-env';

let env: TestWorkflowEnvironment;
beforeAll(async () => {
  env = await timeSkippingEnv();
});
afterAll(async () => {
  await env?.teardown();
});

/**
 * Seconds from the attempt's begin to each lookup, on the workflow's clock (to the 5 s: activities
 * take real time on a loaded machine while the server cannot skip).
 */
const lookupSeconds = (rec: Recorded) =>
  rec.lookups.map((l) => Math.round((l.nowMs - rec.begins[rec.begins.length - 1]!.nowMs) / 5000) * 5);

describe('§7 settlement ladder (time-skipping)', () => {
  it('looks an ambiguous dial up within a minute and settles it with the outcome the carrier reports', async () => {
    const { rec, out } = await runNumber(env, policy({ numberOfRetries: 0 }), {
      outcomes: ['busy'],
      ambiguous: [1],
    });
    expect(lookupSeconds(rec)).toEqual([30]);
    expect(rec.settles.map((s) => [s.outcome.status, s.outcome.reason])).toEqual([['busy', null]]);
    expect(out).toMatchObject({ attempts: 1, lastStatus: 'busy' });
  });

  it('frees the channel of a call the carrier does not know and settles the attempt once it turns up', async () => {
    const { rec, signalled } = await runNumber(env, policy({ numberOfRetries: 0 }), {
      outcomes: ['completed'],
      ambiguous: [1],
      lookupsSee: { 1: ['not_found', 'not_found'] },
    });
    expect(lookupSeconds(rec)).toEqual([30, 60, 120]);
    // Each lookup that showed no call gave the channel to a waiting number, which the workflow woke.
    expect(signalled.filter((id) => id === numberWorkflowId('w'.repeat(32), 9))).toHaveLength(2);
    expect(rec.settles.map((s) => s.outcome.status)).toEqual(['completed']);
  });

  it('keeps a live call until the carrier reports its end, looking it up from ring_timeout_s + 1 minute', async () => {
    const { rec } = await runNumber(env, policy({ numberOfRetries: 0 }), {
      outcomes: ['completed'],
      silent: [1],
      lookupsSee: { 1: ['live', 'live', 'live'] },
    });
    expect(lookupSeconds(rec)).toEqual([90, 150, 270, 510]);
    expect(rec.settles.map((s) => s.outcome.status)).toEqual(['completed']);
  });

  it('ends a call never found failed / dial_unknown 30 minutes after the first lookup that missed it', async () => {
    const { rec, out } = await runNumber(env, policy({ numberOfRetries: 0 }), {
      outcomes: ['completed'],
      ambiguous: [1],
      lookupsSee: { 1: Array.from({ length: 40 }, () => 'not_found' as const) },
    });
    const seconds = lookupSeconds(rec);
    expect(seconds[0]).toBe(30);
    expect(seconds[seconds.length - 1]! - seconds[0]!).toBe(30 * 60);
    expect(rec.settles.map((s) => [s.outcome.status, s.outcome.reason])).toEqual([['failed', 'dial_unknown']]);
    expect(out.lastStatus).toBe('failed');
  });

  it('settles by the callback when it comes while lookups go on', async () => {
    const { rec } = await runNumber(env, policy({ numberOfRetries: 0 }), {
      outcomes: ['no-answer'],
      lookupsSee: { 1: ['error', 'error'] },
    });
    // The callback came with the dial: no lookup at all.
    expect(rec.lookups).toEqual([]);
    expect(rec.settles.map((s) => s.outcome.status)).toEqual(['no-answer']);
  });
});
