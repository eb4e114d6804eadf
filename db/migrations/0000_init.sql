CREATE TABLE "accounts" (
	"sid" text PRIMARY KEY NOT NULL,
	"api_key" text NOT NULL,
	"api_token_hash" text NOT NULL,
	"calls_per_minute" integer DEFAULT 60 NOT NULL,
	"channels" integer DEFAULT 60 NOT NULL,
	"api_requests_per_minute" integer DEFAULT 200 NOT NULL,
	"timezone" text DEFAULT 'Asia/Kolkata' NOT NULL,
	"calling_window" text DEFAULT '10:30-21:00' NOT NULL,
	"calling_days" jsonb DEFAULT '[1,2,3,4,5,6,7]'::jsonb NOT NULL,
	"default_region" text DEFAULT 'IN' NOT NULL,
	"caller_ids" jsonb,
	"carrier" jsonb DEFAULT '{"type":"simulator"}'::jsonb NOT NULL,
	"ring_timeout_s" integer DEFAULT 30 NOT NULL,
	"call_time_limit_s" integer DEFAULT 3600 NOT NULL,
	"webhook_secret" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "accounts_api_key_unique" UNIQUE("api_key")
);
--> statement-breakpoint
CREATE TABLE "api_requests" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"bucket" text NOT NULL,
	"at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "attempts" (
	"call_sid" text PRIMARY KEY NOT NULL,
	"campaign_id" text NOT NULL,
	"position" integer NOT NULL,
	"attempt_number" integer NOT NULL,
	"number" text NOT NULL,
	"caller_id" text NOT NULL,
	"token" text NOT NULL,
	"carrier_sid" text,
	"dial_started_at" timestamp with time zone,
	"status" text,
	"reason" text,
	"date_created" timestamp with time zone NOT NULL,
	"start_time" timestamp with time zone,
	"end_time" timestamp with time zone,
	"duration" integer,
	"digits" text,
	"recording_url" text,
	"settled_at" timestamp with time zone,
	CONSTRAINT "attempts_token_unique" UNIQUE("token")
);
--> statement-breakpoint
CREATE TABLE "campaign_numbers" (
	"campaign_id" text NOT NULL,
	"position" integer NOT NULL,
	"number" text NOT NULL,
	"name" text,
	"status" text NOT NULL,
	"reason" text,
	"attempts" integer DEFAULT 0 NOT NULL,
	"last_status" text,
	"last_duration" integer,
	"first_attempt_at" timestamp with time zone,
	"last_attempt_at" timestamp with time zone,
	"next_attempt_at" timestamp with time zone,
	"date_updated" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "campaign_numbers_campaign_id_position_pk" PRIMARY KEY("campaign_id","position")
);
--> statement-breakpoint
CREATE TABLE "campaigns" (
	"id" text PRIMARY KEY NOT NULL,
	"account_sid" text NOT NULL,
	"name" text NOT NULL,
	"type" text DEFAULT 'trans' NOT NULL,
	"caller_id" text NOT NULL,
	"campaign_type" text DEFAULT 'static' NOT NULL,
	"from" jsonb,
	"lists" jsonb,
	"flow_type" text,
	"url" text,
	"read_via_text" text,
	"repeat_menu_attempts" integer DEFAULT 0 NOT NULL,
	"retries" jsonb NOT NULL,
	"send_at" timestamp with time zone,
	"end_at" timestamp with time zone,
	"call_status_callback" text,
	"call_schedule_callback" text,
	"status_callback" text,
	"mode" text DEFAULT 'auto' NOT NULL,
	"throttle" integer,
	"custom_field" jsonb,
	"call_duplicate_numbers" boolean DEFAULT false NOT NULL,
	"status" text NOT NULL,
	"date_created" timestamp with time zone NOT NULL,
	"date_updated" timestamp with time zone NOT NULL,
	"date_started" timestamp with time zone,
	"date_ended" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "sim_calls" (
	"sid" text PRIMARY KEY NOT NULL,
	"account_sid" text NOT NULL,
	"to" text NOT NULL,
	"caller_id" text NOT NULL,
	"url" text,
	"custom_field" text,
	"status_callback" text,
	"attempt_number" integer NOT NULL,
	"outcome" text NOT NULL,
	"status" text NOT NULL,
	"duration" integer DEFAULT 0 NOT NULL,
	"greeting" text,
	"greeting_fetched_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"start_time" timestamp with time zone,
	"end_time" timestamp with time zone,
	"callback_due_at" timestamp with time zone NOT NULL,
	"callback_sent_at" timestamp with time zone,
	"callback_tries" integer DEFAULT 0 NOT NULL
);
--> statement-breakpoint
CREATE TABLE "sim_requests" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"to" text NOT NULL,
	"http_status" integer NOT NULL,
	"body" jsonb NOT NULL,
	"at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "webhook_deliveries" (
	"id" text PRIMARY KEY NOT NULL,
	"account_sid" text NOT NULL,
	"campaign_id" text NOT NULL,
	"kind" text NOT NULL,
	"url" text NOT NULL,
	"payload" jsonb NOT NULL,
	"status" text DEFAULT 'pending' NOT NULL,
	"tries" integer DEFAULT 0 NOT NULL,
	"last_error" text,
	"last_http_status" integer,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"delivered_at" timestamp with time zone
);
--> statement-breakpoint
ALTER TABLE "attempts" ADD CONSTRAINT "attempts_campaign_id_campaigns_id_fk" FOREIGN KEY ("campaign_id") REFERENCES "public"."campaigns"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "campaign_numbers" ADD CONSTRAINT "campaign_numbers_campaign_id_campaigns_id_fk" FOREIGN KEY ("campaign_id") REFERENCES "public"."campaigns"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "campaigns" ADD CONSTRAINT "campaigns_account_sid_accounts_sid_fk" FOREIGN KEY ("account_sid") REFERENCES "public"."accounts"("sid") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "api_requests_bucket_at" ON "api_requests" USING btree ("bucket","at");--> statement-breakpoint
CREATE UNIQUE INDEX "attempts_number_attempt" ON "attempts" USING btree ("campaign_id","position","attempt_number");--> statement-breakpoint
CREATE INDEX "attempts_campaign_created" ON "attempts" USING btree ("campaign_id","date_created");--> statement-breakpoint
CREATE INDEX "campaign_numbers_status" ON "campaign_numbers" USING btree ("campaign_id","status");--> statement-breakpoint
CREATE INDEX "campaigns_account_created" ON "campaigns" USING btree ("account_sid","date_created");--> statement-breakpoint
CREATE INDEX "sim_calls_to" ON "sim_calls" USING btree ("to","created_at");--> statement-breakpoint
CREATE INDEX "sim_calls_due" ON "sim_calls" USING btree ("callback_sent_at","callback_due_at");--> statement-breakpoint
CREATE INDEX "webhook_deliveries_campaign" ON "webhook_deliveries" USING btree ("campaign_id","created_at");