"""A test-side parser of the replica's pages (written here, not in the replica, on purpose).

The replica's ``truth`` comes from its data model; these functions read the served pages
the way a correct crawler would (SITE.md §2-§4 and the normalization contract in
testbed/replica/README.md). Other ``test_replica_*`` files import them to check that the
pages carry exactly the truth. The tests in this file check the parser itself against the
real samples, so a bug here cannot hide a bug in the replica.
"""

from __future__ import annotations

import html
import json
import re
from typing import Any

import lxml.html
from lxml.html import HtmlElement

from tests.paths import SAMPLES

BLOCKS = {
    "p",
    "div",
    "li",
    "ul",
    "ol",
    "table",
    "tr",
    "h1",
    "h2",
    "h3",
    "h4",
    "blockquote",
    "pre",
    "section",
    "article",
}
NOISE_XPATH = (
    ".//script|.//style|.//noscript|.//template|.//iframe|.//ins"
    "|.//*[contains(concat(' ', normalize-space(@class), ' '), ' adv-groupin ')]"
)


def doc(text: str | bytes) -> HtmlElement:
    return lxml.html.document_fromstring(text)


def _has_class(cls: str) -> str:
    return f"contains(concat(' ', normalize-space(@class), ' '), ' {cls} ')"


def one(root: HtmlElement, xpath: str) -> HtmlElement | None:
    found = root.xpath(xpath)
    return found[0] if found else None


def collapse(text: str) -> str:
    return " ".join(text.split())


def visible_lines(element: HtmlElement) -> list[str]:
    """The text of an element, one line per block or <br>, noise removed, whitespace collapsed."""
    element = lxml.html.fromstring(lxml.html.tostring(element, encoding="unicode"))
    for bad in element.xpath(NOISE_XPATH):
        bad.drop_tree()
    lines: list[str] = []
    current: list[str] = []

    def flush() -> None:
        line = collapse("".join(current))
        if line:
            lines.append(line)
        current.clear()

    def walk(node: HtmlElement) -> None:
        if node.text:
            current.append(node.text)
        for child in node:
            if not isinstance(child.tag, str):
                pass
            elif child.tag == "br":
                flush()
            elif child.tag in BLOCKS:
                flush()
                walk(child)
                flush()
            else:
                walk(child)
            if child.tail:
                current.append(child.tail)

    walk(element)
    flush()
    return lines


def digits(text: str) -> int:
    return int(re.sub(r"\D", "", text))


# The writer's class from the gallog icon's file name (SITE.md §2.2, refresher getType).
ICON_CLASSES = {
    "fix_nik.gif": "fixed",
    "nik.gif": "semi_fixed",
    "fix_managernik.gif": "manager",
    "managernik.gif": "manager",
    "fix_sub_managernik.gif": "sub_manager",
    "sub_managernik.gif": "sub_manager",
}
APP_SUFFIX = "- dc App"


def writer_class(cell: HtmlElement) -> str:
    """A writer cell's class: by its gallog icon, else anonymous (an IP), the operator
    (운영자) or the 디시트렌드 brand (SITE.md §2.2, §4)."""
    icons = cell.xpath(f".//a[{_has_class('writer_nikcon')}]/img/@src")
    if icons:
        return ICON_CLASSES[icons[0].rsplit("/", 1)[-1]]
    if cell.xpath(f".//span[{_has_class('ip')}]") or cell.get("data-ip"):
        return "floating"
    names = [collapse(b.text_content()) for b in cell.xpath(".//b[not(b)]")]
    if names == ["운영자"]:
        return "operator"
    assert names == ["디시트렌드"], names
    return "brand"


