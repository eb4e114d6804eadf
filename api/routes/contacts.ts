/**
 * SPEC §2/§5 contacts: bulk create (≤5,000; items carry `data.sid`; 207 on mixed results), list
 * (`limit` at most 20, as Exotel), bulk update and bulk delete, and one contact by sid. A create whose
 * number the account already has reuses that contact as it is (SPEC §5: fields are not overwritten).
 * `custom` and `custom_field` are one value, stored as `custom` [C-21]. Mounted at `/v2/accounts/:sid/contacts`.
 */
import { Hono } from 'hono';
import type { AccountRow } from '../../db/queries/accounts';
import {
  deleteContacts,
  findContact,
  listContacts,
  listSidsOf,
  toContactResource,
  updateContact,
  upsertContacts,
  type ContactFields,
} from '../../db/queries/contacts';
import { toE164 } from '../../domain/phone';
import {
  contactBulkUpdateItemSchema,
  contactCreateItemSchema,
  contactDeleteItemSchema,
  contactsBodySchema,
  contactsQuerySchema,
  contactUpdateItemSchema,
  type ContactUpdateItem,
} from '../../domain/schemas/contact';
import { previewValue } from '../../domain/schemas/issues';
import type { AppEnv } from '../context';
import type { AppDeps } from '../deps';
import { checkBulkSize, eachItem, singleItem } from '../bulk';
import { ok, okItemsCounted, okList, successItem, type ResponseItem } from '../envelope';
import { ApiError, parseOrThrow } from '../errors';
import { readJsonBody } from '../middleware/json-body';

const text = (v: string | null | undefined): string | null | undefined =>
  v === undefined ? undefined : v === null || v === '' ? null : v;

function e164(raw: string, account: AccountRow): string {
  const r = toE164(raw, account.defaultRegion);
  if (!r.ok)
    throw new ApiError(
      'INVALID_PHONE_NUMBER',
      `number: ${previewValue(raw)} is not a valid phone number (${r.reason})`,
    );
  return r.e164;
}

/** The stored form of a create or update body; `undefined` = not given (unchanged on update). */
function fieldsOf(item: ContactUpdateItem, account: AccountRow): Partial<ContactFields> {
  const custom = item.custom !== undefined ? item.custom : item.custom_field;
  return {
    ...(item.number !== undefined && { number: e164(item.number, account) }),
    ...(item.first_name !== undefined && { firstName: text(item.first_name) }),
    ...(item.last_name !== undefined && { lastName: text(item.last_name) }),
    ...(item.company_name !== undefined && { companyName: text(item.company_name) }),
    ...(item.email !== undefined && { email: text(item.email) }),
    ...(item.tag !== undefined && { tag: text(item.tag) }),
    ...(custom !== undefined && { custom }),
  };
}

const notFound = (account: AccountRow, sid: string) =>
  new ApiError('CONTACT_NOT_FOUND', `contact ${JSON.stringify(sid)} does not exist in account "${account.sid}"`);

export function createContactRoutes(deps: AppDeps): Hono<AppEnv> {
  const app = new Hono<AppEnv>();

  async function update(account: AccountRow, sid: string, item: ContactUpdateItem) {
    const patch = fieldsOf(item, account);
    const result = await updateContact(deps.db, account.sid, sid, patch, new Date());
    if (result.kind === 'not_found') throw notFound(account, sid);
    if (result.kind === 'duplicate_number')
      throw new ApiError('STATE_CONFLICT', `number: another contact of the account already has number ${patch.number}`);
    return toContactResource(result.row, account);
  }

  app.post('/', async (c) => {
    const account = c.get('account');
    const { bulk, items } = checkBulkSize(parseOrThrow(contactsBodySchema, await readJsonBody(c)), 'contacts');
    // Validate every element first, then create the valid ones in one go.
    const prepared = items.map((raw): { fields: ContactFields } | { error: unknown } => {
      try {
        const f = fieldsOf(parseOrThrow(contactCreateItemSchema, raw), account);
        return {
          fields: {
            number: f.number!,
            firstName: f.firstName ?? null,
            lastName: f.lastName ?? null,
            companyName: f.companyName ?? null,
            email: f.email ?? null,
            tag: f.tag ?? null,
            custom: f.custom ?? null,
          },
        };
      } catch (error) {
        return { error };
      }
    });
    const valid = prepared.flatMap((p) => ('fields' in p ? [p.fields] : []));
    const rows = await upsertContacts(deps.db, account.sid, valid, new Date());
    let next = 0;
    const results: ResponseItem[] = await eachItem(c, prepared, async (p) => {
      if ('error' in p) throw p.error;
      return successItem(toContactResource(rows[next++]!, account));
    });
    return okItemsCounted(c, bulk, results);
  });

  app.get('/', async (c) => {
    const account = c.get('account');
    const q = parseOrThrow(contactsQuerySchema, c.req.query());
    const { rows, total } = await listContacts(deps.db, account.sid, q);
    const lists = q.showLists
      ? await listSidsOf(
          deps.db,
          rows.map((r) => r.sid),
        )
      : null;
    const records = rows.map((r) => ({
      ...toContactResource(r, account),
      ...(lists && { lists: lists.get(r.sid) ?? [] }),
    }));
    return okList(c, records, { offset: q.offset, limit: q.limit, total });
  });

  app.put('/', async (c) => {
    const account = c.get('account');
    const { bulk, items } = checkBulkSize(parseOrThrow(contactsBodySchema, await readJsonBody(c)), 'contacts');
    const results = await eachItem(c, items, async (raw) => {
      const item = parseOrThrow(contactBulkUpdateItemSchema, raw);
      return successItem(await update(account, item.sid, item));
    });
    return okItemsCounted(c, bulk, results);
  });

  app.delete('/', async (c) => {
    const account = c.get('account');
    const { bulk, items } = checkBulkSize(parseOrThrow(contactsBodySchema, await readJsonBody(c)), 'contacts');
    const sids = items.map((raw) => contactDeleteItemSchema.safeParse(raw));
    const deleted = new Map(
      (
        await deleteContacts(
          deps.db,
          account.sid,
          sids.flatMap((p) => (p.success ? [p.data.sid] : [])),
        )
      ).map((r) => [r.sid, r]),
    );
    const results = await eachItem(c, items, async (raw) => {
      const { sid } = parseOrThrow(contactDeleteItemSchema, raw);
      const row = deleted.get(sid);
      if (!row) throw notFound(account, sid);
      deleted.delete(sid);
      return successItem(toContactResource(row, account));
    });
    return okItemsCounted(c, bulk, results);
  });

  app.get('/:contact_sid', async (c) => {
    const account = c.get('account');
    const row = await findContact(deps.db, account.sid, c.req.param('contact_sid'));
    if (!row) throw notFound(account, c.req.param('contact_sid'));
    return ok(c, toContactResource(row, account));
  });

  app.put('/:contact_sid', async (c) => {
    const account = c.get('account');
    const item = parseOrThrow(
      contactUpdateItemSchema,
      singleItem(parseOrThrow(contactsBodySchema, await readJsonBody(c)), 'contacts'),
    );
    return ok(c, await update(account, c.req.param('contact_sid'), item));
  });

  app.delete('/:contact_sid', async (c) => {
    const account = c.get('account');
    const sid = c.req.param('contact_sid');
    const [row] = await deleteContacts(deps.db, account.sid, [sid]);
    if (!row) throw notFound(account, sid);
    return ok(c, toContactResource(row, account));
  });

  return app;
}
