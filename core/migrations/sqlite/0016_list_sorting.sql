-- The list sorts by priority and by deadline ("Plazo") with keyset paging on (column, id),
-- and filters by requester: an index each, so a deep page reads a page's rows. The date
-- sort and range use releases_by_created (0001).
CREATE INDEX releases_by_priority ON releases (priority, id);
CREATE INDEX releases_by_planned_end ON releases (planned_end, id);
CREATE INDEX releases_by_requester ON releases (requester_id, id);
