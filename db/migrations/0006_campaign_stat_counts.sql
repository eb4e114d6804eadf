CREATE TABLE "campaign_stat_counts" (
	"campaign_id" text NOT NULL,
	"stripe" integer NOT NULL,
	"status" text NOT NULL,
	"last_status" text NOT NULL,
	"n" bigint NOT NULL,
	CONSTRAINT "campaign_stat_counts_campaign_id_stripe_status_last_status_pk" PRIMARY KEY("campaign_id","stripe","status","last_status")
);
