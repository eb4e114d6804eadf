/**
 * SPEC §4.1/§4.7/§4.8: PUT (fields and/or `action`) and DELETE on one campaign, at `/v2/accounts/:sid/campaigns`. The
 * campaign workflow decides (a Temporal Update, "Who decides"); this router parses, diffs against the read model and
 * answers. What the read model settles for good is answered here, by the same domain rules.
 */
import type { Context } from 'hono';
import { Hono } from 'hono';
import type { AppDeps, ControlResult } from '../deps';
import { EngineUnavailableError } from '../deps';
import type { AppEnv } from '../context';
import { failureItem, ok, okItems, successItem } from '../envelope';
import { ApiError, inputError, toApiError } from '../errors';
import { parseGuardedJson, readJsonBody } from '../middleware/json-body';
import { settingsOf } from './campaigns';
import type { AccountRow } from '../../db/queries/accounts';
import {
  campaignStats,
  findCampaign,
  reservedCustomThrottle,
  toCampaignResource,
  type CampaignRow,
} from '../../db/queries/campaigns';
import { controlStateOf, listFactsFor, storedCampaignOf } from '../../db/queries/campaign-update';
import { checkCampaignLists, checkThrottleHeadroom, type ListCheckError } from '../../domain/campaign-input';
import type { CampaignAction } from '../../domain/campaign-patch';
import { isTerminal } from '../../domain/campaign-status';
import { checkFieldUpdate, decideAction } from '../../domain/campaign-transitions';
import { parseSingleBody } from '../../domain/campaign-put-body';
import {
  listsToCheck,
  parseCampaignUpdate,
  throttleToCheck,
  type CampaignUpdateError,
} from '../../domain/campaign-update';
import type { CampaignResource } from '../../domain/schemas/campaign-resource';

/** The campaign object, plus **(ext)** `"closing": true` while a drain is under way (SPEC §4.1). */
type UpdatedCampaign = CampaignResource & { closing?: true };

function updateError(err: CampaignUpdateError): ApiError {
  return err.kind === 'unknown_action' ? new ApiError('UNKNOWN_ACTION', err.description) : inputError(err);
}

const LIST_ERROR_KEYS = {
  unknown_list: 'UNKNOWN_LIST',
  invalid_parameter: 'INVALID_PARAMETER',
  upload_in_progress: 'UPLOAD_IN_PROGRESS',
} as const;
const listError = (err: ListCheckError) => new ApiError(LIST_ERROR_KEYS[err.kind], err.description);

const notFound = (accountSid: string, id: string) =>
  new ApiError('CAMPAIGN_NOT_FOUND', `campaign "${id}" does not exist in account "${accountSid}"`);

async function loadCampaign(deps: AppDeps, accountSid: string, id: string): Promise<CampaignRow> {
  const row = await findCampaign(deps.db, accountSid, id);
  if (!row) throw notFound(accountSid, id);
  return row;
}

async function render(deps: AppDeps, account: AccountRow, row: CampaignRow, closing = false): Promise<UpdatedCampaign> {
  const resource = toCampaignResource(row, await campaignStats(deps.db, row.id), account);
  // A drain that ended before the read finished shows its terminal status alone.
  return closing && !isTerminal(controlStateOf(row).status) ? { ...resource, closing: true } : resource;
}

/** The workflow's answer; an unreachable Temporal is a 503 and nothing has changed. */
async function control(
  deps: AppDeps,
  input: Parameters<AppDeps['engine']['controlCampaign']>[0],
): Promise<ControlResult> {
  try {
    return await deps.engine.controlCampaign(input);
  } catch (err) {
    if (err instanceof EngineUnavailableError) {
      throw new ApiError(
        'ENGINE_UNAVAILABLE',
        'the workflow engine (Temporal) cannot be reached; nothing was changed, retry later',
      );
    }
    throw err;
  }
}

