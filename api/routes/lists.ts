/**
 * SPEC §2/§5 lists: create (flat or `{"lists": [...]}`; a duplicate name is an item with code 409),
 * list, get one, rename (one, or up to 5,000 in bulk), delete (409 while attached to a non-terminal
 * campaign), and memberships: add existing contacts (`contact_references`, ≤5,000), list members in
 * order, remove one. Mounted at `/v2/accounts/:sid/lists` and at its alias `/contact-lists` [C-17].
 */
import { Hono } from 'hono';
import type { AccountRow } from '../../db/queries/accounts';
import { toContactResource } from '../../db/queries/contacts';
import {
  addMembers,
  attachedCampaigns,
  contactCounts,
  deleteList,
  findList,
  insertList,
  listLists,
  listMembers,
  lockListRow,
  processingUploads,
  removeMember,
  toListResource,
  updateList,
  type AddMemberResult,
  type ListRow,
} from '../../db/queries/lists';
import { newSid } from '../../domain/ids';
import {
  contactReferenceSchema,
  contactReferencesBodySchema,
  listBulkUpdateItemSchema,
  listCreateItemSchema,
  listMembersQuerySchema,
  listsBodySchema,
  listsQuerySchema,
  listUpdateItemSchema,
} from '../../domain/schemas/list';
import { firstIssue } from '../../domain/schemas/issues';
import type { AppEnv } from '../context';
import type { AppDeps } from '../deps';
import { checkBulkSize, eachItem, singleItem } from '../bulk';
import { failureItem, ok, okItems, okItemsCounted, okList, successItem } from '../envelope';
import { ApiError, parseOrThrow } from '../errors';
import { readJsonBody } from '../middleware/json-body';

const notFound = (account: AccountRow, sid: string) =>
  new ApiError('LIST_NOT_FOUND', `list ${JSON.stringify(sid)} does not exist in account "${account.sid}"`);
const duplicateName = (name: string) =>
  new ApiError('DUPLICATE_NAME', `name: the account already has a list named ${JSON.stringify(name)}`);

