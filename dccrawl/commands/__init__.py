"""Scrapy commands that replace Scrapy's own (``COMMANDS_MODULE`` in settings)."""
