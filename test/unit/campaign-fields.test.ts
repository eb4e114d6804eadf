/**
 * STYLE G21: the campaign field table (domain/schemas/campaign-fields.ts) is complete and agrees
 * with what it drives — the workflow sandbox's field rules, the `campaigns` columns, the create
 * schema's validation order and the order GET shows.
 */
import { getTableColumns } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { campaigns } from '../../db/schema';
import {
  CAMPAIGN_FIELDS,
  FIELDS_UPDATABLE_AFTER_START,
  FIELDS_UPDATABLE_WHILE_PAUSED,
} from '../../domain/campaign-transitions';
import { CAMPAIGN_FIELD_TABLE, fieldsUpdatable, patchKeysOf } from '../../domain/schemas/campaign-fields';
import { campaignResourceSchema } from '../../domain/schemas/campaign-resource';
import { campaignCreateSchema } from '../../domain/schemas/campaign';

const columns = getTableColumns(campaigns) as Record<string, { name: string }>;

describe('the campaign field table', () => {
  it('has one row per campaign field, and no other', () => {
    expect(Object.keys(CAMPAIGN_FIELD_TABLE).sort()).toEqual([...CAMPAIGN_FIELDS].sort());
  });

  it('states the same update rule as the workflow sandbox (SPEC §4.7)', () => {
    expect(fieldsUpdatable('before-start')).toEqual([...CAMPAIGN_FIELDS]);
    expect(new Set(fieldsUpdatable('while-paused'))).toEqual(new Set(FIELDS_UPDATABLE_WHILE_PAUSED));
    expect(new Set(fieldsUpdatable('after-start'))).toEqual(new Set(FIELDS_UPDATABLE_AFTER_START));
  });

  it('names, for each field, the column of db/schema.ts its key maps to', () => {
    for (const field of CAMPAIGN_FIELDS) {
      const spec = CAMPAIGN_FIELD_TABLE[field];
      if (field === 'schedule') {
        expect(spec.column, field).toBe(`${columns.sendAt!.name}, ${columns.endAt!.name}`);
        continue;
      }
      const property = field === 'from' ? 'from' : spec.key;
      expect(columns[property]?.name, field).toBe(spec.column);
    }
  });

  it('lets null clear exactly custom_field and the callbacks (schedule.end_at apart)', () => {
    const clears = CAMPAIGN_FIELDS.filter((f) => CAMPAIGN_FIELD_TABLE[f].clears);
    expect(clears).toEqual(['call_status_callback', 'call_schedule_callback', 'status_callback', 'custom_field']);
  });

  it('drives the create schema in the table order and the campaign object in SPEC §3 order', () => {
    expect(Object.keys(campaignCreateSchema.out.shape)).toEqual(Object.keys(CAMPAIGN_FIELD_TABLE));
    const shown = Object.keys(campaignResourceSchema.shape).filter((k) => k in CAMPAIGN_FIELD_TABLE);
    expect(shown).toEqual([...CAMPAIGN_FIELDS]);
  });

  it('patches schedule as epoch milliseconds, the number source by itself and type never', () => {
    expect(patchKeysOf('schedule')).toEqual(['sendAtMs', 'endAtMs']);
    expect(patchKeysOf('from')).toEqual(['from']);
    expect(patchKeysOf('type')).toEqual([]);
    expect(patchKeysOf('status_callback')).toEqual(['statusCallback']);
  });
});
