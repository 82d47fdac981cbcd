-- 006_context_words: the code-context index writes a word holding a non-ASCII byte as 'X' and
-- the hex of its bytes (engine/context_index.c, dk_ctx_words), so SQLite FTS5 and PostgreSQL
-- full-text search see ASCII words only and fold them alike; raw UTF-8 words were folded
-- differently by the two (diacritics, non-ASCII case) and found different candidates. The index
-- is a cache of git: it is dropped here and rebuilt by the next query of each repository.
DELETE FROM context_calls;
DELETE FROM context_imports;
DELETE FROM context_symbols;
DELETE FROM context_files;
DELETE FROM context_heads;
