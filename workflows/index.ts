/** Workflow bundle entry: everything exported here is a registered workflow type. */
export { campaignWorkflow } from './campaign';
export { numberWorkflow } from './number';
export { deliverWebhooksWorkflow } from './webhooks';
