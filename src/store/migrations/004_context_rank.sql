-- 004_context_rank: corpus statistics for the code-context ranking (src/engine/context_rank.c).
-- Both stores only find candidates (full-text match); the score is computed in C (BM25F over the
-- six word columns), so SQLite and PostgreSQL rank alike. BM25F needs each column's average
-- length: every context_files row keeps the word counts of its symbols' columns, and the head
-- row of context_heads their totals over the head scope (kept in the transaction that rewrites
-- the files). The index is a cache of git: it is dropped here and rebuilt, with its statistics,
-- by the next query of each repository.
ALTER TABLE context_files ADD COLUMN w_name BIGINT NOT NULL DEFAULT 0;
ALTER TABLE context_files ADD COLUMN w_qname BIGINT NOT NULL DEFAULT 0;
ALTER TABLE context_files ADD COLUMN w_sig BIGINT NOT NULL DEFAULT 0;
ALTER TABLE context_files ADD COLUMN w_doc BIGINT NOT NULL DEFAULT 0;
ALTER TABLE context_files ADD COLUMN w_path BIGINT NOT NULL DEFAULT 0;
ALTER TABLE context_files ADD COLUMN w_body BIGINT NOT NULL DEFAULT 0;
ALTER TABLE context_heads ADD COLUMN nsym BIGINT NOT NULL DEFAULT 0;
ALTER TABLE context_heads ADD COLUMN w_name BIGINT NOT NULL DEFAULT 0;
ALTER TABLE context_heads ADD COLUMN w_qname BIGINT NOT NULL DEFAULT 0;
ALTER TABLE context_heads ADD COLUMN w_sig BIGINT NOT NULL DEFAULT 0;
ALTER TABLE context_heads ADD COLUMN w_doc BIGINT NOT NULL DEFAULT 0;
ALTER TABLE context_heads ADD COLUMN w_path BIGINT NOT NULL DEFAULT 0;
ALTER TABLE context_heads ADD COLUMN w_body BIGINT NOT NULL DEFAULT 0;
DELETE FROM context_calls;
DELETE FROM context_imports;
DELETE FROM context_symbols;
DELETE FROM context_files;
DELETE FROM context_heads;
