"""What the browser skips with `--browser auto` (crawler/chromium/dom_only.py): nothing with `always`."""

from __future__ import annotations

from seedcrawl.crawler import settings as defaults
from seedcrawl.crawler.chromium.dom_only import launch_args, skipped_types


def test_auto_skips_images_fonts_and_media_by_default_and_always_skips_nothing() -> None:
    assert skipped_types("auto", defaults.SEEDCRAWL_BROWSER_AUTO_SKIP) == {"image", "font", "media"}
    assert skipped_types("always", defaults.SEEDCRAWL_BROWSER_AUTO_SKIP) == frozenset()
    assert skipped_types("auto", "") == frozenset()  # the browser loads everything, as before
    assert skipped_types("auto", "Image, font stylesheet") == {"image", "font", "stylesheet"}


def test_images_and_fonts_are_turned_off_in_chromium_itself() -> None:
    args = launch_args(skipped_types("auto", "image,font,media,stylesheet"))
    assert args == ["--disable-remote-fonts", "--blink-settings=imagesEnabled=false"]
    assert launch_args(frozenset()) == []
