CREATE TABLE "api_rate_counters" (
	"bucket" text PRIMARY KEY NOT NULL,
	"n" integer NOT NULL,
	"updated_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
ALTER TABLE "api_requests" ADD COLUMN "weight" integer DEFAULT 1 NOT NULL;--> statement-breakpoint
-- SPEC §1 rate limit in one round trip: a sliding window per bucket, exact across API replicas. The
-- bucket's counter row is locked first (every replica's requests for the bucket queue on it), the
-- requests that left the window are deleted and subtracted, and the request is counted only when
-- it fits (a rejected request is not counted). Time is the database's clock, the same for every
-- replica. A counter row created now (first use of the bucket) starts from the rows in the window.
-- Each statement takes its own snapshot (READ COMMITTED, volatile function), so the count after the
-- lock includes every request committed before it. Returns the hit's row id, for a refund.
CREATE FUNCTION api_rate_hit(p_bucket text, p_limit integer, p_weight integer, p_window_ms integer)
RETURNS TABLE (allowed boolean, counted integer, oldest_at timestamptz, db_now timestamptz, hit_id bigint)
LANGUAGE plpgsql AS $$
DECLARE
  v_now timestamptz := clock_timestamp();
  v_cutoff timestamptz := v_now - make_interval(secs => p_window_ms / 1000.0);
  v_n integer;
  v_expired integer;
  v_id bigint;
BEGIN
  SELECT c.n INTO v_n FROM api_rate_counters c WHERE c.bucket = p_bucket FOR UPDATE;
  IF NOT FOUND THEN
    INSERT INTO api_rate_counters (bucket, n, updated_at) VALUES (p_bucket, 0, v_now) ON CONFLICT DO NOTHING;
    PERFORM 1 FROM api_rate_counters c WHERE c.bucket = p_bucket FOR UPDATE;
    DELETE FROM api_requests r WHERE r.bucket = p_bucket AND r.at <= v_cutoff;
    SELECT coalesce(sum(r.weight), 0)::integer INTO v_n FROM api_requests r WHERE r.bucket = p_bucket;
  ELSE
    WITH gone AS (DELETE FROM api_requests r WHERE r.bucket = p_bucket AND r.at <= v_cutoff RETURNING r.weight)
    SELECT coalesce(sum(g.weight), 0)::integer INTO v_expired FROM gone g;
    v_n := v_n - v_expired;
  END IF;
  IF v_n + p_weight <= p_limit THEN
    INSERT INTO api_requests (bucket, at, weight) VALUES (p_bucket, v_now, p_weight) RETURNING id INTO v_id;
    v_n := v_n + p_weight;
  END IF;
  UPDATE api_rate_counters c SET n = v_n, updated_at = v_now WHERE c.bucket = p_bucket;
  RETURN QUERY
    SELECT v_id IS NOT NULL, v_n, (SELECT min(r.at) FROM api_requests r WHERE r.bucket = p_bucket), v_now, v_id;
END $$;
--> statement-breakpoint
-- Takes back one counted hit (a request that a later charge turned into a 429 does not count).
CREATE FUNCTION api_rate_refund(p_bucket text, p_hit_id bigint) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  v_weight integer;
BEGIN
  PERFORM 1 FROM api_rate_counters c WHERE c.bucket = p_bucket FOR UPDATE;
  DELETE FROM api_requests r WHERE r.id = p_hit_id AND r.bucket = p_bucket RETURNING r.weight INTO v_weight;
  IF FOUND THEN
    UPDATE api_rate_counters c SET n = c.n - v_weight WHERE c.bucket = p_bucket;
  END IF;
END $$;
--> statement-breakpoint
-- Expires the window of buckets nobody has used for a while (their rows would otherwise stay), under
-- each bucket's counter lock like a request; SKIP LOCKED leaves buckets in use to their requests.
CREATE FUNCTION api_rate_prune(p_window_ms integer) RETURNS integer LANGUAGE plpgsql AS $$
DECLARE
  v_bucket text;
  v_done integer := 0;
  v_expired integer;
BEGIN
  FOR v_bucket IN
    SELECT c.bucket FROM api_rate_counters c
     WHERE c.updated_at < clock_timestamp() - make_interval(secs => p_window_ms / 1000.0)
     FOR UPDATE SKIP LOCKED
  LOOP
    WITH gone AS (
      DELETE FROM api_requests r
       WHERE r.bucket = v_bucket AND r.at <= clock_timestamp() - make_interval(secs => p_window_ms / 1000.0)
      RETURNING r.weight)
    SELECT coalesce(sum(g.weight), 0)::integer INTO v_expired FROM gone g;
    UPDATE api_rate_counters c SET n = c.n - v_expired WHERE c.bucket = v_bucket;
    v_done := v_done + 1;
  END LOOP;
  RETURN v_done;
END $$;