export function createListRoutes(deps: AppDeps): Hono<AppEnv> {
  const app = new Hono<AppEnv>();

  async function resource(account: AccountRow, row: ListRow) {
    return toListResource(row, (await contactCounts(deps.db, [row.sid])).get(row.sid) ?? 0, account);
  }

  async function rename(account: AccountRow, sid: string, patch: { name?: string; tag?: string | null | undefined }) {
    const result = await updateList(
      deps.db,
      account.sid,
      sid,
      { ...(patch.name !== undefined && { name: patch.name }), ...(patch.tag !== undefined && { tag: patch.tag }) },
      new Date(),
    );
    if (result.kind === 'not_found') throw notFound(account, sid);
    if (result.kind === 'duplicate') throw duplicateName(patch.name ?? '');
    return resource(account, result.row);
  }

  app.post('/', async (c) => {
    const account = c.get('account');
    const { bulk, items } = checkBulkSize(parseOrThrow(listsBodySchema, await readJsonBody(c)), 'lists');
    const results = await eachItem(c, items, async (raw) => {
      const item = parseOrThrow(listCreateItemSchema, raw);
      const row = await insertList(deps.db, {
        sid: newSid(),
        accountSid: account.sid,
        name: item.name,
        tag: item.tag ?? null,
        now: new Date(),
      });
      if (!row) throw duplicateName(item.name);
      return successItem(toListResource(row, 0, account));
    });
    return okItems(c, bulk, results);
  });

  app.get('/', async (c) => {
    const account = c.get('account');
    const q = parseOrThrow(listsQuerySchema, c.req.query());
    const { rows, total } = await listLists(deps.db, account.sid, q);
    const counts = await contactCounts(
      deps.db,
      rows.map((r) => r.sid),
    );
    return okList(
      c,
      rows.map((r) => toListResource(r, counts.get(r.sid) ?? 0, account)),
      { offset: q.offset, limit: q.limit, total },
    );
  });

  app.put('/', async (c) => {
    const account = c.get('account');
    const { bulk, items } = checkBulkSize(parseOrThrow(listsBodySchema, await readJsonBody(c)), 'lists');
    const results = await eachItem(c, items, async (raw) => {
      const item = parseOrThrow(listBulkUpdateItemSchema, raw);
      return successItem(await rename(account, item.sid, item));
    });
    return okItems(c, bulk, results);
  });

  app.get('/:list_sid', async (c) => {
    const account = c.get('account');
    const row = await findList(deps.db, account.sid, c.req.param('list_sid'));
    if (!row) throw notFound(account, c.req.param('list_sid'));
    return ok(c, await resource(account, row));
  });

  app.put('/:list_sid', async (c) => {
    const account = c.get('account');
    const item = parseOrThrow(
      listUpdateItemSchema,
      singleItem(parseOrThrow(listsBodySchema, await readJsonBody(c)), 'lists'),
    );
    return ok(c, await rename(account, c.req.param('list_sid'), item));
  });

  app.delete('/:list_sid', async (c) => {
    const account = c.get('account');
    const sid = c.req.param('list_sid');
    const deleted = await deps.db.transaction(async (tx) => {
      const row = await lockListRow(tx, account.sid, sid);
      if (!row) throw notFound(account, sid);
      const attached = await attachedCampaigns(tx, account.sid, sid);
      if (attached.length > 0) {
        const names = attached.map((a) => `${a.id} (${a.status})`).join(', ');
        throw new ApiError(
          'STATE_CONFLICT',
          `list ${JSON.stringify(sid)} is attached to campaign${attached.length > 1 ? 's' : ''} ${names}; ` +
            'it can be deleted once they have ended',
        );
      }
      const uploads = await processingUploads(tx, [sid]);
      if (uploads.length > 0)
        throw new ApiError(
          'UPLOAD_IN_PROGRESS',
          `list ${JSON.stringify(sid)} has CSV upload ${uploads[0]!.id} still processing`,
        );
      const count = (await contactCounts(tx, [sid])).get(sid) ?? 0;
      await deleteList(tx, sid);
      return toListResource(row, count, account);
    });
    return ok(c, deleted);
  });

  app.post('/:list_sid/contacts', async (c) => {
    const account = c.get('account');
    const sid = c.req.param('list_sid');
    const body = checkBulkSize(parseOrThrow(contactReferencesBodySchema, await readJsonBody(c)), 'contact_references');
    const list = await findList(deps.db, account.sid, sid);
    if (!list) throw notFound(account, sid);
    const parsed = body.items.map((raw) => contactReferenceSchema.safeParse(raw, { reportInput: true }));
    const valid = parsed.flatMap((p) => (p.success ? [p.data.contact_sid] : []));
    const outcomes = await addMembers(deps.db, { accountSid: account.sid, list, contactSids: valid });
    if (!outcomes) throw notFound(account, sid);
    let next = 0;
    const results = await eachItem(c, parsed, async (p) => {
      if (!p.success) return failureItem(new ApiError('INVALID_PARAMETER', firstIssue(p.error).description));
      const contactSid = p.data.contact_sid;
      const outcome: AddMemberResult = outcomes[next++]!;
      if (outcome === 'contact_not_found')
        throw new ApiError(
          'CONTACT_NOT_FOUND',
          `contact_sid: contact ${JSON.stringify(contactSid)} does not exist in account "${account.sid}"`,
        );
      if (outcome === 'list_full')
        throw new ApiError(
          'STATE_CONFLICT',
          `list ${JSON.stringify(sid)} is full; ` +
            `it holds at most ${list.type === 'dynamic' ? '500,000' : '100,000'} contacts`,
        );
      return successItem({ sid: contactSid, list_id: sid, contact_sid: contactSid });
    });
    return okItemsCounted(c, body.bulk, results);
  });

  app.get('/:list_sid/contacts', async (c) => {
    const account = c.get('account');
    const sid = c.req.param('list_sid');
    const q = parseOrThrow(listMembersQuerySchema, c.req.query());
    const list = await findList(deps.db, account.sid, sid);
    if (!list) throw notFound(account, sid);
    const { rows, total } = await listMembers(deps.db, sid, q);
    return okList(
      c,
      rows.map((r) => toContactResource(r.contact, account, r.vars)),
      { offset: q.offset, limit: q.limit, total },
    );
  });

  app.delete('/:list_sid/contacts/:contact_sid', async (c) => {
    const account = c.get('account');
    const sid = c.req.param('list_sid');
    const contactSid = c.req.param('contact_sid');
    const list = await findList(deps.db, account.sid, sid);
    if (!list) throw notFound(account, sid);
    if (!(await removeMember(deps.db, sid, contactSid))) {
      throw new ApiError(
        'CONTACT_NOT_FOUND',
        `contact ${JSON.stringify(contactSid)} is not in list ${JSON.stringify(sid)}`,
      );
    }
    return ok(c, { list_id: sid, contact_sid: contactSid });
  });

  return app;
}
