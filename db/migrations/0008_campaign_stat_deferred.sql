-- Stats counters are locked at commit, last, in key order (was: as each statement ran). The counter
-- rows are shared by every number of a campaign, so taking them mid-transaction put them into lock
-- cycles with other shared rows: beginAttempt locks the account's dial gate and then moves a number
-- to in-progress, settleAttempt moves a number and then updates the gate (40P01 deadlocks under
-- load). Now a statement only appends its aggregated changes to campaign_stat_deltas (an insert
-- takes no shared lock), and a deferred trigger folds the transaction's deltas into
-- campaign_stat_counts when it commits, after every other lock it takes, sorted by key. Reads add
-- the deltas they can see, which are only their own transaction's (another's are uncommitted, then
-- folded and deleted within its commit). Unlogged: a delta lives only inside an open transaction,
-- so losing the table in a crash loses nothing.
CREATE UNLOGGED TABLE campaign_stat_deltas (
  xid xid8 NOT NULL DEFAULT pg_current_xact_id(),
  campaign_id text NOT NULL,
  stripe integer NOT NULL,
  status text NOT NULL,
  last_status text NOT NULL,
  delta bigint NOT NULL
);
--> statement-breakpoint
CREATE INDEX campaign_stat_deltas_xid ON campaign_stat_deltas (xid);
--> statement-breakpoint
CREATE INDEX campaign_stat_deltas_campaign ON campaign_stat_deltas (campaign_id);
--> statement-breakpoint
CREATE OR REPLACE FUNCTION campaign_stat_counts_apply() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    INSERT INTO campaign_stat_deltas (campaign_id, stripe, status, last_status, delta)
    SELECT campaign_id, position % 16, status, coalesce(last_status, ''), count(*)
      FROM new_rows GROUP BY 1, 2, 3, 4;
  ELSIF TG_OP = 'DELETE' THEN
    INSERT INTO campaign_stat_deltas (campaign_id, stripe, status, last_status, delta)
    SELECT campaign_id, position % 16, status, coalesce(last_status, ''), -count(*)
      FROM old_rows GROUP BY 1, 2, 3, 4;
  ELSE
    -- Only rows whose status or last attempt status changed move a count (the key never changes).
    INSERT INTO campaign_stat_deltas (campaign_id, stripe, status, last_status, delta)
    SELECT campaign_id, stripe, status, last_status, sum(delta)
      FROM (
        SELECT o.campaign_id, o.position % 16 AS stripe, o.status, coalesce(o.last_status, '') AS last_status, -1 AS delta
          FROM old_rows o JOIN new_rows w ON w.campaign_id = o.campaign_id AND w.position = o.position
         WHERE o.status IS DISTINCT FROM w.status OR o.last_status IS DISTINCT FROM w.last_status
        UNION ALL
        SELECT w.campaign_id, w.position % 16, w.status, coalesce(w.last_status, ''), 1
          FROM old_rows o JOIN new_rows w ON w.campaign_id = o.campaign_id AND w.position = o.position
         WHERE o.status IS DISTINCT FROM w.status OR o.last_status IS DISTINCT FROM w.last_status
      ) moved
     GROUP BY 1, 2, 3, 4
    HAVING sum(delta) <> 0;
  END IF;
  RETURN NULL;
END $$;
--> statement-breakpoint
-- Fires once per delta row at commit; the first firing folds all of the transaction's deltas, the
-- rest find none left.
CREATE FUNCTION campaign_stat_deltas_fold() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  WITH mine AS (
    DELETE FROM campaign_stat_deltas WHERE xid = pg_current_xact_id()
    RETURNING campaign_id, stripe, status, last_status, delta
  )
  INSERT INTO campaign_stat_counts AS t (campaign_id, stripe, status, last_status, n)
  SELECT campaign_id, stripe, status, last_status, sum(delta)
    FROM mine GROUP BY 1, 2, 3, 4 HAVING sum(delta) <> 0 ORDER BY 1, 2, 3, 4
  ON CONFLICT (campaign_id, stripe, status, last_status) DO UPDATE SET n = t.n + excluded.n;
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE CONSTRAINT TRIGGER campaign_stat_deltas_fold AFTER INSERT ON campaign_stat_deltas
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION campaign_stat_deltas_fold();
