"""dccrawl.browser: what the browser may load, and that it starts only when first asked for."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace

import pytest
from scrapy.settings import Settings
from scrapy_playwright.handler import Config

from dccrawl import browser, settings
from tests.crawling import needs_chromium


@pytest.mark.parametrize(
    ("url", "site", "allowed"),
    [
        ("https://gall.dcinside.com/board/comment/", "gall.dcinside.com", True),
        ("https://nstatic.dcinside.com/dc/w/js/comment.js", "gall.dcinside.com", True),
        ("https://dcinside.com/", "gall.dcinside.com", True),
        ("https://www.googletagmanager.com/gtag/js", "gall.dcinside.com", False),
        ("https://evil-dcinside.com/x.js", "gall.dcinside.com", False),
        ("http://127.0.0.1:8080/board/comment/", "127.0.0.1", True),
        ("https://gall.dcinside.com/_js/comment.js", "127.0.0.1", False),
        ("http://127.0.0.2/x", "127.0.0.1", False),
        ("http://localhost/x", "localhost", True),
        ("http://a.localhost/x", "localhost", False),
        ("data:text/plain,x", "127.0.0.1", False),
    ],
)
def test_same_site(url: str, site: str, allowed: bool) -> None:
    assert browser.same_site(url, site) is allowed


@pytest.mark.parametrize(
    ("resource_type", "aborted"),
    [
        ("image", True),
        ("font", True),
        ("media", True),
        ("document", False),
        ("script", False),
        ("xhr", False),
    ],
)
def test_abort_request_drops_images_fonts_and_media(resource_type: str, aborted: bool) -> None:
    request = SimpleNamespace(resource_type=resource_type)
    assert browser.abort_request(request) is aborted  # type: ignore[arg-type]


def _config() -> Config:
    values = Settings()
    values.setmodule(settings)
    return Config.from_settings(values)


def test_the_provider_starts_nothing_when_the_engine_starts() -> None:
    provider = browser.LazyBrowserProvider(_config())
    asyncio.run(provider.start())
    assert provider.playwright is None and provider.browser_type is None


@needs_chromium
def test_the_provider_starts_playwright_and_chromium_on_the_first_launch() -> None:
    async def launch_and_close() -> str:
        provider = browser.LazyBrowserProvider(_config())
        await provider.start()
        chromium = await provider.launch_browser()
        try:
            assert provider.playwright is not None
            return chromium.version
        finally:
            await chromium.close()
            await provider.close()

    assert asyncio.run(launch_and_close())


def test_the_launch_options_keep_chromium_quiet() -> None:
    options = settings.PLAYWRIGHT_LAUNCH_OPTIONS
    assert options["headless"] is True
    for flag in (
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--disable-quic",
    ):
        assert flag in options["args"]
