-- Issue 13: per-row checks the bulk paths paid for (measured by `npm run bench -- csv-import --costs`;
-- docs/architecture.md "Contacts, lists and the CSV import" keeps or drops each). Accounts and
-- campaigns are never deleted, so their keys could only ever refuse a row Outcall itself never
-- writes; list and contact deletes are guarded by locks the writers take once per batch instead.
ALTER TABLE "campaign_numbers" DROP CONSTRAINT "campaign_numbers_campaign_id_campaigns_id_fk";
--> statement-breakpoint
ALTER TABLE "contacts" DROP CONSTRAINT "contacts_account_sid_accounts_sid_fk";
--> statement-breakpoint
ALTER TABLE "list_memberships" DROP CONSTRAINT "list_memberships_list_sid_lists_sid_fk";
--> statement-breakpoint
ALTER TABLE "list_memberships" DROP CONSTRAINT "list_memberships_contact_sid_contacts_sid_fk";
--> statement-breakpoint
-- The stored upload is read back once and dropped: kept uncompressed, so storing it costs no pglz pass.
ALTER TABLE "csv_upload_chunks" ALTER COLUMN "data" SET STORAGE EXTERNAL;
