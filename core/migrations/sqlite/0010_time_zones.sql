-- Each user's time zone (an IANA name; NULL until chosen: the server's default zone holds
-- meanwhile) and language (es or pt; NULL: the page's language stays as chosen).
ALTER TABLE users ADD COLUMN time_zone TEXT;
ALTER TABLE users ADD COLUMN language TEXT;
