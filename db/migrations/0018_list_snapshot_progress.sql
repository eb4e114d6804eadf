ALTER TABLE "campaigns" ADD COLUMN "list_numbers" integer;--> statement-breakpoint
ALTER TABLE "campaigns" ADD COLUMN "snapshot_copied" integer;--> statement-breakpoint
ALTER TABLE "campaigns" ADD COLUMN "snapshot_at" timestamp with time zone;--> statement-breakpoint
-- List campaigns made before these columns took their preview at create: their numbers are there.
UPDATE "campaigns" c
   SET "snapshot_at" = c."date_created",
       "list_numbers" = (SELECT count(*) FROM "campaign_numbers" n WHERE n."campaign_id" = c."id")
 WHERE c."lists" IS NOT NULL;
