"""The decode step: charset choice in WHATWG order, and what is refused before decoding."""

from __future__ import annotations

import codecs
import pickle
import tracemalloc
from xml.sax.saxutils import escape

import pytest
from lxml import etree

from seedcrawl.contract.records import WarcRef
from seedcrawl.pipelines.charset import meta_labels, web_codec
from seedcrawl.pipelines.decode import DecodeOptions, decode
from seedcrawl.pipelines.document import Document
from seedcrawl.pipelines.errors import Rejected

RUSSIAN = (
    "Министр иностранных дел России Сергей Лавров и госсекретарь США Джон Керри встретились в Москве, "
    "после чего оба провели переговоры с президентом Владимиром Путиным в Кремле."
)
JAPANESE = "東京都は本日、新しい交通政策を発表しました。市民の皆様にはご協力をお願いいたします。"
FRENCH = "Le ministre a déclaré que les négociations étaient « très difficiles » — et coûteuses."


def page(text: str, head: str = "") -> str:
    return f"<!DOCTYPE html><html><head>{head}<title>t</title></head><body><p>{text}</p></body></html>"


def make_doc(payload: bytes, content_type: str | None = "text/html") -> Document:
    ref = WarcRef("test.warc.gz", 0, len(payload), "<urn:uuid:test>", None)
    return Document(
        "doc-1", "https://news.example/a", "2026-11-22T10:00:00Z", ref, 200, content_type, payload
    )


def decoded(payload: bytes, content_type: str | None = "text/html") -> str:
    return decode(make_doc(payload, content_type), DecodeOptions()).html


def rejected(
    payload: bytes, content_type: str | None = "text/html", options: DecodeOptions | None = None
) -> str:
    with pytest.raises(Rejected) as caught:
        decode(make_doc(payload, content_type), options or DecodeOptions())
    return caught.value.reason


# --- charset sources, in order ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("bom", "codec"),
    [(codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be")],
)
def test_bom_outranks_the_header_and_meta(bom: bytes, codec: str) -> None:
    html = page(RUSSIAN, '<meta charset="koi8-r">')
    text = decoded(bom + html.encode(codec), "text/html; charset=windows-1251")
    assert text == html  # BOM removed, nothing else changed


@pytest.mark.parametrize("codec", ["koi8-r", "windows-1251", "iso-8859-5"])
def test_header_charset_is_used(codec: str) -> None:
    assert RUSSIAN in decoded(page(RUSSIAN).encode(codec), f"text/html; charset={codec}")


def test_header_charset_label_is_case_and_quote_insensitive() -> None:
    assert JAPANESE in decoded(page(JAPANESE).encode("shift_jis"), 'text/html; Charset="SHIFT_JIS"')


def test_latin1_label_decodes_as_windows_1252_like_browsers() -> None:
    # the curly quotes and dash only exist in windows-1252, which browsers use for "iso-8859-1"
    text = "“Quoted” – naïve café"
    assert text in decoded(page(text).encode("cp1252"), "text/html; charset=ISO-8859-1")


@pytest.mark.parametrize(
    "meta",
    ['<meta charset="koi8-r">', '<meta http-equiv="Content-Type" content="text/html; charset=koi8-r">'],
)
def test_meta_label_is_used_without_a_header_label(meta: str) -> None:
    assert RUSSIAN in decoded(page(RUSSIAN, meta).encode("koi8-r"))


@pytest.mark.parametrize("bogus", ["x-no-such-charset", "rot13", "base64", "utf-7"])
def test_bogus_or_unsafe_header_label_falls_through_to_meta(bogus: str) -> None:
    html = page(RUSSIAN, '<meta charset="windows-1251">')
    assert RUSSIAN in decoded(html.encode("cp1251"), f"text/html; charset={bogus}")


def test_commented_out_meta_is_ignored() -> None:
    html = page(RUSSIAN, '<!-- <meta charset="koi8-r"> --><meta charset="windows-1251">')
    assert meta_labels(html.encode("cp1251")) == ["windows-1251"]
    assert RUSSIAN in decoded(html.encode("cp1251"))


def test_windows_1251_page_mislabelled_utf8_still_decodes() -> None:
    payload = page(RUSSIAN * 3).encode("cp1251")
    assert RUSSIAN in decoded(payload, "text/html; charset=utf-8")


def test_utf8_page_with_a_stale_legacy_label_is_read_as_utf8() -> None:
    payload = page(RUSSIAN).encode("utf-8")
    assert RUSSIAN in decoded(payload, "text/html; charset=windows-1251")


@pytest.mark.parametrize(
    ("text", "codec"), [(RUSSIAN * 3, "cp1251"), (RUSSIAN * 3, "koi8-r"), (JAPANESE * 3, "shift_jis")]
)
def test_unlabelled_legacy_page_is_detected(text: str, codec: str) -> None:
    assert text in decoded(page(text).encode(codec))


def test_unlabelled_utf8_page() -> None:
    assert FRENCH in decoded(page(FRENCH).encode("utf-8"))


def test_web_codec_maps_labels_as_browsers_do() -> None:
    assert web_codec("Shift_JIS") == "cp932"
    assert web_codec(" latin1 ") == "cp1252"
    assert web_codec("gb2312") == "gb18030"
    assert web_codec("no-such-label") is None


# --- refusals ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "magic",
    [b"\x89PNG\r\n\x1a\n", b"GIF89a", b"\xff\xd8\xff\xe0", b"%PDF-1.7\n", b"PK\x03\x04", b"\x1f\x8b\x08"],
)
def test_binary_labelled_html_is_rejected(magic: bytes) -> None:
    assert rejected(magic + bytes(range(256)) * 4, "text/html; charset=utf-8") == "binary"


