-- The catalogues releases link to (problems, knowledge articles, definitive media, changes)
-- kept through the administration, as the named catalogues already are: every item has an
-- external code (a CSV import updates the item of the same code) and may be retired (kept
-- on the releases that link it, offered no more). Kept in step with
-- migrations/postgres/0010_catalogues.sql.
ALTER TABLE problems ADD COLUMN code TEXT;
ALTER TABLE problems ADD COLUMN active BIGINT NOT NULL DEFAULT 1;
UPDATE problems SET code = 'PRB-' || id;
CREATE UNIQUE INDEX problems_by_code ON problems (code);

ALTER TABLE knowledge_articles ADD COLUMN code TEXT;
ALTER TABLE knowledge_articles ADD COLUMN active BIGINT NOT NULL DEFAULT 1;
UPDATE knowledge_articles SET code = 'KB-' || id;
CREATE UNIQUE INDEX knowledge_articles_by_code ON knowledge_articles (code);

ALTER TABLE media_items ADD COLUMN code TEXT;
ALTER TABLE media_items ADD COLUMN active BIGINT NOT NULL DEFAULT 1;
UPDATE media_items SET code = 'DML-' || id;
CREATE UNIQUE INDEX media_items_by_code ON media_items (code);

ALTER TABLE changes ADD COLUMN code TEXT;
ALTER TABLE changes ADD COLUMN active BIGINT NOT NULL DEFAULT 1;
UPDATE changes SET code = 'CHG-' || id;
CREATE UNIQUE INDEX changes_by_code ON changes (code);