const conflictError = (r: Extract<ControlResult, { kind: 'conflict' }>) =>
  new ApiError(r.field ? 'FIELD_NOT_UPDATABLE' : 'STATE_CONFLICT', r.description);

/**
 * A campaign whose read model is terminal (or whose workflow has ended): its rows never change again,
 * so only Completed → Archived remains, done by `engine.archiveCampaign` (the workflow has no archive).
 */
async function updateEnded(
  deps: AppDeps,
  account: AccountRow,
  row: CampaignRow,
  action: CampaignAction | null,
  changedFields: string[],
): Promise<UpdatedCampaign> {
  const state = controlStateOf(row);
  if (!isTerminal(state.status)) {
    throw new ApiError(
      'STATE_CONFLICT',
      `the campaign's workflow has ended while the campaign shows ${state.status}; retry in a moment`,
    );
  }
  const field = checkFieldUpdate(state, changedFields);
  if (field) throw new ApiError('FIELD_NOT_UPDATABLE', field.description);
  if (action === null) return render(deps, account, row);
  const decision = decideAction(state, action, Date.now());
  if (decision.kind === 'conflict') throw new ApiError('STATE_CONFLICT', decision.description);
  if (decision.kind === 'apply' && (await deps.engine.archiveCampaign({ campaignId: row.id }))) {
    return render(deps, account, await loadCampaign(deps, account.sid, row.id));
  }
  // Someone else archived it first (or it was never Completed): answer from what is there now.
  const now = controlStateOf(await loadCampaign(deps, account.sid, row.id));
  const again = decideAction(now, action, Date.now());
  throw new ApiError(
    'STATE_CONFLICT',
    again.kind === 'conflict'
      ? again.description
      : `action "${action}" could not be applied; the campaign is ${now.status}`,
  );
}

/** SPEC §4.7: one PUT element. */
async function updateCampaign(
  deps: AppDeps,
  account: AccountRow,
  row: CampaignRow,
  item: Record<string, unknown>,
): Promise<UpdatedCampaign> {
  const now = new Date();
  const stored = storedCampaignOf(row);
  const parsed = parseCampaignUpdate(item, stored, settingsOf(account, deps), now);
  if (!parsed.ok) throw updateError(parsed.error);
  const { action, changedFields, patch } = parsed.update;
  if (action === null && changedFields.length === 0) return render(deps, account, row);

  const state = stored.state;
  if (isTerminal(state.status)) return updateEnded(deps, account, row, action, changedFields);
  // Started and closing never revert, so a field refused now is refused by the workflow too. Only
  // `schedule` depends on a status that may have moved (Paused) and is left to the workflow.
  if (state.started || state.closing) {
    const field = checkFieldUpdate(
      state,
      state.closing ? changedFields : changedFields.filter((f) => f !== 'schedule'),
    );
    if (field) throw new ApiError('FIELD_NOT_UPDATABLE', field.description);
  }
  // Archive applies to Completed only, which is terminal: on anything else it is a conflict, and the
  // workflow (which has no archive) is not asked. A drain refuses every action for good.
  if (action === 'archive' || (action !== null && state.closing)) {
    const decision = decideAction(state, action, now.getTime());
    if (decision.kind === 'conflict') throw new ApiError('STATE_CONFLICT', decision.description);
  }
  const listCheck = listsToCheck(parsed.update, stored);
  if (listCheck) {
    const problem = checkCampaignLists({
      ...listCheck,
      found: await listFactsFor(deps.db, account.sid, listCheck.lists),
    });
    if (problem) throw listError(problem);
  }
  const throttle = throttleToCheck(parsed.update, stored);
  if (throttle !== null) {
    // Not serialised with concurrent creates: the read holds no lock across the workflow's write.
    const reservedByOthers = await reservedCustomThrottle(deps.db, account.sid, row.id);
    const problem = checkThrottleHeadroom({ throttle, callsPerMinute: account.callsPerMinute, reservedByOthers });
    if (problem) throw inputError(problem);
  }

  // `archive` was refused above; the narrowing restates it for the type checker.
  const result = await control(deps, {
    campaignId: row.id,
    action: action === 'archive' ? null : action,
    changedFields,
    patch,
  });
  switch (result.kind) {
    case 'applied':
      return render(deps, account, await loadCampaign(deps, account.sid, row.id), result.closing);
    case 'conflict':
      throw conflictError(result);
    case 'closed':
      return updateEnded(deps, account, await loadCampaign(deps, account.sid, row.id), action, changedFields);
  }
}

