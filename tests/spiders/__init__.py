"""Fast tests of ``spiders/gallery.py`` and its arguments: callbacks fed pages, no crawl."""
