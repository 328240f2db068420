"""The page furniture around lists and posts: head, menus, gallery header, sidebar, footer.

Crawlers pay for parsing whole pages, so the replica's pages carry a comparable load of
markup that is not data (the real pages are 80-120 KB). It is generated once per process
(or once per gallery) and cached. It deliberately contains none of the signal strings
(``location.replace``, ``/derror/``, the unknown-gallery alert) and none of the data
selectors (``tr.ub-content``, ``.write_div``, ``.gall_date``, paging links), so it adds
parse cost without changing what a correct parser extracts.
"""

from __future__ import annotations

from functools import lru_cache

from . import words
from .hashing import rng
from .markup import NSTATIC, SITE, esc
from .model import GalleryConfig

_KIND_SUFFIX = {
    "major": " 갤러리",
    "minor": " 마이너 갤러리",
    "mini": " 미니 갤러리",
    "person": " 인물 갤러리",
}
_PORTAL = " - 커뮤니티 포털 디시인사이드"


def gallery_title(config: GalleryConfig) -> str:
    """``<title>`` of list pages: name + kind suffix + portal suffix (SITE.md §2.4)."""
    return f"{config.name}{_KIND_SUFFIX[config.kind]}{_PORTAL}"


def gallery_label(config: GalleryConfig) -> str:
    return f"{config.name}{_KIND_SUFFIX[config.kind]}"


_CSS = ("common", "contents", "popup", "reset", "dcwrap", "list", "view", "comment", "font")
_JS = (
    "jquery/jquery-3.2.1.min",
    "jquery/jquery.cookie",
    "jquery/jquery.lazyload.min",
    "common",
    "gallery_top",
    "list",
    "view",
    "comment",
    "recommend",
    "dccon",
    "vote",
    "ad_control",
    "lately_gallery",
    "gallery_bookmark",
    "kakao_search",
)


@lru_cache(maxsize=1)
def _head_static() -> str:
    parts = [
        '<meta http-equiv="X-UA-Compatible" content="IE=edge">',
        '<meta name="viewport" content="width=1450">',
        '<meta name="robots" content="index,follow">',
        '<meta name="referrer" content="unsafe-url">',
        '<link rel="shortcut icon" href="https://nstatic.dcinside.com/dc/w/images/logo_icon.ico">',
        '<link rel="apple-touch-icon" href="https://nstatic.dcinside.com/dc/m/img/dc_icon.png">',
    ]
    for i, name in enumerate(_CSS):
        parts.append(
            f'<link rel="stylesheet" type="text/css" href="{SITE}/_css/{name}.css?v={210 + i}">'
        )
    for i, name in enumerate(_JS):
        parts.append(
            f'<script type="text/javascript" src="{SITE}/_js/{name}.js?v={880 + i}"></script>'
        )
    parts.append(_inline_script("head", 40))
    return "\n".join(parts)


def _inline_script(tag: str, functions: int) -> str:
    """A block of plausible site JavaScript (parse weight, no data, no signal strings)."""
    r = rng("chrome", "script", tag)
    lines = [
        '<script type="text/javascript">',
        "//<![CDATA[",
        "var _GALLERY_TYPE_ = typeof _GALLERY_TYPE_ !== 'undefined' ? _GALLERY_TYPE_ : 'G';",
        "var dcBaseUrl = 'https://gall.dcinside.com';",
    ]
    verbs = ("show", "hide", "toggle", "load", "init", "bind", "check", "open", "close", "set")
    nouns = (
        "Layer",
        "Menu",
        "Banner",
        "Popup",
        "Tooltip",
        "Lately",
        "Bookmark",
        "Issue",
        "Rank",
        "Notice",
        "Dccon",
        "Scrap",
        "Share",
        "Report",
        "Font",
    )
    for i in range(functions):
        name = f"{r.choice(verbs)}{r.choice(nouns)}{i}"
        lines.append(
            f"function {name}(el, opt) {{ var $t = $(el); if (!$t.length) {{ return false; }}"
            f" opt = $.extend({{speed: {r.randint(100, 600)}, cls: 'on'}}, opt || {{}});"
            f" $t.toggleClass(opt.cls); if (typeof _gaq !== 'undefined') {{"
            f" _gaq.push(['_trackEvent', '{tag}', '{name}']); }} return true; }}"
        )
    lines += ["//]]>", "</script>"]
    return "\n".join(lines)


def head(title: str, description: str, canonical: str, og_image: str | None = None) -> str:
    return head_meta(title, description, canonical, og_image) + head_rest()


