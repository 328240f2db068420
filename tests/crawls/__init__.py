"""Integration: real ``scrapy crawl`` runs against the replica, compared with its truth."""
