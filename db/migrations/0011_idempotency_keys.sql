-- SPEC §1 (ext) Idempotency-Key: the first answer to a POST per account and key, kept 24 h.
CREATE TABLE "idempotency_keys" (
	"account_sid" text NOT NULL,
	"key" text NOT NULL,
	"owner" text NOT NULL,
	"fingerprint" text,
	"response_status" integer,
	"response_body" text,
	"response_type" text,
	"locked_until" timestamp with time zone NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	CONSTRAINT "idempotency_keys_account_sid_key_pk" PRIMARY KEY("account_sid","key")
);
--> statement-breakpoint
CREATE INDEX "idempotency_keys_expires" ON "idempotency_keys" USING btree ("expires_at");