def test_many_control_bytes_are_binary() -> None:
    assert rejected(b"<html>" + b"\x00\x01\x02\x03 text" * 500) == "binary"


def test_stray_nul_and_control_bytes_are_stripped() -> None:
    text = decoded(page("Kerry\x00 met\x0b Putin\x1f in Sochi\x0c.").encode())
    assert "Kerry met Putin in Sochi." in text
    etree.fromstring(f"<p>{escape(text)}</p>")  # valid XML text: no C0 controls left


@pytest.mark.parametrize("content_type", ["application/pdf", "image/png", "text/plain", "application/json"])
def test_non_html_content_type_is_rejected(content_type: str) -> None:
    assert rejected(page("x").encode(), content_type) == "not_html"


def test_xhtml_and_unlabelled_markup_are_accepted() -> None:
    assert FRENCH in decoded(page(FRENCH).encode(), "application/xhtml+xml; charset=utf-8")
    assert FRENCH in decoded(page(FRENCH).encode(), None)


def test_no_content_type_and_no_markup_is_not_html() -> None:
    assert rejected(b"just some text, no markup at all", None) == "not_html"


@pytest.mark.parametrize("payload", [b"", b"   \r\n\t "])
def test_empty_payload(payload: bytes) -> None:
    assert rejected(payload) == "empty"


def test_oversize_payload_is_rejected_without_copying_it() -> None:
    payload = b"<html><body>" + b"<p>" + b"a" * (20 * 1024 * 1024) + b"</p>"
    tracemalloc.start()
    try:
        reason = rejected(payload)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert reason == "too_large"
    assert peak < 1024 * 1024  # the 20 MB body was never copied or decoded


def test_size_bound_is_an_option() -> None:
    payload = page(FRENCH).encode()
    assert rejected(payload, options=DecodeOptions(max_bytes=len(payload) - 1)) == "too_large"
    assert FRENCH in decode(make_doc(payload), DecodeOptions(max_bytes=len(payload))).html


def test_invalid_options_are_refused() -> None:
    with pytest.raises(ValueError):
        DecodeOptions(max_bytes=0)
    with pytest.raises(ValueError):
        DecodeOptions(max_control_ratio=1.5)


# --- step contract ----------------------------------------------------------------------------


def test_payload_is_cleared_and_provenance_kept() -> None:
    doc = make_doc(page(FRENCH).encode())
    out = decode(doc, DecodeOptions())
    assert out is doc
    assert doc.payload == b""
    assert (doc.id, doc.url, doc.warc.record_id) == ("doc-1", "https://news.example/a", "<urn:uuid:test>")


def test_step_is_picklable_and_deterministic() -> None:
    step = pickle.loads(pickle.dumps(decode))
    options = pickle.loads(pickle.dumps(DecodeOptions()))
    payload = page(RUSSIAN * 3).encode("koi8-r")
    results = {step(make_doc(payload), options).html for _ in range(3)}
    assert len(results) == 1