/** SPEC §4.8: delete a campaign that has not started. */
async function deleteCampaign(deps: AppDeps, account: AccountRow, row: CampaignRow): Promise<UpdatedCampaign> {
  // Terminal, draining or started: final facts, refused without asking the workflow.
  const decision = decideAction(controlStateOf(row), 'delete', Date.now());
  if (decision.kind === 'conflict') throw new ApiError('STATE_CONFLICT', decision.description);
  const result = await control(deps, { campaignId: row.id, action: 'delete', changedFields: [], patch: {} });
  switch (result.kind) {
    case 'applied':
      return render(deps, account, await loadCampaign(deps, account.sid, row.id), result.closing);
    case 'conflict':
      throw conflictError(result);
    case 'closed': {
      const again = decideAction(controlStateOf(await loadCampaign(deps, account.sid, row.id)), 'delete', Date.now());
      throw new ApiError(
        'STATE_CONFLICT',
        again.kind === 'conflict'
          ? again.description
          : "the campaign's workflow has ended; it can no longer be deleted",
      );
    }
  }
}

/**
 * SPEC §1: a DELETE body is ignored, except the bulk form, which must hold exactly one element and
 * makes the response a bulk one.
 */
async function deleteBodyIsBulk(c: Context<AppEnv>): Promise<boolean> {
  const text = (await c.req.text()).replace(/^\uFEFF/, '').trim();
  if (text === '') return false;
  // Guarded like every JSON body (depth, NUL, lone surrogates); text that is not JSON is ignored.
  const parsed = parseGuardedJson(text);
  if (!parsed.ok) return false;
  const raw = parsed.value;
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw) || !('campaigns' in raw)) return false;
  const body = parseSingleBody(raw);
  if (!body.ok) throw inputError(body.error);
  return body.bulk;
}

/**
 * Flat body: the item's code is the HTTP status (errors go to `onError`). Bulk body of one element
 * [C-1]: one item, HTTP 200 on success, else 207 with the failure in the item.
 */
async function answer(c: Context<AppEnv>, bulk: boolean, run: () => Promise<UpdatedCampaign>): Promise<Response> {
  if (!bulk) return ok(c, await run());
  try {
    return okItems(c, true, [successItem(await run())]);
  } catch (err) {
    const { error, internal } = toApiError(err, c.get('requestId'));
    if (internal) c.get('log').error({ err }, 'Campaign update failed');
    return okItems(c, true, [failureItem(error)]);
  }
}

export function createCampaignUpdateRoutes(deps: AppDeps): Hono<AppEnv> {
  const app = new Hono<AppEnv>();

  app.put('/:id', async (c) => {
    const account = c.get('account');
    const row = await loadCampaign(deps, account.sid, c.req.param('id'));
    const body = parseSingleBody(await readJsonBody(c));
    if (!body.ok) throw inputError(body.error);
    return answer(c, body.bulk, () => updateCampaign(deps, account, row, body.item));
  });

  app.delete('/:id', async (c) => {
    const account = c.get('account');
    const row = await loadCampaign(deps, account.sid, c.req.param('id'));
    const bulk = await deleteBodyIsBulk(c);
    return answer(c, bulk, () => deleteCampaign(deps, account, row));
  });

  return app;
}
