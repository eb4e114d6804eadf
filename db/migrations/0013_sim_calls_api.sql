-- SPEC §7 simulator: a call records which carrier contract (Exotel v1 or Twilio) it came in by.
ALTER TABLE "sim_calls" ADD COLUMN "api" text DEFAULT 'exotel' NOT NULL;