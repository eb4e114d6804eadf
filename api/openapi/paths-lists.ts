/** SPEC §5: lists, contacts and CSV uploads, described with the schemas their routes validate with. */
import { z } from 'zod';
import {
  contactBulkUpdateItemSchema,
  contactCreateItemSchema,
  contactDeleteItemSchema,
  contactResourceSchema,
  contactsQuerySchema,
  contactUpdateItemSchema,
} from '../../domain/schemas/contact';
import {
  contactReferenceSchema,
  csvUploadResourceSchema,
  listBulkUpdateItemSchema,
  listCreateItemSchema,
  listMembershipResourceSchema,
  listMembersQuerySchema,
  listResourceSchema,
  listsQuerySchema,
  listUpdateItemSchema,
  MAX_BULK_ITEMS,
} from '../../domain/schemas/list';
import { BODY_ERRORS, type OperationDoc } from './operation';

/** A flat item or Exotel's bulk form `{ [key]: [...] }` [C-1]. */
const flatOrBulk = (key: string, item: z.ZodType, max = MAX_BULK_ITEMS) =>
  z.union([item, z.object({ [key]: z.array(item).min(1).max(max) })]);
const single = (key: string, item: z.ZodType) => z.union([item, z.object({ [key]: z.array(item).length(1) })]);

const csvUploadAccepted = z.object({
  upload_id: z.string(),
  list_sid: z.string(),
  status: z.literal('processing'),
  summary: z.object({ url: z.string().describe('the csv-status URL of this upload') }),
});

/** A removed membership answers `list_id` and `contact_sid` only; an added one carries `sid` too. */
const membershipRemoved = listMembershipResourceSchema.omit({ sid: true });

const lists = '/v2/accounts/{sid}/lists';
const contacts = '/v2/accounts/{sid}/contacts';

const listOperations: OperationDoc[] = [
  {
    method: 'post',
    path: lists,
    operationId: 'createLists',
    tag: 'Lists',
    summary: 'Create lists (a duplicate name is an item with code 409)',
    auth: 'basic',
    body: flatOrBulk('lists', listCreateItemSchema),
    response: { kind: 'items', name: 'ListCreated', schema: listResourceSchema },
    errors: [...BODY_ERRORS, 'DUPLICATE_NAME'],
  },
  {
    method: 'get',
    path: lists,
    operationId: 'listLists',
    tag: 'Lists',
    summary: 'List lists',
    auth: 'basic',
    query: listsQuerySchema,
    response: { kind: 'list', name: 'ListList', schema: listResourceSchema },
    errors: ['INVALID_PARAMETER'],
  },
  {
    method: 'put',
    path: lists,
    operationId: 'renameLists',
    tag: 'Lists',
    summary: 'Rename lists in bulk (≤5,000)',
    auth: 'basic',
    body: flatOrBulk('lists', listBulkUpdateItemSchema),
    response: { kind: 'items', name: 'ListRenamed', schema: listResourceSchema },
    errors: [...BODY_ERRORS, 'LIST_NOT_FOUND', 'DUPLICATE_NAME'],
  },
  {
    method: 'get',
    path: `${lists}/{list_sid}`,
    operationId: 'getList',
    tag: 'Lists',
    summary: 'One list with contact_count, type and columns',
    auth: 'basic',
    response: { kind: 'item', name: 'List', schema: listResourceSchema },
    errors: ['LIST_NOT_FOUND'],
  },
  {
    method: 'put',
    path: `${lists}/{list_sid}`,
    operationId: 'renameList',
    tag: 'Lists',
    summary: 'Rename one list',
    auth: 'basic',
    body: single('lists', listUpdateItemSchema),
    response: { kind: 'item', name: 'List', schema: listResourceSchema },
    errors: [...BODY_ERRORS, 'LIST_NOT_FOUND', 'DUPLICATE_NAME'],
  },
  {
    method: 'delete',
    path: `${lists}/{list_sid}`,
    operationId: 'deleteList',
    tag: 'Lists',
    summary: 'Delete a list (409 while a non-terminal campaign uses it)',
    auth: 'basic',
    response: { kind: 'item', name: 'List', schema: listResourceSchema },
    errors: ['LIST_NOT_FOUND', 'STATE_CONFLICT', 'UPLOAD_IN_PROGRESS'],
  },
  {
    method: 'post',
    path: `${lists}/{list_sid}/contacts`,
    operationId: 'addListContacts',
    tag: 'Lists',
    summary: 'Add existing contacts to a list (`contact_references`, ≤5,000)',
    auth: 'basic',
    body: flatOrBulk('contact_references', contactReferenceSchema),
    response: { kind: 'items', name: 'ListMembershipAdded', schema: listMembershipResourceSchema, counted: true },
    errors: [...BODY_ERRORS, 'LIST_NOT_FOUND', 'CONTACT_NOT_FOUND', 'STATE_CONFLICT'],
  },
  {
    method: 'get',
    path: `${lists}/{list_sid}/contacts`,
    operationId: 'listListContacts',
    tag: 'Lists',
    summary: "A list's members, in list order",
    auth: 'basic',
    query: listMembersQuerySchema,
    response: { kind: 'list', name: 'ContactList', schema: contactResourceSchema },
    errors: ['LIST_NOT_FOUND', 'INVALID_PARAMETER'],
  },
  {
    method: 'delete',
    path: `${lists}/{list_sid}/contacts/{contact_sid}`,
    operationId: 'removeListContact',
    tag: 'Lists',
    summary: 'Remove one membership (the contact stays)',
    auth: 'basic',
    response: { kind: 'item', name: 'ListMembershipRemoved', schema: membershipRemoved },
    errors: ['LIST_NOT_FOUND', 'CONTACT_NOT_FOUND'],
  },
];