def head_meta(title: str, description: str, canonical: str, og_image: str | None = None) -> str:
    """The page-specific start of ``<head>`` (title, meta, canonical)."""
    t = esc(title)
    image = og_image or f"{NSTATIC}/descrip_img.png"
    return (
        '<!DOCTYPE html>\n<html lang="ko">\n<head>\n<meta charset="UTF-8">\n'
        f"<title>{t}</title>\n"
        f'<meta name="title" content="{t}">\n'
        f'<meta name="description" content="{esc(description)}">\n'
        f'<meta name="keywords" content="디시인사이드, dcinside, 갤러리, {t}">\n'
        '<meta property="og:type" content="website">\n'
        f'<meta property="og:title" content="{t}">\n'
        f'<meta property="og:description" content="{esc(description)}">\n'
        f'<meta property="og:image" content="{esc(image)}">\n'
        f'<meta property="og:url" content="{esc(canonical)}">\n'
        f'<link rel="canonical" href="{esc(canonical)}">\n'
    )


@lru_cache(maxsize=1)
def head_rest() -> str:
    """The shared rest of ``<head>``: stylesheets, scripts, inline script."""
    return f"{_head_static()}\n</head>\n"


@lru_cache(maxsize=1)
def _gnb() -> str:
    menus = ("갤러리", "마이너갤", "미니갤", "인물갤", "갤로그", "디시트렌드", "이벤트", "디시콘")
    items = "".join(
        f'<li><a class="hover_gnb link_gnb{" on" if i == 0 else ""}" href="{SITE}/{m}">{m}</a>'
        f'<span class="gnb_area"></span></li>'
        for i, m in enumerate(menus)
    )
    return (
        '<header class="dcheader typea">\n<div class="dchead">\n'
        '<h1 class="dc_logo"><a href="https://www.dcinside.com/"><img '
        f'src="{NSTATIC}/dcin_logo.png" alt="디시인사이드"></a><a href="{SITE}">'
        f'<img src="{NSTATIC}/tit_gallery.png" alt="갤러리"></a></h1>\n'
        '<div id="searchWrap" class="wrap_search"><h2 class="blind">갤러리 검색</h2>'
        '<form id="searchForm" method="get" action="https://search.dcinside.com/combine" '
        'accept-charset="UTF-8"><fieldset><legend class="blind">통합검색</legend>'
        '<div class="top_search clear"><div class="inner_search">'
        '<input class="in_keyword" type="text" name="search" id="preSWord" title="검색어 입력" '
        'value="" placeholder="갤러리 & 통합검색" autocomplete="off"></div>'
        '<button type="submit" class="sp_img bnt_search"><span class="blind">검색</span></button>'
        "</div></fieldset></form></div>\n"
        '<div class="area_links clear"><ul class="fl clear"><li><a href="https://gallog.dcinside.com">'
        '갤로그</a></li><li><a href="https://dccon.dcinside.com">디시콘</a></li><li><a '
        'href="https://dcid.dcinside.com/join/login.php">로그인</a></li></ul></div>\n</div>\n'
        f'<div class="gnb_bar"><nav class="gnb clear"><h2 class="blind">GNB</h2>'
        f'<ul class="gnb_list clear">{items}</ul></nav></div>\n</header>\n'
    )


def _lately_gallery() -> str:
    r = rng("chrome", "lately")
    names = r.sample(words.GALLERY_NAMES, 12)
    items = "".join(
        f'<li><a href="{SITE}/board/lists/?id=g{r.randint(100, 999)}" class="lately_log">{n}</a>'
        '<button type="button" class="btn_lately_del"><span class="blind">삭제</span></button></li>'
        for n in names
    )
    return (
        '<div class="visit_bookmark" id="visit_history"><div class="visit_history">'
        '<h3 class="tit">최근 방문</h3><button type="button" class="bnt_visit_prev">'
        '<span class="blind">이전</span></button><div class="visit_div">'
        f'<ul class="visit_list">{items}</ul></div><button type="button" class="bnt_visit_next">'
        '<span class="blind">다음</span></button><button type="button" class="btn_open">'
        '<span class="blind">레이어 열기</span></button></div></div>\n'
    )


@lru_cache(maxsize=256)
def top(config: GalleryConfig) -> str:
    """Everything from ``<body>`` to the start of the gallery's own content."""
    r = rng("chrome", "top", config.id)
    managers = "".join(
        f'<span class="nick">{esc(r.choice(words.MEMBER_NICKS))}</span>' for _ in range(3)
    )
    return (
        '<body>\n<div id="top" class="dcwrap width1160 list_wrap">\n'
        '<a href="#container" class="skip">본문 영역 바로가기</a>\n'
        f"{_gnb()}{_lately_gallery()}"
        '<main id="container" class="clear">\n<section class="left_content">\n'
        '<header><div class="page_head clear"><div class="fl clear">'
        f'<h2><a href="{SITE}{config.prefix}/lists/?id={config.id}">'
        f"{esc(gallery_label(config))}</a></h2>"
        '<div class="pagehead_titicon ngall sp_img"><span class="blind">갤러리</span></div>'
        '</div><div class="fr gall_issue_wrap"><button type="button" class="issue_wrap" '
        'onclick="showLayer0(this)"><span class="gall_issue">이슈</span></button></div></div>'
        "</header>\n"
        f'<div class="gall_issuebox"><div class="tab_menubox"><p class="gallname" '
        f'data-gallid="{config.id}">{esc(config.name)}</p>'
        f'<div class="managerbox">매니저 {managers}</div></div>'
        '<div class="issue_contentbox"><ul class="issue_list">'
        + "".join(
            f'<li><a href="{SITE}/board/lists/?id=issuezoom" class="issue_link">'
            f"{esc(r.choice(words.NEWS_TITLES))}</a></li>"
            for _ in range(5)
        )
        + "</ul></div></div>\n"
    )


