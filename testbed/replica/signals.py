"""The site's non-content answers: deleted post, wrong gallery kind, unknown gallery, 404,
comment refusal, and the pages behind ``/derror/deleted/`` (SITE.md §6, samples).
"""

from __future__ import annotations

from .markup import SITE, esc
from .model import PREFIXES

DELETED_SUFFIX = {"major": "", "minor": "/minor", "mini": "/mini", "person": "/person"}
REFUSAL = '<script type="text/javascript">alert("잘못된 접근입니다.");history.back(-1);</script>'


def deleted_script(gallery_id: str, kind: str) -> str:
    """200 body of a deleted post's view: only the redirect script (a real variant per kind)."""
    target = f"/derror/deleted/{gallery_id}{DELETED_SUFFIX[kind]}"
    return f'<script type="text/javascript">location.replace("{target}");</script>'


def wrong_kind_script(kind: str, page: str, query_string: str) -> str:
    """200 body when a gallery is asked under another kind's prefix: redirect to the right one.

    The target is absolute on the real host, as in the observed short-URL redirect; a crawler
    must take the path and rebase it on its own base URL.
    """
    return (
        '<script type="text/javascript">'
        f'location.replace("{SITE}{PREFIXES[kind]}/{page}/?{query_string}");</script>'
    )


def unknown_gallery_page() -> str:
    return (
        '<!DOCTYPE html>\n<html lang="ko">\n<head>\n<meta charset="UTF-8">\n'
        "<title>디시인사이드</title>\n"
        '<script type="text/javascript">alert("해당 갤러리는 존재하지 않습니다.");'
        "history.back(-1);</script>\n</head>\n<body></body>\n</html>\n"
    )


def not_found_page() -> str:
    return (
        '<!DOCTYPE html>\n<html lang="ko">\n<head>\n<meta charset="UTF-8">\n'
        "<title>404 Not Found - 디시인사이드</title>\n</head>\n<body>\n"
        '<div class="error_wrap"><h1>404 Not Found</h1><p>요청하신 페이지를 찾을 수 없습니다.</p>'
        f'<a href="{SITE}">디시인사이드 메인으로</a></div>\n</body>\n</html>\n'
    )


def deleted_page(path_tail: str) -> str:
    return (
        '<!DOCTYPE html>\n<html lang="ko">\n<head>\n<meta charset="UTF-8">\n'
        "<title>디시인사이드</title>\n</head>\n<body>\n"
        f'<div class="derror_wrap" data-path="{esc(path_tail)}"><p class="derror_txt">'
        "해당 게시물은 삭제되었습니다.</p></div>\n</body>\n</html>\n"
    )
