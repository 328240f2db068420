-- 0003: post_media, the files of posts downloaded with -a media=1|all (pipelines/media.py).
--
-- One row per file a post shows: its body images (kind 'image', position = 1-based order
-- in the body, as in posts.image_urls), its attachment list (kind 'attachment', position =
-- order in the list) and, with media=all, its comments' dccons (kind 'dccon', position =
-- the number of the comment showing it). Files are stored by content: stored_path is
-- full/<sha1[:2]>/<sha1>[.ext] under FILES_STORE, so a picture in many posts (or a post's
-- image and its attachment) is one file and many rows.
--
-- No foreign key to posts, for the reason comments have none: the media rows of a post can
-- be committed before the post's own batch.

CREATE TABLE post_media (
    gallery_id        text        NOT NULL,
    post_no           bigint      NOT NULL,
    kind              text        NOT NULL CHECK (kind IN ('image', 'attachment', 'dccon')),
    position          bigint      NOT NULL,
    source_url        text        NOT NULL,  -- the URL the page shows (downloaded with the post page as Referer)
    original_filename text,                  -- the attachment list's name, else the answer's Content-Disposition
    status            text        NOT NULL CHECK (status IN ('downloaded', 'failed')),
    failure           text,                  -- why, when failed: 'http 404', 'timeout: ...'
    stored_path       text,                  -- path under FILES_STORE (NULL when failed)
    sha1              text,                  -- hex sha1 of the file's bytes
    size              bigint,                -- bytes
    content_type      text,                  -- as the image host sent it
    fetched_at        timestamptz NOT NULL,  -- when this outcome was recorded
    PRIMARY KEY (gallery_id, post_no, kind, position),
    CHECK ((status = 'downloaded') = (stored_path IS NOT NULL AND sha1 IS NOT NULL)),
    CHECK ((status = 'failed') = (failure IS NOT NULL))
);

-- Before downloading, a crawl asks which of a post's URLs are stored already (= ANY).
-- A hash index: equality is all it needs, and it has no length limit on a URL.
CREATE INDEX post_media_source_url_idx ON post_media USING hash (source_url);
-- Where else is this file used?
CREATE INDEX post_media_sha1_idx ON post_media (sha1) WHERE sha1 IS NOT NULL;
