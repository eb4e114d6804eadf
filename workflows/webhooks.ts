/** SPEC §6.2: delivers a campaign's status events in order, apart from the campaign's own history. */
import { deliverInOrder } from './options';

export interface DeliverWebhooksInput {
  campaignId: string;
  deliveryIds: string[];
}

export async function deliverWebhooksWorkflow(input: DeliverWebhooksInput): Promise<void> {
  await deliverInOrder(input.deliveryIds);
}
