"""Who wrote a post or comment, by the class the site shows: the gallog icon, the IP, the nick.

The site marks members by the icon next to their nick (an ``img`` inside
``a.writer_nikcon`` on list and view pages, inside the comment API's
``gallog_icon`` HTML): its file name says the class (SITE.md §2.2, refresher's
``getType``). Anonymous writers show an IP prefix instead; the site's own staff
(운영자) shows neither. One fixed vocabulary, the ``writer_class`` column:

==============  ==========  ==================================================
``floating``    유동         anonymous: an IP prefix, no login id
``semi_fixed``  반고닉        a member with ``nik.gif``
``fixed``       고정닉        a member with ``fix_nik.gif`` (and the new-account,
                            NFT, event and app variants of the fixed icon)
``manager``     매니저        ``fix_managernik.gif`` / ``managernik.gif``
``sub_manager`` 부매니저      ``fix_sub_managernik.gif`` / ``sub_managernik.gif``
``operator``    운영자        the site's staff: no icon, no login id, no IP
==============  ==========  ==================================================

``None`` where the page shows none of these (a member whose icon is missing or
unknown and not recognisably fixed).
"""

from __future__ import annotations

import re
from typing import Literal

from lxml import etree

from dccrawl.site._dom import has_class

WriterClass = Literal["floating", "semi_fixed", "fixed", "manager", "sub_manager", "operator"]
WRITER_CLASSES: tuple[WriterClass, ...] = (
    "floating",
    "semi_fixed",
    "fixed",
    "manager",
    "sub_manager",
    "operator",
)
OPERATOR_NICKS = frozenset({"운영자"})

_ICON_NAME = re.compile(r"([A-Za-z0-9_\-]+)\.(?:gif|png|jpe?g|webp|svg)(?:[?#]|$)", re.ASCII)
_ICON_SRC = re.compile(r"""<img\b[^>]*?\bsrc\s*=\s*(['"])(.*?)\1""", re.IGNORECASE | re.DOTALL)
_BY_ICON: dict[str, WriterClass] = {
    "fix_nik": "fixed",
    "fix_newnik": "fixed",
    "nik": "semi_fixed",
    "fix_managernik": "manager",
    "managernik": "manager",
    "fix_sub_managernik": "sub_manager",
    "sub_managernik": "sub_manager",
}


def icon_name(src: str | None) -> str | None:
    """The file name of a gallog icon's ``src`` without its extension: ``fix_nik``."""
    if not src:
        return None
    match = _ICON_NAME.search(src.strip())
    return match.group(1).lower() if match else None


def icon_in_html(markup: str | None) -> str | None:
    """The gallog icon's name in an HTML fragment (the comment API's ``gallog_icon``)."""
    if not markup:
        return None
    for match in _ICON_SRC.finditer(markup):
        name = icon_name(match.group(2))
        if name is not None:
            return name
    return None


_NIKCON_IMG = etree.XPath(f"descendant::a[{has_class('writer_nikcon')}]/descendant::img")


def icon_in_element(element: etree._Element | None) -> str | None:
    """The gallog icon's name in a writer cell or block (``a.writer_nikcon > img``)."""
    if element is None:
        return None
    for img in _NIKCON_IMG(element):
        name = icon_name(img.get("src"))
        if name is not None:
            return name
    return None


def writer_class(
    icon: str | None, uid: str | None, ip: str | None, nick: str | None
) -> WriterClass | None:
    """The writer's class from what the page shows (see the module docstring)."""
    if icon:
        known = _BY_ICON.get(icon)
        if known is not None:
            return known
        if "sub_manager" in icon:
            return "sub_manager"
        if "manager" in icon:
            return "manager"
        if "fix" in icon or "gonick" in icon:  # nftcon_fix, bestcon_fix, w_app_gonick_16, ...
            return "fixed"
    if ip:
        return "floating"
    if not uid and (nick or "").strip() in OPERATOR_NICKS:
        return "operator"
    return None
