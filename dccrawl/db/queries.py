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

# Members who wrote the most posts, with their latest nick and the views of their posts.
# The counting is an index-only scan of posts_writer_uid_idx (it carries post_no); the
# nick and the views are read for the listed members only (0009: at 300,000 posts this
# takes ~40 ms where aggregating every member's rows took 300 ms).
TOP_MEMBERS = """
WITH ranked AS (
    SELECT writer_uid, count(*) AS posts, max(post_no) AS latest
    FROM posts
    WHERE gallery_id = %(gallery_id)s AND writer_uid IS NOT NULL
    GROUP BY writer_uid
    ORDER BY posts DESC, writer_uid
    LIMIT %(limit)s
)
SELECT r.writer_uid, p.writer_nick, r.posts,
       (SELECT sum(v.views) FROM posts v
        WHERE v.gallery_id = %(gallery_id)s AND v.writer_uid = r.writer_uid) AS views
FROM ranked r
JOIN posts p ON p.gallery_id = %(gallery_id)s AND p.post_no = r.latest
ORDER BY r.posts DESC, r.writer_uid
"""

# Anonymous writers by IP prefix (an index-only scan of posts_writer_ip_idx, which carries
# the nick). A prefix is shared by many people (a mobile carrier's range): it counts a
# crowd, not a person.
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

# A gallery's posts whose views grew fastest between their first and last snapshot in
# [since, until) (post_snapshots_gallery_seen_idx). Snapshots are recorded when counts
# change, so a post needs two sightings with different counts in the period. Its first
# and last snapshot are the min and max of [time, views, comments] arrays: one pass, no
# sort (three ordered aggregates per post took 1.7 s at 300,000 posts); titles are read
# for the listed posts only.
FASTEST_GROWING = """
WITH span AS (
    SELECT post_no,
           min(ARRAY[extract(epoch FROM seen_at), views, comment_count]) AS first,
           max(ARRAY[extract(epoch FROM seen_at), views, comment_count]) AS last
    FROM post_snapshots
    WHERE gallery_id = %(gallery_id)s AND seen_at >= %(since)s AND seen_at < %(until)s
    GROUP BY post_no
    HAVING count(*) > 1
), growth AS (
    SELECT post_no,
           (last[2] - first[2])::integer AS views_gained,
           (last[3] - first[3])::integer AS comments_gained,
           round((last[2] - first[2]) / ((last[1] - first[1]) / 3600), 1) AS views_per_hour
    FROM span
    ORDER BY views_per_hour DESC NULLS LAST, post_no
    LIMIT %(limit)s
)
SELECT p.gallery_id, g.post_no, p.title, g.views_gained, g.comments_gained, g.views_per_hour
FROM growth g
JOIN posts p ON p.gallery_id = %(gallery_id)s AND p.post_no = g.post_no
ORDER BY g.views_per_hour DESC NULLS LAST, g.post_no
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

# Posts written since a time that gained the most comments since: the comment count now
# against the post's first snapshot (posts_gallery_created_idx finds the posts; the first
# snapshot is one primary-key probe each, where aggregating every snapshot took 190 ms).
GAINED_COMMENTS = """
SELECT p.post_no, p.title, p.created_at,
       f.comment_count AS comments_first_seen,
       p.comment_count AS comments_now,
       p.comment_count - f.comment_count AS gained
FROM posts p
CROSS JOIN LATERAL (
    SELECT s.comment_count FROM post_snapshots s
    WHERE s.gallery_id = p.gallery_id AND s.post_no = p.post_no
    ORDER BY s.seen_at
    LIMIT 1
) f
WHERE p.gallery_id = %(gallery_id)s AND p.created_at >= %(since)s AND NOT p.is_deleted
  AND p.comment_count > f.comment_count
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

