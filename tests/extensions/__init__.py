"""Tests of the crawl's Scrapy components in ``dccrawl/``: exit codes, JOBDIR, settings, tuning."""
