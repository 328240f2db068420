-- 0001: galleries, posts, comments and the count history of posts.
--
-- Times: every *_seen_at, updated_at and counts_changed_at is a crawl time (the
-- crawled_at of the item that showed it), not the database clock, so replaying
-- the same items changes nothing and the history is ordered as the crawler saw it.

CREATE TABLE galleries (
    gallery_id    text PRIMARY KEY,
    kind          text,                 -- "major" | "minor" | "mini" | "person"; NULL until a post shows it
    title         text,                 -- the gallery's display name, when something records it
    first_seen_at timestamptz NOT NULL,
    last_seen_at  timestamptz NOT NULL
);

CREATE TABLE posts (
    gallery_id        text        NOT NULL,
    post_no           bigint      NOT NULL,
    gallery_kind      text,
    title             text,
    head              text,
    writer_nick       text,
    writer_uid        text,
    writer_ip         text,
    created_at        timestamptz,
    views             integer,
    recommend         integer,
    downvotes         integer,      -- NULL where the gallery has no downvote box
    comment_count     integer,
    body_text         text,
    body_html         text,
    image_urls        text[],
    is_deleted        boolean     NOT NULL DEFAULT false,
    url               text,
    crawled_at        timestamptz NOT NULL,  -- the crawl whose values the row holds
    first_seen_at     timestamptz NOT NULL,
    last_seen_at      timestamptz NOT NULL,
    updated_at        timestamptz NOT NULL,  -- when title/body/writer/... last changed
    counts_changed_at timestamptz NOT NULL,  -- when views/recommend/downvotes/comment_count last changed
    PRIMARY KEY (gallery_id, post_no)
);

-- Newest posts of a gallery use the primary key (post numbers grow with time).
-- Posts of a period, per gallery or across galleries: most viewed / most commented,
-- activity per hour of day (an index-only scan on this index).
CREATE INDEX posts_gallery_created_idx ON posts (gallery_id, created_at);
CREATE INDEX posts_created_idx ON posts (created_at);
-- Top writers: members by login id, anonymous writers by IP prefix.
CREATE INDEX posts_writer_uid_idx ON posts (gallery_id, writer_uid) WHERE writer_uid IS NOT NULL;
CREATE INDEX posts_writer_ip_idx ON posts (gallery_id, writer_ip) WHERE writer_ip IS NOT NULL;
-- Deleted posts (few, so a small partial index).
CREATE INDEX posts_deleted_idx ON posts (gallery_id, post_no) WHERE is_deleted;
-- No index contains a count or a *_seen_at column: a re-crawl that only moves
-- those stays a HOT update (no index writes).

-- No foreign key to posts: a post's comments can be written in a batch before the
-- post itself (the comment endpoint answers before or without the view page, the
-- post may fail to parse or be gone), and a crawl of comments alone must not fail.
CREATE TABLE comments (
    gallery_id    text        NOT NULL,
    post_no       bigint      NOT NULL,
    comment_no    bigint      NOT NULL,
    parent_no     bigint,               -- the comment a reply answers
    writer_nick   text,
    writer_uid    text,
    writer_ip     text,
    created_at    timestamptz,
    body_text     text,                 -- NULL for dccon-only comments
    dccon_url     text,
    is_deleted    boolean     NOT NULL DEFAULT false,
    crawled_at    timestamptz NOT NULL,
    first_seen_at timestamptz NOT NULL,
    last_seen_at  timestamptz NOT NULL,
    updated_at    timestamptz NOT NULL,
    PRIMARY KEY (gallery_id, post_no, comment_no)
);
-- A post's thread in order is a range of the primary key.

-- One row per crawl that saw a post's counts differ from the last stored ones,
-- and one for the first sighting, so growth curves start at the first crawl.
-- Re-crawling a post whose counts did not move adds nothing.
CREATE TABLE post_snapshots (
    gallery_id    text        NOT NULL,
    post_no       bigint      NOT NULL,
    seen_at       timestamptz NOT NULL,  -- crawled_at of the crawl that saw these counts
    views         integer,
    recommend     integer,
    downvotes     integer,
    comment_count integer,
    PRIMARY KEY (gallery_id, post_no, seen_at)
);
-- Posts whose counts grew fastest within a period start from the period's snapshots.
CREATE INDEX post_snapshots_seen_idx ON post_snapshots (seen_at);
