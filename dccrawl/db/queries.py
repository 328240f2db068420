"""The read-side questions the schema is built to answer, as parameterized SQL.

These are the queries the README shows; each names the index that serves it
(migration 0001), and ``tests/db/test_db_queries.py`` runs every one and checks the
planner can use that index. Parameters are psycopg named placeholders
(``%(gallery_id)s``); run them with ``conn.execute(QUERY, params)``.

Times are ``timestamptz``; hours of the day are counted in KST, the site's zone.
"""

from __future__ import annotations

# Newest posts of a gallery (the primary key, scanned backwards: post numbers grow).
NEWEST_POSTS = """
SELECT post_no, title, writer_nick, created_at, views, recommend, comment_count
FROM posts
WHERE gallery_id = %(gallery_id)s AND NOT is_deleted
ORDER BY post_no DESC
LIMIT %(limit)s
"""

# Most viewed posts written in [since, until) (posts_gallery_created_idx).
MOST_VIEWED = """
SELECT post_no, title, writer_nick, created_at, views, recommend, comment_count
FROM posts
WHERE gallery_id = %(gallery_id)s AND created_at >= %(since)s AND created_at < %(until)s
ORDER BY views DESC NULLS LAST, post_no DESC
LIMIT %(limit)s
"""

# Most commented posts written in [since, until) (posts_gallery_created_idx).
MOST_COMMENTED = """
SELECT post_no, title, writer_nick, created_at, views, recommend, comment_count
FROM posts
WHERE gallery_id = %(gallery_id)s AND created_at >= %(since)s AND created_at < %(until)s
ORDER BY comment_count DESC NULLS LAST, post_no DESC
LIMIT %(limit)s
"""

# Posts per hour of the day (KST) in [since, until): an index-only scan of
# posts_gallery_created_idx. Hours without posts are listed with 0.
ACTIVITY_BY_HOUR = """
WITH counted AS (
    SELECT extract(hour FROM created_at AT TIME ZONE 'Asia/Seoul')::int AS hour, count(*) AS posts
    FROM posts
    WHERE gallery_id = %(gallery_id)s AND created_at >= %(since)s AND created_at < %(until)s
    GROUP BY 1
)
SELECT h.hour, coalesce(c.posts, 0) AS posts
FROM generate_series(0, 23) AS h(hour)
LEFT JOIN counted c USING (hour)
ORDER BY h.hour
"""

# Members who wrote the most posts (posts_writer_uid_idx), with their latest nick.
TOP_MEMBERS = """
SELECT writer_uid,
       (array_agg(writer_nick ORDER BY post_no DESC))[1] AS writer_nick,
       count(*) AS posts,
       sum(views) AS views
FROM posts
WHERE gallery_id = %(gallery_id)s AND writer_uid IS NOT NULL
GROUP BY writer_uid
ORDER BY posts DESC, writer_uid
LIMIT %(limit)s
"""

# Anonymous writers by IP prefix (posts_writer_ip_idx). A prefix is shared by
# many people (a mobile carrier's range): it counts a crowd, not a person.
TOP_ANONYMOUS_PREFIXES = """
SELECT writer_ip, count(*) AS posts, count(DISTINCT writer_nick) AS nicks
FROM posts
WHERE gallery_id = %(gallery_id)s AND writer_ip IS NOT NULL
GROUP BY writer_ip
ORDER BY posts DESC, writer_ip
LIMIT %(limit)s
"""

# A post's comments in reading order: each comment followed by its replies
# (a range of the comments primary key). A reply whose parent was never stored
# still sorts where its parent would be.
COMMENT_THREAD = """
SELECT comment_no, parent_no, parent_no IS NOT NULL AS is_reply,
       writer_nick, writer_uid, writer_ip, created_at, body_text, dccon_url, is_deleted
FROM comments
WHERE gallery_id = %(gallery_id)s AND post_no = %(post_no)s
ORDER BY coalesce(parent_no, comment_no), parent_no IS NOT NULL, comment_no
"""

# Posts whose views grew fastest between their first and last snapshot in
# [since, until) (post_snapshots_seen_idx). Snapshots are recorded when counts
# change, so a post needs two sightings with different counts in the period.
FASTEST_GROWING = """
WITH period AS (
    SELECT gallery_id, post_no,
           min(seen_at) AS first_seen,
           max(seen_at) AS last_seen,
           (array_agg(views ORDER BY seen_at))[1] AS views_first,
           (array_agg(views ORDER BY seen_at DESC))[1] AS views_last,
           (array_agg(comment_count ORDER BY seen_at DESC))[1]
             - (array_agg(comment_count ORDER BY seen_at))[1] AS comments_gained
    FROM post_snapshots
    WHERE seen_at >= %(since)s AND seen_at < %(until)s
    GROUP BY gallery_id, post_no
    HAVING count(*) > 1
)
SELECT g.gallery_id, g.post_no, p.title,
       g.views_last - g.views_first AS views_gained,
       g.comments_gained,
       round((g.views_last - g.views_first)
             / (extract(epoch FROM g.last_seen - g.first_seen) / 3600), 1) AS views_per_hour
FROM period g
JOIN posts p USING (gallery_id, post_no)
ORDER BY views_per_hour DESC NULLS LAST, g.gallery_id, g.post_no
LIMIT %(limit)s
"""

