-- SPEC §7 (ext) do-not-call list: one row per account and E.164 number.
CREATE TABLE "dnc_numbers" (
	"account_sid" text NOT NULL,
	"number" text NOT NULL,
	"source" text NOT NULL,
	"date_created" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "dnc_numbers_account_sid_number_pk" PRIMARY KEY("account_sid","number")
);
--> statement-breakpoint
ALTER TABLE "dnc_numbers" ADD CONSTRAINT "dnc_numbers_account_sid_accounts_sid_fk" FOREIGN KEY ("account_sid") REFERENCES "public"."accounts"("sid") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "dnc_numbers_account_created" ON "dnc_numbers" USING btree ("account_sid","date_created","number");