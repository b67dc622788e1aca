-- The deadline clock stops while a release waits for review and once it is closed or
-- cancelled (`Status::stops_clock`): `clock_stopped_at` says since when. When the work goes
-- on (sent back from review, reopened), the time it stood still joins `suspended_seconds`,
-- which so holds every pause that no longer counts: suspensions and waits for review.
ALTER TABLE releases ADD COLUMN clock_stopped_at BIGINT;

-- Releases already waiting or finished: stopped when they were resolved (the Closure's
-- release date), else at their last change.
UPDATE releases
   SET clock_stopped_at = COALESCE((SELECT c.release_date FROM closures c WHERE c.release_id = releases.id), updated_at)
 WHERE status IN ('resolved', 'not_resolved', 'closed', 'cancelled');