# -- list pages -------------------------------------------------------------------------------
def parse_rows(root: HtmlElement) -> list[dict[str, Any]]:
    rows = []
    for tr in root.xpath(
        f"//table[{_has_class('gall_list')}]/tbody/tr[{_has_class('ub-content')}]"
    ):
        classes = set((tr.get("class") or "").split())
        title_a = one(tr, f"./td[{_has_class('gall_tit')}]/a[1]")
        reply = one(tr, f".//a[{_has_class('reply_numbox')}]/span[{_has_class('reply_num')}]")
        writer = one(tr, f"./td[{_has_class('gall_writer')}]")
        date = one(tr, f"./td[{_has_class('gall_date')}]")
        subject = one(tr, f"./td[{_has_class('gall_subject')}]")
        n = m = 0
        if reply is not None:
            got = re.fullmatch(r"\[(\d+)(?:/(\d+))?\]", reply.text_content())
            assert got, reply.text_content()
            n, m = int(got[1]), int(got[2] or 0)
        subject_text = None
        if subject is not None:
            inner = one(subject, f"./p[{_has_class('subject_inner')}]")
            subject_text = collapse((inner if inner is not None else subject).text_content())
        title = None
        if title_a is not None:
            title_a = lxml.html.fromstring(lxml.html.tostring(title_a, encoding="unicode"))
            for em in title_a.xpath(".//em"):
                em.drop_tree()
            title = collapse(title_a.text_content())
        rows.append(
            {
                "classes": classes,
                "data_no": tr.get("data-no"),
                "data_type": tr.get("data-type"),
                "num": collapse(one(tr, f"./td[{_has_class('gall_num')}]").text_content()),
                "subject": subject_text,
                "title": title,
                "href": tr.xpath(f"./td[{_has_class('gall_tit')}]/a[1]/@href")[0]
                if title_a is not None
                else None,
                "replies": n,
                "voice": m,
                "nick": writer.get("data-nick") if writer is not None else None,
                "writer_class": writer_class(writer)
                if writer is not None and writer.get("data-nick") is not None
                else None,
                "uid": (writer.get("data-uid") or None) if writer is not None else None,
                "ip": (writer.get("data-ip") or None) if writer is not None else None,
                "writer_text": collapse(writer.text_content()) if writer is not None else None,
                "date_title": date.get("title") if date is not None else None,
                "date_text": collapse(date.text_content()) if date is not None else None,
                "views": collapse(one(tr, f"./td[{_has_class('gall_count')}]").text_content()),
                "recommend": collapse(
                    one(tr, f"./td[{_has_class('gall_recommend')}]").text_content()
                ),
            }
        )
    return rows


