"""The Scrapy settings of this project, as a crawl would see them.

A leaf module: every ``python -m dccrawl`` command group reads settings through it,
and ``dccrawl/cli.py`` imports the groups, so the function cannot live in the
dispatcher without an import circle.
"""

from __future__ import annotations

from scrapy.settings import Settings
from scrapy.utils.project import get_project_settings

SETTINGS_MODULE = "dccrawl.settings"


def project_settings() -> Settings:
    """The Scrapy settings a crawl would see (scrapy.cfg / SCRAPY_SETTINGS_MODULE),
    falling back to ``dccrawl.settings`` when run outside a project folder."""
    settings = get_project_settings()
    if settings.get("BOT_NAME") != "dccrawl":
        settings.setmodule(SETTINGS_MODULE, priority="project")
    return settings
