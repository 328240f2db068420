"""The post body's HTML: the editor's paragraphs, spacers, lazy images, videos and ads.

Text lines come out exactly as ``Body.text`` counts them: one per ``<p>``/``<div>`` or per
``<br>``-separated part, inline ``<b>``/``<span>`` wrappers inside a line, ``&nbsp;``
tails; ads, scripts and styles carry text that a parser must drop; video iframes carry
none.
"""

from __future__ import annotations

from . import media
from .markup import PLACEHOLDER_IMG, esc
from .model import Ad, Block, Body, Image, Para, Spacer, Video

_AD_HTML = {
    "adv-groupin": (
        '<div class="adv-groupin"><div class="adv-box"><script type="text/javascript">'
        'var dc_ad_slot = "view_body_middle";</script><span class="adv-txt">광고</span>'
        '<a href="https://addc.dcinside.com/click" target="_blank">이미지 광고 보러가기</a>'
        "</div></div>"
    ),
    "adsbygoogle": (
        '<ins class="adsbygoogle" style="display:block" data-ad-client="ca-pub-0000000000000000" '
        'data-ad-slot="1234567890" data-ad-format="auto">광고</ins>'
        "<script>(adsbygoogle = window.adsbygoogle || []).push({});</script>"
    ),
    "script": (
        '<script type="text/javascript">var _view_ad = "이미지 광고"; '
        "if (typeof dc_view_ad === 'function') { dc_view_ad(_view_ad); }</script>"
    ),
    "style": (
        '<style type="text/css">.write_div img { max-width: 100%; } /* 본문 스타일 */</style>'
    ),
}
_STYLES = (
    "<b>{}</b>",
    '<span style="font-size:11pt;">{}</span>',
    '<span style="color:#333333;">{}</span>',
)


def _line(segments: tuple[str, ...], styled: bool) -> str:
    parts = []
    for i, seg in enumerate(segments):
        text = esc(seg)
        if styled and (i % 2 == 1 or len(segments) == 1):
            text = _STYLES[i % len(_STYLES)].format(text)
        parts.append(text)
    return " ".join(parts)


def block_html(block: Block, media_base: str | None = None) -> str:
    """One body block; image URLs on the replica's own host when ``media_base`` is given."""
    if isinstance(block, Para):
        inner = "<br>".join(_line(segs, block.styled) for segs in block.lines)
        if block.nbsp_tail:
            inner += "&nbsp;"
        return f"<{block.tag}>{inner}</{block.tag}>"
    if isinstance(block, Spacer):
        return "<p><br></p>"
    if isinstance(block, Image):
        url = esc(media.served_url(block.url, media_base))
        if block.lazy:
            return (
                f'<p style="text-align:left;"><img src="{PLACEHOLDER_IMG}" data-original="{url}" '
                f'class="lazy" alt="{block.key}" style="cursor:pointer;" '
                f"onclick=\"javascript:imgPop('https://image.dcinside.com/viewimagePop.php?"
                f"no={block.key}','image','fullscreen=yes,scrollbars=yes');\"></p>"
            )
        return (
            f'<p style="text-align: left;"><img src="{url}" class="txc-image" '
            'style="clear:none;float:none;"></p>'
        )
    if isinstance(block, Ad):
        return _AD_HTML[block.kind]
    if isinstance(block, Video):
        return video_html(block)
    raise TypeError(block)


def video_html(video: Video) -> str:
    """A video as the editor embeds it, in a paragraph of its own: an upload as an iframe
    of the site's movie player page (``id="movieIcon<no>"``, the number in ``src``), a
    YouTube video as YouTube's own embed code. The ``src`` is absolute, on the real hosts,
    with or without ``--media`` (the player page is a page of the site itself)."""
    src = esc(video.url)
    if video.kind == "movie":
        return (
            f'<p><iframe id="movieIcon{video.key}" src="{src}" '
            'width="640" height="360" frameborder="0" scrolling="no" allowfullscreen>'
            "</iframe></p>"
        )
    return (
        f'<p><iframe width="560" height="315" src="{src}" title="YouTube video player" '
        'frameborder="0" allow="accelerometer; autoplay; clipboard-write; encrypted-media; '
        'gyroscope; picture-in-picture; web-share" '
        'referrerpolicy="strict-origin-when-cross-origin" allowfullscreen></iframe></p>'
    )


def write_div(body: Body, media_base: str | None = None) -> str:
    """``div.writing_view_box``'s inside: the zzbang ad box, then ``div.write_div``."""
    return (
        '<div id="zzbang_div" style=""><div id="zzbang_ad"><script type="text/javascript">'
        'var zzbang_slot = "view_top";</script></div></div><pre></pre>'
        '<div class="write_div" style="overflow:hidden;width:900px;">'
        + "".join(block_html(b, media_base) for b in body.blocks)
        + "</div>"
    )


def attachments(image_id: str, body: Body, media_base: str | None = None) -> str:
    """The attachment list (``media.attachments``); empty for posts without images."""
    files = media.attachments(image_id, body)
    if not files:
        return ""
    items = "".join(
        f'<li><a href="{esc(media.served_url(f.url, media_base))}">{esc(f.filename or "")}</a></li>'
        for f in files
    )
    return (
        '<div class="appending_file_box"><strong>원본 첨부파일 '
        f'<em class="font_red">{len(files)}</em></strong>'
        f'<ul class="appending_file">{items}</ul></div>'
    )
