-- SPEC §4.10/§7: call-details show an attempt only once its dial request may have left, dated by that
-- moment (sent_at); staged dials and requests that never left have no sent_at and no record.
-- sending_at is written just before the request is handed to the carrier, so a claim without it
-- proves the request never left.
ALTER TABLE "attempts" ADD COLUMN "sending_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "attempts" ADD COLUMN "sent_at" timestamp with time zone;--> statement-breakpoint
-- Attempts claimed before these columns existed were sent (or may have been) at their claim.
UPDATE "attempts" SET "sending_at" = "dial_started_at", "sent_at" = "dial_started_at" WHERE "dial_started_at" IS NOT NULL;--> statement-breakpoint
CREATE INDEX "attempts_campaign_sent" ON "attempts" USING btree ("campaign_id","sent_at");
