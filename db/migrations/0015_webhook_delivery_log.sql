-- SPEC §6.2 delivery log: when each delivery was last tried and is next tried, how often it was replayed;
-- partial indexes keep /metrics' reads of the undelivered and the abandoned cheap.
ALTER TABLE "webhook_deliveries" ADD COLUMN "last_tried_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "webhook_deliveries" ADD COLUMN "next_try_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "webhook_deliveries" ADD COLUMN "replays" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
CREATE INDEX "webhook_deliveries_pending" ON "webhook_deliveries" USING btree ("created_at") WHERE "webhook_deliveries"."status" = 'pending';--> statement-breakpoint
CREATE INDEX "webhook_deliveries_abandoned" ON "webhook_deliveries" USING btree ("created_at") WHERE "webhook_deliveries"."status" = 'abandoned';