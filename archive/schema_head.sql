-- luutru archive schema at revision 0012
CREATE TABLE alembic_version (
	version_num VARCHAR(32) NOT NULL, 
	CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num)
);
CREATE TABLE runs (
	id INTEGER NOT NULL, 
	site VARCHAR(100) NOT NULL, 
	"trigger" VARCHAR(16) NOT NULL, 
	started_at VARCHAR(40) NOT NULL, 
	finished_at VARCHAR(40), 
	status VARCHAR(32) NOT NULL, 
	stats TEXT, 
	log_path TEXT, pid INTEGER, host VARCHAR(255), mode VARCHAR(16), reasons TEXT, 
	CONSTRAINT pk_runs PRIMARY KEY (id), 
	CONSTRAINT ck_runs_trigger CHECK ("trigger" IN ('manual', 'schedule'))
);
CREATE TABLE articles (
	id INTEGER NOT NULL, 
	site VARCHAR(100) NOT NULL, 
	article_key VARCHAR(255) NOT NULL, 
	canonical_url TEXT NOT NULL, 
	first_seen VARCHAR(40) NOT NULL, 
	last_seen VARCHAR(40) NOT NULL, 
	status VARCHAR(16) DEFAULT 'live' NOT NULL, 
	removed_at VARCHAR(40), etag TEXT, last_modified TEXT, last_checked VARCHAR(40), gone_count INTEGER DEFAULT '0' NOT NULL, listing_sig VARCHAR(40), 
	CONSTRAINT pk_articles PRIMARY KEY (id), 
	CONSTRAINT uq_articles_site_article_key UNIQUE (site, article_key), 
	CONSTRAINT ck_articles_status CHECK (status IN ('live', 'removed'))
);
CREATE TABLE aliases (
	id INTEGER NOT NULL, 
	article_id INTEGER NOT NULL, 
	url TEXT NOT NULL, 
	first_seen VARCHAR(40) NOT NULL, 
	CONSTRAINT pk_aliases PRIMARY KEY (id), 
	CONSTRAINT fk_aliases_article_id_articles FOREIGN KEY(article_id) REFERENCES articles (id) ON DELETE RESTRICT, 
	CONSTRAINT uq_aliases_url UNIQUE (url)
);
CREATE TABLE versions (
	id INTEGER NOT NULL, 
	article_id INTEGER NOT NULL, 
	number INTEGER NOT NULL, 
	run_id INTEGER, 
	fetched_at VARCHAR(40) NOT NULL, 
	content_hash VARCHAR(64) NOT NULL, 
	title TEXT NOT NULL, 
	date VARCHAR(10), 
	datetime VARCHAR(40), 
	author TEXT, 
	source TEXT, 
	summary TEXT, 
	body TEXT NOT NULL, 
	body_html TEXT DEFAULT '' NOT NULL, 
	category TEXT, 
	attachments TEXT DEFAULT '[]' NOT NULL, 
	http_status INTEGER, 
	etag TEXT, 
	last_modified TEXT, 
	fetched_url TEXT, 
	warc_file TEXT, 
	warc_offset INTEGER, warc_length INTEGER, payload_digest TEXT, minhash BLOB, body_html_zst BLOB, extraction VARCHAR(200), 
	CONSTRAINT pk_versions PRIMARY KEY (id), 
	CONSTRAINT fk_versions_article_id_articles FOREIGN KEY(article_id) REFERENCES articles (id) ON DELETE RESTRICT, 
	CONSTRAINT fk_versions_run_id_runs FOREIGN KEY(run_id) REFERENCES runs (id) ON DELETE RESTRICT, 
	CONSTRAINT uq_versions_article_id_number UNIQUE (article_id, number), 
	CONSTRAINT ck_versions_number_positive CHECK (number >= 1)
);
CREATE TABLE captures (
	id INTEGER NOT NULL, 
	article_id INTEGER NOT NULL, 
	run_id INTEGER, 
	version_id INTEGER, 
	fetched_at VARCHAR(40) NOT NULL, 
	fetched_url TEXT NOT NULL, 
	http_status INTEGER, 
	outcome VARCHAR(16) NOT NULL, 
	warc_file TEXT, 
	warc_offset INTEGER, 
	warc_length INTEGER, 
	payload_digest TEXT, 
	CONSTRAINT pk_captures PRIMARY KEY (id), 
	CONSTRAINT fk_captures_article_id_articles FOREIGN KEY(article_id) REFERENCES articles (id) ON DELETE RESTRICT, 
	CONSTRAINT fk_captures_run_id_runs FOREIGN KEY(run_id) REFERENCES runs (id) ON DELETE RESTRICT, 
	CONSTRAINT fk_captures_version_id_versions FOREIGN KEY(version_id) REFERENCES versions (id) ON DELETE RESTRICT, 
	CONSTRAINT ck_captures_outcome CHECK (outcome IN ('new', 'updated', 'unchanged', 'not_modified', 'gone', 'alias'))
);
CREATE TABLE dead_links (
	id INTEGER NOT NULL, 
	site VARCHAR(100) NOT NULL, 
	article_key VARCHAR(255) NOT NULL, 
	url TEXT NOT NULL, 
	reason VARCHAR(32) NOT NULL, 
	first_seen VARCHAR(40) NOT NULL, 
	last_checked VARCHAR(40) NOT NULL, 
	times INTEGER DEFAULT '1' NOT NULL, 
	CONSTRAINT pk_dead_links PRIMARY KEY (id), 
	CONSTRAINT uq_dead_links_site_article_key UNIQUE (site, article_key)
);
CREATE TABLE key_aliases (
	id INTEGER NOT NULL, 
	site VARCHAR(100) NOT NULL, 
	article_key VARCHAR(255) NOT NULL, 
	article_id INTEGER NOT NULL, 
	first_seen VARCHAR(40) NOT NULL, 
	CONSTRAINT pk_key_aliases PRIMARY KEY (id), 
	CONSTRAINT fk_key_aliases_article_id_articles FOREIGN KEY(article_id) REFERENCES articles (id) ON DELETE RESTRICT, 
	CONSTRAINT uq_key_aliases_site_article_key UNIQUE (site, article_key)
);
CREATE TABLE near_duplicates (
	id INTEGER NOT NULL, 
	version_id INTEGER NOT NULL, 
	other_version_id INTEGER NOT NULL, 
	similarity FLOAT NOT NULL, 
	found_at VARCHAR(40) NOT NULL, 
	CONSTRAINT pk_near_duplicates PRIMARY KEY (id), 
	CONSTRAINT fk_near_duplicates_version_id_versions FOREIGN KEY(version_id) REFERENCES versions (id) ON DELETE RESTRICT, 
	CONSTRAINT fk_near_duplicates_other_version_id_versions FOREIGN KEY(other_version_id) REFERENCES versions (id) ON DELETE RESTRICT, 
	CONSTRAINT uq_near_duplicates_version_id_other_version_id UNIQUE (version_id, other_version_id)
);
CREATE TABLE leases (
	site VARCHAR(100) NOT NULL, 
	holder VARCHAR(255) NOT NULL, 
	host VARCHAR(255) NOT NULL, 
	pid INTEGER NOT NULL, 
	acquired_at VARCHAR(40) NOT NULL, 
	expires_at VARCHAR(40) NOT NULL, 
	CONSTRAINT pk_leases PRIMARY KEY (site)
);
CREATE TABLE sites (
	id VARCHAR(100) NOT NULL, 
	name TEXT, 
	province TEXT, 
	department TEXT, 
	CONSTRAINT pk_sites PRIMARY KEY (id)
);
CREATE TABLE search_docs (
	id INTEGER NOT NULL, 
	version_id INTEGER NOT NULL, 
	article_id INTEGER NOT NULL, 
	is_current INTEGER NOT NULL, 
	site VARCHAR(100) NOT NULL, 
	date VARCHAR(10), 
	author_folded TEXT, 
	category_folded TEXT, 
	CONSTRAINT pk_search_docs PRIMARY KEY (id), 
	CONSTRAINT fk_search_docs_version_id_versions FOREIGN KEY(version_id) REFERENCES versions (id) ON DELETE RESTRICT, 
	CONSTRAINT fk_search_docs_article_id_articles FOREIGN KEY(article_id) REFERENCES articles (id) ON DELETE RESTRICT, 
	CONSTRAINT uq_search_docs_version_id UNIQUE (version_id)
);
CREATE VIRTUAL TABLE search_folded USING fts5(title, summary, body, content='', tokenize='unicode61 remove_diacritics 0');
CREATE VIRTUAL TABLE search_exact USING fts5(title, summary, body, content='', tokenize='unicode61 remove_diacritics 0');
CREATE TABLE attachments (
	id INTEGER NOT NULL, 
	site VARCHAR(100) NOT NULL, 
	url TEXT NOT NULL, 
	first_seen VARCHAR(40) NOT NULL, 
	last_seen VARCHAR(40), 
	last_checked VARCHAR(40), 
	etag TEXT, 
	last_modified TEXT, 
	note TEXT, 
	CONSTRAINT pk_attachments PRIMARY KEY (id), 
	CONSTRAINT uq_attachments_site_url UNIQUE (site, url)
);
CREATE TABLE attachment_versions (
	id INTEGER NOT NULL, 
	attachment_id INTEGER NOT NULL, 
	number INTEGER NOT NULL, 
	run_id INTEGER, 
	fetched_at VARCHAR(40) NOT NULL, 
	fetched_url TEXT NOT NULL, 
	http_status INTEGER, 
	sha256 VARCHAR(64) NOT NULL, 
	size INTEGER NOT NULL, 
	content_type VARCHAR(200), 
	filename TEXT NOT NULL, 
	kind VARCHAR(16), 
	text TEXT, 
	text_status VARCHAR(32) NOT NULL, 
	text_note TEXT, 
	warc_file TEXT, 
	warc_offset INTEGER, 
	warc_length INTEGER, 
	payload_digest TEXT, 
	CONSTRAINT pk_attachment_versions PRIMARY KEY (id), 
	CONSTRAINT fk_attachment_versions_attachment_id_attachments FOREIGN KEY(attachment_id) REFERENCES attachments (id) ON DELETE RESTRICT, 
	CONSTRAINT fk_attachment_versions_run_id_runs FOREIGN KEY(run_id) REFERENCES runs (id) ON DELETE RESTRICT, 
	CONSTRAINT uq_attachment_versions_attachment_id_number UNIQUE (attachment_id, number), 
	CONSTRAINT ck_attachment_versions_number_positive CHECK (number >= 1)
);
CREATE TABLE article_attachments (
	id INTEGER NOT NULL, 
	article_id INTEGER NOT NULL, 
	attachment_id INTEGER NOT NULL, 
	first_seen VARCHAR(40) NOT NULL, 
	CONSTRAINT pk_article_attachments PRIMARY KEY (id), 
	CONSTRAINT fk_article_attachments_article_id_articles FOREIGN KEY(article_id) REFERENCES articles (id) ON DELETE RESTRICT, 
	CONSTRAINT fk_article_attachments_attachment_id_attachments FOREIGN KEY(attachment_id) REFERENCES attachments (id) ON DELETE RESTRICT, 
	CONSTRAINT uq_article_attachments_article_id_attachment_id UNIQUE (article_id, attachment_id)
);
CREATE INDEX ix_articles_site_status ON articles (site, status);
CREATE INDEX ix_aliases_article_id ON aliases (article_id);
CREATE INDEX ix_versions_run_id ON versions (run_id);
CREATE INDEX ix_versions_content_hash ON versions (content_hash);
CREATE INDEX ix_captures_article_id ON captures (article_id);
CREATE INDEX ix_captures_run_id ON captures (run_id);
CREATE INDEX ix_search_docs_article_id ON search_docs (article_id);
CREATE INDEX ix_search_docs_current_date ON search_docs (is_current, date);
CREATE INDEX ix_attachment_versions_run_id ON attachment_versions (run_id);
CREATE INDEX ix_article_attachments_attachment_id ON article_attachments (attachment_id);
CREATE INDEX ix_near_duplicates_other_version_id ON near_duplicates (other_version_id);
INSERT INTO alembic_version (version_num) VALUES ('0012');
