CREATE TABLE "contacts" (
	"sid" text PRIMARY KEY NOT NULL,
	"account_sid" text NOT NULL,
	"number" text NOT NULL,
	"first_name" text,
	"last_name" text,
	"company_name" text,
	"email" text,
	"tag" text,
	"custom" jsonb,
	"date_created" timestamp with time zone DEFAULT now() NOT NULL,
	"date_updated" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "csv_upload_chunks" (
	"upload_id" text NOT NULL,
	"seq" integer NOT NULL,
	"data" text NOT NULL,
	CONSTRAINT "csv_upload_chunks_upload_id_seq_pk" PRIMARY KEY("upload_id","seq")
);
--> statement-breakpoint
CREATE TABLE "csv_uploads" (
	"id" text PRIMARY KEY NOT NULL,
	"account_sid" text NOT NULL,
	"list_sid" text NOT NULL,
	"type" text NOT NULL,
	"file_name" text,
	"size_bytes" integer DEFAULT 0 NOT NULL,
	"status" text NOT NULL,
	"total_records" integer DEFAULT 0 NOT NULL,
	"success_count" integer DEFAULT 0 NOT NULL,
	"duplicate_count" integer DEFAULT 0 NOT NULL,
	"failure_count" integer DEFAULT 0 NOT NULL,
	"progress_permille" integer DEFAULT 0 NOT NULL,
	"failures" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"error" text,
	"date_created" timestamp with time zone DEFAULT now() NOT NULL,
	"date_completed" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "dial_gates" (
	"key" text PRIMARY KEY NOT NULL,
	"next_dial_at" timestamp with time zone DEFAULT now() NOT NULL,
	"live" integer DEFAULT 0 NOT NULL
);
--> statement-breakpoint
CREATE TABLE "list_memberships" (
	"list_sid" text NOT NULL,
	"contact_sid" text NOT NULL,
	"seq" bigserial NOT NULL,
	"vars" jsonb,
	"date_created" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "list_memberships_list_sid_contact_sid_pk" PRIMARY KEY("list_sid","contact_sid")
);
--> statement-breakpoint
CREATE TABLE "lists" (
	"sid" text PRIMARY KEY NOT NULL,
	"account_sid" text NOT NULL,
	"name" text NOT NULL,
	"tag" text,
	"type" text,
	"columns" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"date_created" timestamp with time zone DEFAULT now() NOT NULL,
	"date_updated" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "campaign_numbers" ADD COLUMN "contact_sid" text;--> statement-breakpoint
ALTER TABLE "campaign_numbers" ADD COLUMN "vars" jsonb;--> statement-breakpoint
ALTER TABLE "campaigns" ADD COLUMN "paused_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "campaigns" ADD COLUMN "closing" text;--> statement-breakpoint
ALTER TABLE "campaigns" ADD COLUMN "end_reason" text;--> statement-breakpoint
ALTER TABLE "contacts" ADD CONSTRAINT "contacts_account_sid_accounts_sid_fk" FOREIGN KEY ("account_sid") REFERENCES "public"."accounts"("sid") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "csv_upload_chunks" ADD CONSTRAINT "csv_upload_chunks_upload_id_csv_uploads_id_fk" FOREIGN KEY ("upload_id") REFERENCES "public"."csv_uploads"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "csv_uploads" ADD CONSTRAINT "csv_uploads_account_sid_accounts_sid_fk" FOREIGN KEY ("account_sid") REFERENCES "public"."accounts"("sid") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "csv_uploads" ADD CONSTRAINT "csv_uploads_list_sid_lists_sid_fk" FOREIGN KEY ("list_sid") REFERENCES "public"."lists"("sid") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "list_memberships" ADD CONSTRAINT "list_memberships_list_sid_lists_sid_fk" FOREIGN KEY ("list_sid") REFERENCES "public"."lists"("sid") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "list_memberships" ADD CONSTRAINT "list_memberships_contact_sid_contacts_sid_fk" FOREIGN KEY ("contact_sid") REFERENCES "public"."contacts"("sid") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "lists" ADD CONSTRAINT "lists_account_sid_accounts_sid_fk" FOREIGN KEY ("account_sid") REFERENCES "public"."accounts"("sid") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "contacts_account_number" ON "contacts" USING btree ("account_sid","number");--> statement-breakpoint
CREATE INDEX "list_memberships_order" ON "list_memberships" USING btree ("list_sid","seq");--> statement-breakpoint
CREATE UNIQUE INDEX "lists_account_name" ON "lists" USING btree ("account_sid","name");