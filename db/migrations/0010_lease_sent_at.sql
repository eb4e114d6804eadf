-- SPEC §4.5 counts a call as live from its dial request: a lease is staged (granted, request not yet
-- sent) until sent_at is set, and the send spacer counts only sent leases against the channels.
ALTER TABLE "dial_waiters" ADD COLUMN "sent_at" timestamp with time zone;
--> statement-breakpoint
-- Leases granted before this column existed were granted only for a free channel: count them as sent.
UPDATE "dial_waiters" SET "sent_at" = "granted_at" WHERE "granted_at" IS NOT NULL;
