-- SPEC §4.9 stats kept in the transaction that changes a campaign's numbers (db/queries/stats.ts reads
-- them). Statement-level triggers with transition tables: a 500,000-row snapshot or a drain that
-- finalises every number costs one aggregate, not one update per row. Every change of a statement is
-- applied in one INSERT ordered by key, so two transactions moving numbers in opposite directions
-- (retry -> in-progress and in-progress -> retry) lock the counter rows in the same order and cannot
-- deadlock.
CREATE FUNCTION campaign_stat_counts_apply() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    INSERT INTO campaign_stat_counts AS t (campaign_id, stripe, status, last_status, n)
    SELECT campaign_id, position % 16, status, coalesce(last_status, ''), count(*)
      FROM new_rows GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4
    ON CONFLICT (campaign_id, stripe, status, last_status) DO UPDATE SET n = t.n + excluded.n;
  ELSIF TG_OP = 'DELETE' THEN
    INSERT INTO campaign_stat_counts AS t (campaign_id, stripe, status, last_status, n)
    SELECT campaign_id, position % 16, status, coalesce(last_status, ''), -count(*)
      FROM old_rows GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4
    ON CONFLICT (campaign_id, stripe, status, last_status) DO UPDATE SET n = t.n + excluded.n;
  ELSE
    -- Only rows whose status or last attempt status changed move a count (the key never changes).
    INSERT INTO campaign_stat_counts AS t (campaign_id, stripe, status, last_status, n)
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
    HAVING sum(delta) <> 0
     ORDER BY 1, 2, 3, 4
    ON CONFLICT (campaign_id, stripe, status, last_status) DO UPDATE SET n = t.n + excluded.n;
  END IF;
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER campaign_stat_counts_insert AFTER INSERT ON campaign_numbers
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION campaign_stat_counts_apply();
--> statement-breakpoint
CREATE TRIGGER campaign_stat_counts_update AFTER UPDATE ON campaign_numbers
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION campaign_stat_counts_apply();
--> statement-breakpoint
CREATE TRIGGER campaign_stat_counts_delete AFTER DELETE ON campaign_numbers
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION campaign_stat_counts_apply();
--> statement-breakpoint
-- Numbers written before these triggers existed.
INSERT INTO campaign_stat_counts (campaign_id, stripe, status, last_status, n)
SELECT campaign_id, position % 16, status, coalesce(last_status, ''), count(*)
  FROM campaign_numbers GROUP BY 1, 2, 3, 4;
