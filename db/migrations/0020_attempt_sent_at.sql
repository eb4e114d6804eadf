-- SPEC §4.10/§7: call-details show an attempt only once its dial request may have left, dated by that
-- moment; staged dials and requests that never left have no sent_at and no record.
ALTER TABLE "attempts" ADD COLUMN "sent_at" timestamp with time zone;--> statement-breakpoint
-- Attempts claimed before this column existed were sent (or may have been) at their claim.
UPDATE "attempts" SET "sent_at" = "dial_started_at" WHERE "dial_started_at" IS NOT NULL;--> statement-breakpoint
CREATE INDEX "attempts_campaign_sent" ON "attempts" USING btree ("campaign_id","sent_at");
