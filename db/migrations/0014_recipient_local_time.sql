-- SPEC §4.4 (ext): an account may apply its calling window in each recipient's local time.
ALTER TABLE "accounts" ADD COLUMN "recipient_local_time" boolean DEFAULT false NOT NULL;
