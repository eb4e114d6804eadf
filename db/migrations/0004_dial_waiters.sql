CREATE TABLE "dial_waiters" (
	"id" text PRIMARY KEY NOT NULL,
	"account_sid" text NOT NULL,
	"campaign_id" text NOT NULL,
	"position" integer NOT NULL,
	"is_retry" boolean NOT NULL,
	"order_at" timestamp with time zone NOT NULL,
	"due_at" timestamp with time zone NOT NULL,
	"lapse_at" timestamp with time zone NOT NULL,
	"granted_at" timestamp with time zone
);
--> statement-breakpoint
CREATE INDEX "dial_waiters_account" ON "dial_waiters" USING btree ("account_sid","granted_at");--> statement-breakpoint
ALTER TABLE "dial_gates" DROP COLUMN "live";