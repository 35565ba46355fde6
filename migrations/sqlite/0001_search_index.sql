-- The full-text index of articles (src/search/index.ts): rowid = articles.id, each column holds the
-- text segmented by src/search/segment.ts (CJK bigrams + end unigram, Latin words whole). The
-- application writes it in the same transaction as the article, because SQL triggers cannot run the
-- segmenter. Contentless: the text lives in articles already, so the index keeps only its postings
-- (about half the size); contentless_delete=1 lets a row be deleted and re-inserted by rowid.
-- A database that already holds articles needs `masthead reindex` once after this migration.
CREATE VIRTUAL TABLE `articles_fts` USING fts5(title, subtitle, summary, body, tags, content='', contentless_delete=1, tokenize = 'unicode61 remove_diacritics 2');
--> statement-breakpoint
-- Everything a search filters on, next to the id: the search joins each match to this index
-- instead of to the articles table, whose rows (with their bodies) are far larger. At 10k articles,
-- ranking 天津 (every article) took ~400 ms through the table and ~40 ms through this index.
CREATE INDEX `articles_search_idx` ON `articles` (`id`, `status`, `published_at`, `deleted_at`, `section_id`, `source_id`);
