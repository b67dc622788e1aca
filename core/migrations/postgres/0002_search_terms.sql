-- Word-prefix search for the catalogues (and later the releases): each item's folded title
-- words, so "migr" finds "Migración" through an index range scan, also at 100,000 items.
CREATE TABLE search_terms (
    kind    TEXT   NOT NULL,
    term    TEXT   COLLATE "C" NOT NULL,
    item_id BIGINT NOT NULL,
    PRIMARY KEY (kind, term, item_id)
);
CREATE INDEX search_terms_by_item ON search_terms (kind, item_id);