/** `/contact-lists[...]` is an alias of `/lists[...]` [C-17]. */
const aliasOperations: OperationDoc[] = listOperations.map((op) => ({
  ...op,
  path: op.path.replace('/lists', '/contact-lists'),
  operationId: `${op.operationId}ContactListsAlias`,
  summary: `${op.summary} (alias of ${op.path.replace('/v2/accounts/{sid}', '')})`,
}));

const contactOperations: OperationDoc[] = [
  {
    method: 'post',
    path: contacts,
    operationId: 'createContacts',
    tag: 'Contacts',
    summary: 'Create contacts in bulk (≤5,000; an existing number is reused as it is)',
    auth: 'basic',
    body: flatOrBulk('contacts', contactCreateItemSchema),
    response: { kind: 'items', name: 'ContactCreated', schema: contactResourceSchema, counted: true },
    errors: [...BODY_ERRORS, 'INVALID_PHONE_NUMBER'],
  },
  {
    method: 'get',
    path: contacts,
    operationId: 'listContacts',
    tag: 'Contacts',
    summary: 'List contacts (at most 20 a page, as Exotel)',
    auth: 'basic',
    query: contactsQuerySchema,
    response: { kind: 'list', name: 'ContactList', schema: contactResourceSchema },
    errors: ['INVALID_PARAMETER'],
  },
  {
    method: 'put',
    path: contacts,
    operationId: 'updateContacts',
    tag: 'Contacts',
    summary: 'Update contacts in bulk',
    auth: 'basic',
    body: flatOrBulk('contacts', contactBulkUpdateItemSchema),
    response: { kind: 'items', name: 'ContactUpdated', schema: contactResourceSchema, counted: true },
    errors: [...BODY_ERRORS, 'CONTACT_NOT_FOUND', 'INVALID_PHONE_NUMBER', 'STATE_CONFLICT'],
  },
  {
    method: 'delete',
    path: contacts,
    operationId: 'deleteContacts',
    tag: 'Contacts',
    summary: 'Delete contacts in bulk (`{"contacts": [{"sid"}]}`)',
    auth: 'basic',
    body: flatOrBulk('contacts', contactDeleteItemSchema),
    response: { kind: 'items', name: 'ContactDeleted', schema: contactResourceSchema, counted: true },
    errors: [...BODY_ERRORS, 'CONTACT_NOT_FOUND'],
  },
  {
    method: 'get',
    path: `${contacts}/{contact_sid}`,
    operationId: 'getContact',
    tag: 'Contacts',
    summary: 'One contact',
    auth: 'basic',
    response: { kind: 'item', name: 'Contact', schema: contactResourceSchema },
    errors: ['CONTACT_NOT_FOUND'],
  },
  {
    method: 'put',
    path: `${contacts}/{contact_sid}`,
    operationId: 'updateContact',
    tag: 'Contacts',
    summary: 'Update one contact',
    auth: 'basic',
    body: single('contacts', contactUpdateItemSchema),
    response: { kind: 'item', name: 'Contact', schema: contactResourceSchema },
    errors: [...BODY_ERRORS, 'CONTACT_NOT_FOUND', 'INVALID_PHONE_NUMBER', 'STATE_CONFLICT'],
  },
  {
    method: 'delete',
    path: `${contacts}/{contact_sid}`,
    operationId: 'deleteContact',
    tag: 'Contacts',
    summary: 'Delete one contact',
    auth: 'basic',
    response: { kind: 'item', name: 'Contact', schema: contactResourceSchema },
    errors: ['CONTACT_NOT_FOUND'],
  },
  {
    method: 'post',
    path: `${contacts}/csv-upload`,
    operationId: 'uploadContactsCsv',
    tag: 'Contacts',
    summary: 'Upload a CSV of contacts into a list; answers at once, the import runs on',
    auth: 'basic',
    multipart: {
      list_name: { description: 'the list to add the contacts to (created when missing)', required: true },
      file_name: {
        description: 'the CSV file (UTF-8, header row with a number column, ≤60 MB)',
        file: true,
        required: true,
      },
      type: { description: '`static` (default) or `dynamic`' },
    },
    response: { kind: 'item', name: 'CsvUploadAccepted', schema: csvUploadAccepted },
    errors: ['INVALID_PARAMETER', 'PAYLOAD_TOO_LARGE', 'UNSUPPORTED_MEDIA_TYPE', 'STATE_CONFLICT'],
  },
  {
    method: 'get',
    path: '/v2/accounts/{sid}/csv-status/{upload_id}',
    operationId: 'getCsvStatus',
    tag: 'Contacts',
    summary: "An upload's import status, counts, progress and first 1,000 failures",
    auth: 'basic',
    response: { kind: 'item', name: 'CsvUpload', schema: csvUploadResourceSchema },
    errors: ['UPLOAD_NOT_FOUND'],
  },
];

export const listAndContactOperations: OperationDoc[] = [...listOperations, ...aliasOperations, ...contactOperations];