# The most active fixed-nick (고정닉) writers of a period, posts and comments together,
# counted from indexes alone (posts_staff_idx, comments_fixed_idx), with the nick
# of each one's latest post (index-only max, then one lookup) or, for a member who only
# comments, of their latest comment of the period.
TOP_FIXED_NICKS = """
WITH activity AS (
    SELECT writer_uid, 1 AS posts, 0 AS comments
    FROM posts
    WHERE gallery_id = %(gallery_id)s AND writer_class = 'fixed'
      AND created_at >= %(since)s AND created_at < %(until)s
    UNION ALL
    SELECT writer_uid, 0, 1
    FROM comments
    WHERE gallery_id = %(gallery_id)s AND writer_class = 'fixed'
      AND created_at >= %(since)s AND created_at < %(until)s
), ranked AS (
    SELECT writer_uid, sum(posts) AS posts, sum(comments) AS comments
    FROM activity
    GROUP BY writer_uid
    ORDER BY sum(posts) + sum(comments) DESC, writer_uid
    LIMIT %(limit)s
)
SELECT r.writer_uid,
       coalesce(
           (SELECT p.writer_nick FROM posts p
            WHERE p.gallery_id = %(gallery_id)s AND p.post_no = (
                SELECT max(post_no) FROM posts
                WHERE gallery_id = %(gallery_id)s AND writer_uid = r.writer_uid)),
           (SELECT c.writer_nick FROM comments c
            WHERE c.gallery_id = %(gallery_id)s AND c.writer_class = 'fixed'
              AND c.writer_uid = r.writer_uid
              AND c.created_at >= %(since)s AND c.created_at < %(until)s
            ORDER BY c.created_at DESC
            LIMIT 1)
       ) AS writer_nick,
       r.posts, r.comments
FROM ranked r
ORDER BY r.posts + r.comments DESC, r.writer_uid
"""

# Posts of a gallery whose title or body contains a word, any length, Korean or not,
# newest first: exactly the rows of ILIKE alone, found two ways (0009):
# * the newest 2,000 post numbers are read in full (the primary key, ~10 ms): a common word
#   shows up there at least :limit times, and then those are the newest matches of all;
# * else the bigram indexes find every post holding the word (the index narrows, ILIKE
#   decides), one branch per index: with an OR the planner would compute dc_bigrams() on
#   every row found, to filter. A one-syllable word is found by bigram prefix.
# Only one of the two runs (a one-time filter on the first's count).
SEARCH_POSTS = """
WITH recent AS (
    SELECT post_no FROM posts
    WHERE gallery_id = %(gallery_id)s
      AND post_no > (SELECT max(post_no) FROM posts WHERE gallery_id = %(gallery_id)s) - 2000
      AND (title ILIKE dc_like_pattern(%(word)s) OR body_text ILIKE dc_like_pattern(%(word)s))
    ORDER BY post_no DESC
    LIMIT %(limit)s
), matched AS (
    SELECT gallery_id, post_no FROM posts
    WHERE dc_bigrams(title) @@ dc_bigram_query(%(word)s)
      AND title ILIKE dc_like_pattern(%(word)s)
    UNION
    SELECT gallery_id, post_no FROM posts
    WHERE dc_bigrams(body_text) @@ dc_bigram_query(%(word)s)
      AND body_text ILIKE dc_like_pattern(%(word)s)
), newest AS (
    SELECT post_no FROM recent
    WHERE (SELECT count(*) FROM recent) >= %(limit)s
    UNION ALL
    (SELECT post_no FROM matched
     WHERE gallery_id = %(gallery_id)s AND (SELECT count(*) FROM recent) < %(limit)s
     ORDER BY post_no DESC
     LIMIT %(limit)s)
)
SELECT p.post_no, p.title, p.writer_nick, p.created_at, p.views, p.comment_count, p.url,
       p.title ILIKE dc_like_pattern(%(word)s) AS in_title
FROM newest n
JOIN posts p ON p.gallery_id = %(gallery_id)s AND p.post_no = n.post_no
ORDER BY p.post_no DESC
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
    "search_posts": SEARCH_POSTS,
}
