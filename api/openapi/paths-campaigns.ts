/** SPEC §2–§4, §6.2: the campaign operations, described with the schemas their routes validate with. */
import { z } from 'zod';
import { PUT_ACTIONS } from '../../domain/campaign-put-body';
import { callDetailsQuerySchema } from '../../domain/schemas/call-details';
import { campaignCreateSchema, listCampaignsQuerySchema } from '../../domain/schemas/campaign';
import { campaignNumberResourceSchema, campaignNumbersQuerySchema } from '../../domain/schemas/campaign-numbers';
import { callRecordSchema, campaignResourceSchema } from '../../domain/schemas/campaign-resource';
import { webhookDeliveriesQuerySchema, webhookDeliveryResourceSchema } from '../../domain/schemas/webhook-delivery';
import { BODY_ERRORS, type OperationDoc } from './operation';
import { validationReportSchema } from './report';

const campaignFields = campaignCreateSchema.out.shape;

/** POST body: one campaign (SPEC §3), or `{"campaigns": [...]}` of up to 100. */
const createBody = z.union([
  campaignCreateSchema,
  z.object({ campaigns: z.array(campaignCreateSchema).min(1).max(100) }),
]);

/** SPEC §4.7: any create field (partial), and/or an `action`; flat or `{"campaigns": [one]}`. */
const updateItem = z
  .object({ ...campaignFields })
  .partial()
  .extend({
    action: z.enum(PUT_ACTIONS as [string, ...string[]]).optional(),
  });
const updateBody = z.union([updateItem, z.object({ campaigns: z.array(updateItem).length(1) })]);

/** The campaign after a PUT: plus `closing: true` while a drain is under way (SPEC §4.1). */
const updatedCampaign = campaignResourceSchema.extend({ closing: z.literal(true).optional() });

const base = '/v2/accounts/{sid}/campaigns';
const campaignErrors = ['CAMPAIGN_NOT_FOUND', 'INVALID_PARAMETER'] as const;

/** A GET of what one campaign holds: Basic auth, tag Campaigns unless given, the campaign's errors. */
function campaignRead(
  op: Pick<OperationDoc, 'path' | 'operationId' | 'summary' | 'query' | 'response'> & { tag?: string },
): OperationDoc {
  return { method: 'get', tag: 'Campaigns', auth: 'basic', errors: [...campaignErrors], ...op };
}

const callDetails = campaignRead({
  path: `${base}/{id}/call-details`,
  operationId: 'listCallDetails',
  summary: 'One bare record per attempt (`?format=csv` or `Accept: text/csv` streams CSV)',
  query: callDetailsQuerySchema,
  response: { kind: 'bare-list', name: 'CallRecordList', schema: callRecordSchema },
});

