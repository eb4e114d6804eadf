CREATE TABLE "dial_tickets" (
	"call_sid" text PRIMARY KEY NOT NULL,
	"account_sid" text NOT NULL,
	"campaign_id" text NOT NULL,
	"is_retry" boolean NOT NULL,
	"position" integer NOT NULL,
	"since" timestamp with time zone NOT NULL,
	"next_poll_at" timestamp with time zone NOT NULL,
	"granted_at" timestamp with time zone
);
--> statement-breakpoint
ALTER TABLE "dial_gates" ADD COLUMN "last_grant_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "dial_gates" ADD COLUMN "hold_ms" double precision DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "dial_gates" ADD COLUMN "throttle" integer;--> statement-breakpoint
CREATE INDEX "dial_tickets_account" ON "dial_tickets" USING btree ("account_sid","granted_at");