# How one post's counts grew over its first day: every snapshot (a crawl or refresh that
# saw them change) within 24 hours of its creation, with the post's age at each.
FIRST_DAY = """
SELECT s.seen_at, s.seen_at - p.created_at AS age,
       s.views, s.recommend, s.downvotes, s.comment_count
FROM post_snapshots s
JOIN posts p USING (gallery_id, post_no)
WHERE s.gallery_id = %(gallery_id)s AND s.post_no = %(post_no)s
  AND s.seen_at < p.created_at + interval '1 day'
ORDER BY s.seen_at
"""

# Posts written since a time that gained the most comments since (their snapshots' first
# and last comment counts; posts_gallery_created_idx finds the posts).
GAINED_COMMENTS = """
SELECT p.post_no, p.title, p.created_at,
       (array_agg(s.comment_count ORDER BY s.seen_at))[1] AS comments_first_seen,
       p.comment_count AS comments_now,
       p.comment_count - (array_agg(s.comment_count ORDER BY s.seen_at))[1] AS gained
FROM posts p
JOIN post_snapshots s USING (gallery_id, post_no)
WHERE p.gallery_id = %(gallery_id)s AND p.created_at >= %(since)s AND NOT p.is_deleted
GROUP BY p.gallery_id, p.post_no
HAVING p.comment_count > (array_agg(s.comment_count ORDER BY s.seen_at))[1]
ORDER BY gained DESC, p.post_no DESC
LIMIT %(limit)s
"""

# Deleted posts of a gallery, newest first (posts_deleted_idx); their last
# known title and body are kept. updated_at is the crawl that saw the deletion
# (or a later edit of a restored post).
DELETED_POSTS = """
SELECT post_no, title, writer_nick, created_at, updated_at, body_text
FROM posts
WHERE gallery_id = %(gallery_id)s AND is_deleted
ORDER BY post_no DESC
LIMIT %(limit)s
"""

# A gallery's notices (pinned announcements and rules), newest first (posts_notice_idx).
NOTICES = """
SELECT post_no, title, writer_nick, writer_class, created_at, comment_count
FROM posts
WHERE gallery_id = %(gallery_id)s AND is_notice
ORDER BY post_no DESC
"""

# What the gallery's staff wrote in a period: managers, sub-managers, the site's operator
# (posts_staff_idx).
STAFF_POSTS = """
SELECT post_no, title, writer_nick, writer_uid, writer_class, created_at, views, comment_count
FROM posts
WHERE gallery_id = %(gallery_id)s
  AND writer_class IN ('manager', 'sub_manager', 'operator')
  AND created_at >= %(since)s AND created_at < %(until)s
ORDER BY created_at DESC
LIMIT %(limit)s
"""

# The most active fixed-nick (고정닉) writers of a period, posts and comments together.
TOP_FIXED_NICKS = """
WITH activity AS (
    SELECT writer_uid, writer_nick, post_no AS n, 1 AS posts, 0 AS comments
    FROM posts
    WHERE gallery_id = %(gallery_id)s AND writer_class = 'fixed'
      AND created_at >= %(since)s AND created_at < %(until)s
    UNION ALL
    SELECT writer_uid, writer_nick, comment_no, 0, 1
    FROM comments
    WHERE gallery_id = %(gallery_id)s AND writer_class = 'fixed'
      AND created_at >= %(since)s AND created_at < %(until)s
)
SELECT writer_uid,
       (array_agg(writer_nick ORDER BY n DESC))[1] AS writer_nick,
       sum(posts) AS posts,
       sum(comments) AS comments
FROM activity
GROUP BY writer_uid
ORDER BY sum(posts) + sum(comments) DESC, writer_uid
LIMIT %(limit)s
"""

ALL: dict[str, str] = {
    "newest_posts": NEWEST_POSTS,
    "most_viewed": MOST_VIEWED,
    "most_commented": MOST_COMMENTED,
    "activity_by_hour": ACTIVITY_BY_HOUR,
    "top_members": TOP_MEMBERS,
    "top_anonymous_prefixes": TOP_ANONYMOUS_PREFIXES,
    "comment_thread": COMMENT_THREAD,
    "fastest_growing": FASTEST_GROWING,
    "first_day": FIRST_DAY,
    "gained_comments": GAINED_COMMENTS,
    "deleted_posts": DELETED_POSTS,
    "notices": NOTICES,
    "staff_posts": STAFF_POSTS,
    "top_fixed_nicks": TOP_FIXED_NICKS,
}
