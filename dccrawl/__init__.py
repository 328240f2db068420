"""dccrawl: a Scrapy project that crawls DCInside galleries into PostgreSQL."""

__version__ = "0.1.0"