def post_rows(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rows a crawler keeps: ``us-post`` rows that are not notices (SITE.md §9)."""
    return [r for r in rows if "us-post" in r["classes"] and r["data_type"] != "icon_notice"]


def paging(root: HtmlElement) -> dict[str, Any]:
    box = root.xpath(
        f"//div[{_has_class('bottom_paging_wrap')}]/div[{_has_class('bottom_paging_box')}]"
    )
    assert box, "no paging box"
    box = box[0]
    em = box.xpath("./em/text()")
    end = box.xpath(f"./a[{_has_class('page_end')}]/@href")
    pages = [int(a.text) for a in box.xpath("./a") if (a.text or "").isdigit()]
    return {
        "current": int(em[0]) if em else None,
        "pages": pages,
        "end": int(re.search(r"page=(\d+)", end[0])[1]) if end else None,
        "next": box.xpath(f"./a[{_has_class('page_next')}]/@href"),
        "search_next": box.xpath(f"./a[{_has_class('search_next')}]/@href"),
        "search_prev": box.xpath(f"./a[{_has_class('search_prev')}]/@href"),
    }


def hidden(root: HtmlElement, name: str) -> str | None:
    values = root.xpath(f"//input[@id='{name}']/@value")
    return values[0] if values else None


# -- view pages -------------------------------------------------------------------------------
def parse_view(root: HtmlElement) -> dict[str, Any]:
    head = one(root, f"//div[{_has_class('gallview_head')}]")
    assert head is not None
    writer = one(head, f".//div[{_has_class('gall_writer')} and @data-loc='view']")
    headtext = one(head, f".//span[{_has_class('title_headtext')}]")
    date = one(writer, f".//span[{_has_class('gall_date')}]")
    write_div = one(
        root, f"//div[{_has_class('writing_view_box')}]//div[{_has_class('write_div')}]"
    )
    down = one(root, f"//div[{_has_class('btn_recommend_box')}]//p[{_has_class('down_num')}]")
    fixed = one(root, f"//div[{_has_class('btn_recommend_box')}]//p[{_has_class('sup_num')}]")
    images = []
    for img in write_div.xpath(".//img"):
        url = img.get("data-original") or img.get("src")
        if url and "gallview_loading" not in url:
            images.append(url)
    videos = [
        src
        for src in write_div.xpath(".//iframe/@src")
        if "/board/movie/movie_view?" in src or "youtube.com/embed/" in src
    ]
    return {
        "title": collapse(one(head, f".//span[{_has_class('title_subject')}]").text_content()),
        "head": collapse(headtext.text_content()).strip("[]") if headtext is not None else None,
        "writer_nick": writer.get("data-nick"),
        "writer_uid": writer.get("data-uid") or None,
        "writer_ip": writer.get("data-ip") or None,
        "writer_class": writer_class(writer),
        "created_at": date.get("title").replace(" ", "T") + "+09:00",
        "views": digits(one(head, f".//span[{_has_class('gall_count')}]").text_content()),
        "recommend": digits(one(root, f"//p[{_has_class('up_num')}]").text_content()),
        "downvotes": digits(down.text_content()) if down is not None else None,
        "comment_count": digits(one(head, f".//span[{_has_class('gall_comment')}]").text_content()),
        "body_text": "\n".join(visible_lines(write_div)),
        "image_urls": images,
        "video_urls": videos,
        "recommend_fixed": digits(one(fixed, f"./span[{_has_class('smallnum')}]").text_content()),
        "header_recommend": digits(
            one(head, f".//span[{_has_class('gall_reply_num')}]").text_content()
        ),
    }


# -- comment JSON -----------------------------------------------------------------------------
def comment_record(obj: dict[str, Any], post_no: int, gallery_id: str) -> dict[str, Any]:
    memo = lxml.html.fragment_fromstring(obj["memo"] or "<span></span>", create_parent="div")
    dccon = memo.xpath(f".//img[{_has_class('written_dccon')}]/@src")
    text = "\n".join(visible_lines(memo)) or None
    via_app = text is not None and text.endswith(APP_SUFFIX)
    if via_app and text is not None:  # the site's mark of the app, not the writer's text
        text = text[: -len(APP_SUFFIX)].rstrip() or None
    icon = lxml.html.fragment_fromstring(obj["gallog_icon"], create_parent="span")
    icon.set("data-ip", obj["ip"] or "")
    reg = obj["reg_date"]
    return {
        "gallery_id": gallery_id,
        "post_no": post_no,
        "comment_no": int(obj["no"]),
        "parent_no": int(obj["c_no"]) if obj["depth"] else None,
        "writer_nick": obj["name"],
        "writer_uid": obj["user_id"] or None,
        "writer_ip": obj["ip"] or None,
        "reg_date": reg,
        "body_text": html.unescape(text) if text else None,
        "dccon_url": dccon[0] if dccon else None,
        "is_deleted": obj["del_yn"] == "Y",
        "writer_class": writer_class(icon),
        "is_voice": "vr=" in (obj["vr_player"] or ""),
        "via_app": via_app,
    }


# -- tests of the parser on real samples ------------------------------------------------------
def test_parser_reads_the_real_granblue_rows() -> None:
    text = (SAMPLES / "list-rows-granblue-2024.html").read_text(encoding="utf-8")
    root = doc(f"<table class='gall_list'><tbody class='listwrap2'>{text}</tbody></table>")
    rows = parse_rows(root)
    assert [r["data_no"] for r in rows] == ["1", "4782971"]
    assert post_rows(rows)[0]["title"] == "레페 추가될 수영복은 누굴까"
    assert rows[0]["replies"] == 124 and rows[0]["num"] == "공지"
    fixed = rows[1]
    assert (fixed["nick"], fixed["uid"], fixed["ip"]) == ("KOSMOS", "301rs3xp0cfs", None)
    assert fixed["date_title"] == "2024-07-19 15:59:28" and fixed["date_text"] == "15:59"


def test_parser_reads_the_real_2019_writing_box() -> None:
    text = (SAMPLES / "view-writing-box-2019-d_fighter_new1.html").read_text(encoding="utf-8")
    root = doc(f"<div class='writing_view_box'>{text}</div>")
    box = root.xpath("//div[@style='overflow:hidden;']")[0]
    assert visible_lines(box) == [
        "까마귀",
        "버서커",
        "소마",
        "배메",
        "이런 애들 다 시너지화 시키면 시너지난 해결",
    ]


def test_parser_reads_real_comment_json() -> None:
    data = json.loads((SAMPLES / "comment-api-2021-hit-16457-excerpt.json").read_text())
    records = [comment_record(c, 16457, "hit") for c in data["comments"]]
    assert records[1]["parent_no"] == 4878040 and records[0]["parent_no"] is None
    assert records[3]["writer_uid"] == "dcin123456" and records[0]["writer_ip"] == "175.209"
    assert records[2]["via_app"] and records[2]["body_text"].endswith("이모양임 ㅋㅋ")
    assert not records[1]["via_app"]
    assert [r["writer_class"] for r in records] == ["floating", "floating", "floating", "fixed"]
    assert not any(r["is_voice"] for r in records)


def test_parser_reads_the_writer_classes_of_the_real_rows() -> None:
    text = (SAMPLES / "list-rows-granblue-2024.html").read_text(encoding="utf-8")
    root = doc(f"<table class='gall_list'><tbody class='listwrap2'>{text}</tbody></table>")
    assert [r["writer_class"] for r in parse_rows(root)] == ["operator", "fixed"]
