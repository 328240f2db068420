-- 0005: what the site shows besides, stored (issue 15): notices, 개념글, writer classes,
-- 고정닉 추천, videos; on comments the writer class, voice replies and app comments.
--
-- Every column is added without a default, so existing rows are not rewritten (a new
-- column is NULL, read as "not known": the rows were crawled before it existed). The
-- writer-class checks are NOT VALID for the same reason: they hold for every row written
-- from now on, and the old rows (all NULL) are not scanned.
--
-- writer_class vocabulary (dccrawl/site/writers.py): floating (유동, IP shown),
-- semi_fixed (반고닉), fixed (고정닉), manager (매니저), sub_manager (부매니저),
-- operator (운영자, the site's staff). NULL: the page showed none of these.
-- is_notice / is_recommended come from the list row: NULL for posts only ever read by
-- number (posts=A-B), kept as they were when such a crawl updates a post.

ALTER TABLE posts
    ADD COLUMN is_notice       boolean,  -- a pinned notice (공지): stored once, flagged
    ADD COLUMN is_recommended  boolean,  -- 개념글
    ADD COLUMN writer_class    text,
    ADD COLUMN recommend_fixed integer,  -- 고정닉 추천: the members' share of recommend
    ADD COLUMN video_urls      text[];   -- video players and embeds, in body order

ALTER TABLE posts ADD CONSTRAINT posts_writer_class_check CHECK (
    writer_class IN ('floating', 'semi_fixed', 'fixed', 'manager', 'sub_manager', 'operator')
) NOT VALID;

ALTER TABLE comments
    ADD COLUMN writer_class text,
    ADD COLUMN is_voice     boolean,     -- a voice reply (보이스리플)
    ADD COLUMN via_app      boolean;     -- written in the app (its "- dc App" mark)

ALTER TABLE comments ADD CONSTRAINT comments_writer_class_check CHECK (
    writer_class IN ('floating', 'semi_fixed', 'fixed', 'manager', 'sub_manager', 'operator')
) NOT VALID;

-- Uploaded videos downloaded with -a media=1: kind 'video', position = 1-based order among
-- the post's uploaded videos, source_url = the player page (posts.video_urls), the file
-- being the one that page plays.
ALTER TABLE post_media DROP CONSTRAINT post_media_kind_check;
ALTER TABLE post_media ADD CONSTRAINT post_media_kind_check
    CHECK (kind IN ('image', 'attachment', 'dccon', 'video')) NOT VALID;

-- A gallery's notices, and the posts of its staff (managers, sub-managers, operator):
-- few rows, so small partial indexes.
CREATE INDEX posts_notice_idx ON posts (gallery_id, post_no) WHERE is_notice;
CREATE INDEX posts_staff_idx ON posts (gallery_id, writer_class, created_at)
    WHERE writer_class IN ('manager', 'sub_manager', 'operator');