@lru_cache(maxsize=1)
def sidebar() -> str:
    """The right column: 실시간 베스트, news, ads (static per process)."""
    r = rng("chrome", "sidebar")
    best = []
    for i in range(1, 31):
        title = esc(" ".join(r.choice(words.NOUNS) for _ in range(r.randint(2, 5))))
        gall = esc(r.choice(words.GALLERY_NAMES))
        best.append(
            f'<li class="{"pick" if i < 4 else ""}"><a href="{SITE}/board/view/?id=dcbest&amp;'
            f'no={r.randint(100000, 999999)}" class="best_link"><span class="best_num">{i}</span>'
            f'<img src="https://dcimg{r.randint(1, 9)}.dcinside.co.kr/'
            f'thumb_{r.randint(1000, 9999)}.jpg" '
            f'alt="" class="best_img"><strong class="best_tit">{title}</strong>'
            f'<span class="best_gall">{gall}</span>'
            f'<span class="best_cmt">[{r.randint(5, 900)}]</span>'
            "</a></li>"
        )
    news = "".join(
        f'<li><a href="https://dctrend.rankify.best/{r.randint(10000, 99999)}" class="news_link">'
        f'{esc(r.choice(words.NEWS_TITLES))}</a><span class="news_press">디시트렌드</span></li>'
        for _ in range(20)
    )
    media = "".join(
        f'<li><a href="https://news.dcinside.com/{r.randint(10000, 99999)}">'
        f'<span class="thumb"><img src="https://news.dcinside.com/img/{r.randint(1000, 9999)}.jpg" '
        f'alt=""></span><span class="tit">{esc(r.choice(words.NEWS_TITLES))}</span></a></li>'
        for _ in range(12)
    )
    return (
        '<section class="right_content">\n'
        '<div class="login_box"><a href="https://dcid.dcinside.com/join/login.php" '
        'class="btn_login">로그인</a><a href="https://dcid.dcinside.com/join/member_check.php">'
        "회원가입</a></div>\n"
        '<div class="rightbox realtime_best"><div class="head"><h3>실시간 베스트</h3>'
        '<span class="page_num"><em>1</em>/8</span></div>'
        f'<ul class="best_list">{"".join(best)}</ul></div>\n'
        '<div class="rightbox dctrend_news"><div class="head"><h3>뉴스</h3></div>'
        f'<ul class="news_list">{news}</ul></div>\n'
        '<div class="rightbox dcmedia"><div class="head"><h3>디시미디어</h3>'
        '<span class="page_num"><em>1</em>/2</span></div>'
        f'<ul class="media_list">{media}</ul></div>\n'
        '<div class="rightbox dcissue"><div class="head"><h3>디시이슈</h3></div>'
        '<div id="ad_right" class="ad_rightbox"><ins class="adsbygoogle" style="display:block" '
        'data-ad-client="ca-pub-0000000000000000" data-ad-slot="0000000000"></ins></div></div>\n'
        "</section>\n"
    )


@lru_cache(maxsize=1)
def footer() -> str:
    links = (
        "회사소개",
        "인재채용",
        "제휴안내",
        "광고안내",
        "이용약관",
        "개인정보처리방침",
        "청소년보호정책",
        "마케팅센터",
        "고객센터",
    )
    items = "".join(
        f'<li><a href="https://www.dcinside.com/{i}">{t}</a></li>' for i, t in enumerate(links)
    )
    return (
        '<footer class="dcfoot"><div class="dc_all"><button type="button" class="btn_all">'
        '전체 서비스</button></div><div class="info_policy">'
        f"<ul>{items}</ul></div>"
        '<div class="copyright">Copyright ⓒ 1999 - 2026 dcinside. All rights reserved.</div>'
        "</footer>\n</div>\n"
    )


@lru_cache(maxsize=8)
def tail_scripts(tag: str, functions: int = 45) -> str:
    return _inline_script(f"tail-{tag}", functions) + "\n</body>\n</html>\n"