export const campaignOperations: OperationDoc[] = [
  {
    method: 'post',
    path: base,
    operationId: 'createCampaigns',
    tag: 'Campaigns',
    summary: 'Create a campaign (or up to 100 in the bulk form)',
    description:
      'SPEC §3. Exactly one of `from` / `lists` and of `url` / `read_via_text`. With `?validation=report` ' +
      'nothing is created: the answer lists every invalid number and, for an account with ' +
      '`recipient_local_time` (component AccountCallingWindow), every number with no calling window.',
    auth: 'basic',
    query: z.object({ validation: z.enum(['report']).optional() }),
    body: createBody,
    response: {
      kind: 'items',
      name: 'CampaignCreated',
      schema: z.union([campaignResourceSchema, validationReportSchema]),
    },
    errors: [
      ...BODY_ERRORS,
      'INVALID_PHONE_NUMBER',
      'CALLER_ID_NOT_ALLOWED',
      'THROTTLE_OVER_CAPACITY',
      'UNKNOWN_LIST',
      'UPLOAD_IN_PROGRESS',
      'ENGINE_UNAVAILABLE',
    ],
  },
  {
    method: 'get',
    path: base,
    operationId: 'listCampaigns',
    tag: 'Campaigns',
    summary: 'List campaigns (items omit `from`)',
    auth: 'basic',
    query: listCampaignsQuerySchema,
    response: { kind: 'list', name: 'CampaignList', schema: campaignResourceSchema },
    errors: ['INVALID_PARAMETER'],
  },
  {
    method: 'get',
    path: `${base}/{id}`,
    operationId: 'getCampaign',
    tag: 'Campaigns',
    summary: 'One campaign with live stats',
    auth: 'basic',
    response: { kind: 'item', name: 'Campaign', schema: campaignResourceSchema },
    errors: ['CAMPAIGN_NOT_FOUND'],
  },
  {
    method: 'put',
    path: `${base}/{id}`,
    operationId: 'updateCampaign',
    tag: 'Campaigns',
    summary: 'Update fields and/or apply an action (pause, resume, complete, archive)',
    description: 'SPEC §4.7; decided by the campaign workflow. A conflict names the status and the allowed actions.',
    auth: 'basic',
    body: updateBody,
    response: { kind: 'items', name: 'CampaignUpdated', schema: updatedCampaign },
    errors: [
      ...BODY_ERRORS,
      ...campaignErrors,
      'UNKNOWN_ACTION',
      'INVALID_PHONE_NUMBER',
      'CALLER_ID_NOT_ALLOWED',
      'THROTTLE_OVER_CAPACITY',
      'UNKNOWN_LIST',
      'STATE_CONFLICT',
      'FIELD_NOT_UPDATABLE',
      'UPLOAD_IN_PROGRESS',
      'ENGINE_UNAVAILABLE',
    ],
  },
  {
    method: 'delete',
    path: `${base}/{id}`,
    operationId: 'deleteCampaign',
    tag: 'Campaigns',
    summary: 'Delete a campaign that has not started (SPEC §4.8)',
    auth: 'basic',
    response: { kind: 'items', name: 'CampaignDeleted', schema: updatedCampaign },
    errors: [...campaignErrors, 'STATE_CONFLICT', 'ENGINE_UNAVAILABLE'],
  },
  callDetails,
  {
    ...callDetails,
    path: '/v2/accounts/{sid}/campaign/{id}/call-details',
    operationId: 'listCallDetailsSingular',
    summary: 'Alias of `/campaigns/{id}/call-details` [C-15]',
  },
  campaignRead({
    path: `${base}/{id}/numbers`,
    operationId: 'listCampaignNumbers',
    summary: 'One item per number: status, attempts, next attempt, reason (ext)',
    query: campaignNumbersQuerySchema,
    response: { kind: 'list', name: 'CampaignNumberList', schema: campaignNumberResourceSchema },
  }),
  {
    method: 'get',
    path: `${base}/{id}/report.csv`,
    operationId: 'getCampaignReport',
    tag: 'Campaigns',
    summary: 'The per-number report, streamed as CSV (ext)',
    auth: 'basic',
    response: { kind: 'csv', description: 'number, name, status, reason, attempts, … one row per number' },
    errors: ['CAMPAIGN_NOT_FOUND'],
  },
  campaignRead({
    path: `${base}/{id}/webhook-deliveries`,
    operationId: 'listWebhookDeliveries',
    tag: 'Webhooks',
    summary: "The campaign's webhook delivery log (ext, SPEC §6.2)",
    query: webhookDeliveriesQuerySchema,
    response: { kind: 'list', name: 'WebhookDeliveryList', schema: webhookDeliveryResourceSchema },
  }),
  {
    method: 'post',
    path: `${base}/{id}/webhook-deliveries/{delivery_id}/replay`,
    operationId: 'replayWebhookDelivery',
    tag: 'Webhooks',
    summary: 'Send a delivered or abandoned webhook event again (same event id, same retries)',
    auth: 'basic',
    response: { kind: 'item', name: 'WebhookDelivery', schema: webhookDeliveryResourceSchema },
    errors: [...campaignErrors, 'WEBHOOK_DELIVERY_NOT_FOUND', 'STATE_CONFLICT', 'ENGINE_UNAVAILABLE'],
  },
];
