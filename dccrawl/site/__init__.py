"""DCInside's pages as data: pure parsers from page text (or a parsel Selector) to plain values.

Nothing in this package knows Scrapy's engine, settings or the database; the
spider hands it what it downloaded and gets dataclasses back:

* :mod:`.urls` — URL builders per gallery kind, all from a base URL;
* :mod:`.signals` — what kind of answer a response is (ok, deleted, redirect, broken, …);
* :mod:`.lists` — list rows and paging;
* :mod:`.views` — a post's view page and the comment API context it carries;
* :mod:`.comments` — the comment API: its request and its JSON;
* :mod:`.rendered` — the comment list a browser renders, as the same records as the JSON;
* :mod:`.errors` — the one exception family the parsers raise (:class:`~.errors.PageError`).
"""
