-- 0009: substring search in Korean titles and bodies that is fast for words of any length,
-- and indexes that keep the README's queries under 100 ms at 300,000 posts and 3,000,000
-- comments (bench/querytimes.py; bench/RESULTS.md).
--
-- Korean words are mostly two syllables (치킨, 생각), and pg_trgm needs three characters to
-- make a trigram: `title ILIKE '%치킨%'` with a trigram index is slower than without one
-- (the planner uses it and rechecks every row); pg_bigm, made for this, is not on stock
-- servers nor in the embedded one. So the index here is over character *bigrams*, built
-- with plain SQL on any PostgreSQL:
--
--   dc_bigrams(text)        the set of two-character substrings of lower(text) || ' ' as a
--                           tsvector (the trailing space gives the last character a bigram,
--                           so a one-character query can match by prefix);
--   dc_bigram_query(word)   the bigrams of lower(word) AND-ed as a tsquery (a one-character
--                           word: every bigram starting with it, 'x':*).
--
-- A text that contains the word contains every bigram of it, so
--   dc_bigrams(title) @@ dc_bigram_query(word) AND title ILIKE dc_like_pattern(word)
-- returns exactly the rows of the ILIKE alone: the index narrows, ILIKE decides. For a
-- two-syllable word the index is exact already. (ILIKE compares lower() of both sides,
-- the same lower() as here.) The query is dccrawl.db.queries.SEARCH_POSTS (`python -m
-- dccrawl search`): one branch per index, so dc_bigrams() is never computed on a row.
--
-- The bigrams come from two regexp passes (pairs at odd, then even positions): substr(t, i, 2)
-- in a loop is quadratic on multibyte text (1.9 ms for a 360-character body against 0.12 ms).
-- Building the indexes reads every title and body once: about a minute at 300,000 posts,
-- during which this migration holds its lock (the crawl that applies it waits).

-- COST: ~0.1 ms for a body; declared dear so that the planner always reaches a text through
-- the index and never computes it per row in a scan (a sequential scan would cost seconds).
CREATE FUNCTION dc_bigrams(t text) RETURNS tsvector
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE COST 1000 AS $$
    SELECT coalesce(array_to_tsvector(array_agg(m[1])), ''::tsvector)
    FROM (SELECT lower(t) || ' ' AS s) AS x,
         LATERAL (SELECT regexp_matches(x.s, '..', 'g')
                  UNION ALL
                  SELECT regexp_matches(substr(x.s, 2), '..', 'g')) AS pairs(m)
$$;

CREATE FUNCTION dc_bigram_query(word text) RETURNS tsquery
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT CASE
        WHEN char_length(word) = 0 THEN NULL
        WHEN char_length(word) = 1 THEN
            ('''' || replace(replace(lower(word), '\', '\\'), '''', '''''') || ''':*')::tsquery
        ELSE (
            SELECT string_agg(
                       '''' || replace(replace(m[1], '\', '\\'), '''', '''''') || '''', ' & ')
                   ::tsquery
            FROM (SELECT lower(word) AS s) AS x,
                 LATERAL (SELECT regexp_matches(x.s, '..', 'g')
                          UNION ALL
                          SELECT regexp_matches(substr(x.s, 2), '..', 'g')) AS pairs(m)
        )
    END
$$;

-- The ILIKE pattern that finds a word as it is typed: '%' and '_' in it are no wildcards.
CREATE FUNCTION dc_like_pattern(word text) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT '%' || replace(replace(replace(word, '\', '\\'), '%', '\%'), '_', '\_') || '%'
$$;

CREATE INDEX posts_title_bigrams_idx ON posts USING gin (dc_bigrams(title));
CREATE INDEX posts_body_bigrams_idx ON posts USING gin (dc_bigrams(body_text));

-- Top members and top anonymous prefixes count a gallery's posts per writer from the index
-- alone (an index-only scan): the member index carries post_no (the latest nick is then
-- one primary-key lookup per listed writer), the anonymous one the nick. Still no count
-- and no *_seen_at column in any index (0001): a re-crawl that moves only those stays a
-- HOT update. The views a member's posts gathered are summed for the listed writers only.
DROP INDEX posts_writer_uid_idx;
CREATE INDEX posts_writer_uid_idx ON posts (gallery_id, writer_uid) INCLUDE (post_no)
    WHERE writer_uid IS NOT NULL;
DROP INDEX posts_writer_ip_idx;
CREATE INDEX posts_writer_ip_idx ON posts (gallery_id, writer_ip) INCLUDE (writer_nick)
    WHERE writer_ip IS NOT NULL;

-- "Grew fastest" reads one gallery's snapshots of a period (it read every gallery's): this
-- index replaces the one on seen_at alone, which no query needs any more.
CREATE INDEX post_snapshots_gallery_seen_idx ON post_snapshots (gallery_id, seen_at);
DROP INDEX post_snapshots_seen_idx;

-- The fixed-nick (고정닉) members' comments of a period: "top fixed-nick writers" counts
-- them per member from this index alone (it read every comment of the gallery before: 450 ms
-- at 3,000,000 comments). Partial, so only those comments (about a third) pay for it on
-- the write path: 43 MB at 3,000,000 comments, where one over every comment took 274 MB.
-- Neither column is a count, so comment updates stay HOT.
CREATE INDEX comments_fixed_idx ON comments (gallery_id, created_at) INCLUDE (writer_uid)
    WHERE writer_class = 'fixed';
