"""Decode step: a captured HTTP body (bytes) becomes markup text (`Document.html`).

Rejections: `too_large` (checked first, before anything reads the bytes), `not_html` (by
Content-Type), `empty`, `binary` (image/archive/PDF magic, or many control bytes under a text/html
label). The charset is chosen as `pipelines.charset` describes. The decoded text has NUL and the
other control characters that XML and most JSON consumers refuse removed, and `payload` is
emptied afterwards so a decoded record does not carry its body twice.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass

from seedcrawl.contract.records import RejectReason
from seedcrawl.pipelines import charset
from seedcrawl.pipelines.document import Document
from seedcrawl.pipelines.errors import Rejected

HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})
# no usable Content-Type: the body decides, as the WHATWG MIME sniffing standard does
_SNIFF_TYPES = frozenset({"", "unknown/unknown", "application/unknown", "*/*"})
_MAGIC = (
    (b"\x89PNG\r\n\x1a\n", "png"),
    (b"GIF87a", "gif"),
    (b"GIF89a", "gif"),
    (b"\xff\xd8\xff", "jpeg"),
    (b"%PDF-", "pdf"),
    (b"PK\x03\x04", "zip"),
    (b"\x1f\x8b", "gzip"),
    (b"BZh", "bzip2"),
    (b"\xfd7zXZ\x00", "xz"),
    (b"\x28\xb5\x2f\xfd", "zstd"),
    (b"7z\xbc\xaf\x27\x1c", "7z"),
    (b"\x00\x00\x01\x00", "ico"),
    (b"wOFF", "woff"),
    (b"wOF2", "woff2"),
    (b"\x7fELF", "elf"),
    (b"OggS", "ogg"),
    (b"ID3", "mp3"),
)
# bytes that never occur in text: C0 controls except TAB, LF, FF, CR and ESC (ISO-2022 uses ESC)
_CONTROL_BYTES = bytes(b for b in range(32) if b not in (9, 10, 12, 13, 27))
# the same for decoded text, plus noncharacters: XML 1.0 forbids them and JSON tools choke on them
_CONTROL_CHARS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
# control characters XML 1.0 refuses, and U+FFFE/U+FFFF as UTF-8: in any ASCII-compatible
# encoding these bytes are the only way such characters get into the text
_STRIPPED_BYTES = (*(bytes([b]) for b in range(32) if b not in (9, 10, 13)), b"\xef\xbf\xbe", b"\xef\xbf\xbf")
_MIN_CONTROLS = 8
_MARKUP_START = re.compile(rb"\s*<(?:!doctype\s+html|html|head|body|title|meta|!--|div|p\b)", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class DecodeOptions:
    """Bounds and thresholds of the decode step."""

    max_bytes: int = 5 * 1024 * 1024  # larger bodies are rejected as too_large
    # WHATWG scans 1,024 bytes; real pages often put <meta charset> after a long preamble of
    # comments and scripts, and a 4 KiB scan costs nothing measurable
    prescan_bytes: int = 4096
    sniff_bytes: int = 8192  # window checked for binary content
    max_control_ratio: float = 0.01  # share of control bytes above which a body is binary
    detect_bytes: int = 65536  # sample handed to charset detection
    max_error_ratio: float = 0.001  # decoding errors tolerated under a declared charset

    def __post_init__(self) -> None:
        if self.max_bytes <= 0 or self.prescan_bytes <= 0 or self.sniff_bytes <= 0 or self.detect_bytes <= 0:
            raise ValueError("byte bounds must be positive")
        if not 0 <= self.max_control_ratio < 1 or not 0 <= self.max_error_ratio < 1:
            raise ValueError("ratios must be in [0, 1)")


def media_type_of(content_type: str | None) -> str:
    return (content_type or "").partition(";")[0].strip().lower()


def may_be_html(content_type: str | None) -> bool:
    """Whether a response of this Content-Type may be an HTML page (an absent or vague type is
    sniffed later); page requisites (CSS, scripts, images, fonts) are not."""
    media_type = media_type_of(content_type)
    return media_type in HTML_TYPES or media_type in _SNIFF_TYPES


def decode(doc: Document, options: DecodeOptions) -> Document:
    """Fill `doc.html` from `doc.payload`, or raise `Rejected`.

    >>> from pipelines.document import WarcRef
    >>> ref = WarcRef("a.warc.gz", 0, 1, "<urn:uuid:1>", None)
    >>> doc = Document("1", "http://x/", "2026-01-01T00:00:00Z", ref,
    ...                content_type="text/html; charset=koi8-r", payload="<p>Привет</p>".encode("koi8-r"))
    >>> decode(doc, DecodeOptions()).html, doc.payload
    ('<p>Привет</p>', b'')
    """
    payload = doc.payload
    if len(payload) > options.max_bytes:
        raise Rejected(RejectReason.TOO_LARGE, f"{len(payload)} bytes > {options.max_bytes}")
    media_type = media_type_of(doc.content_type)
    if not may_be_html(doc.content_type):
        raise Rejected(RejectReason.NOT_HTML, media_type)
    if not payload or payload.isspace():
        raise Rejected(RejectReason.EMPTY)
    head = payload[: options.sniff_bytes]
    for magic, kind in _MAGIC:
        if head.startswith(magic):
            raise Rejected(RejectReason.BINARY, kind)
    bom = charset.bom_charset(payload)
    utf16 = bom is not None and bom.codec.startswith("utf-16")
    if not utf16:
        # UTF-16 text is half NUL bytes: it is judged after decoding instead
        _reject_controls(len(head) - len(head.translate(None, _CONTROL_BYTES)), len(head), options)
    if media_type in _SNIFF_TYPES and not _MARKUP_START.match(head.removeprefix(codecs.BOM_UTF8)):
        raise Rejected(RejectReason.NOT_HTML, "no Content-Type and no markup")
    html = _decode_text(payload, doc.content_type, bom, options)
    if utf16:
        window = html[: options.sniff_bytes]
        _reject_controls(len(_CONTROL_CHARS.findall(window)), len(window), options)
    # a few stray NULs or form feeds in otherwise good markup are dropped, not fatal; looking for
    # the bytes first (memchr speed) spares the regex pass over the text of nearly every page
    if utf16 or any(byte in payload for byte in _STRIPPED_BYTES):
        html = _CONTROL_CHARS.sub("", html)
    if not html or html.isspace():
        raise Rejected(RejectReason.EMPTY)
    doc.html = html
    doc.payload = b""
    return doc


def _reject_controls(controls: int, window: int, options: DecodeOptions) -> None:
    # the floor keeps a short page with one stray NUL from counting as binary
    if controls > max(options.max_control_ratio * window, _MIN_CONTROLS):
        raise Rejected(RejectReason.BINARY, f"{controls} control characters in the first {window}")


def _decode_text(
    payload: bytes, content_type: str | None, bom: charset.Charset | None, options: DecodeOptions
) -> str:
    if bom is not None:
        return payload[bom.skip :].decode(bom.codec, errors="replace")
    declared: list[str] = []
    header_codec = charset.web_codec(charset.header_label(content_type))
    # UTF-16 without a BOM was already refused as binary; a UTF-16 label on ASCII-looking bytes is wrong
    if header_codec and not header_codec.startswith("utf-16"):
        declared.append(header_codec)
    for label in charset.meta_labels(payload[: options.prescan_bytes]):
        codec = charset.web_codec(label)
        if codec:
            # a document whose <meta> could be read is not UTF-16, whatever the meta says
            declared.append("utf-8" if codec.startswith("utf-16") else codec)
    utf8_text: bool | None = None  # computed at most once, only when a legacy label is seen
    for codec in dict.fromkeys(declared):
        if codec != "utf-8" and not codec.startswith("utf-16"):
            if utf8_text is None:
                utf8_text = charset.looks_utf8(payload)
            if utf8_text:
                return payload.decode("utf-8")
        text = _decode_checked(payload, codec, options.max_error_ratio)
        if text is not None:
            return text
    guess = charset.detect(payload, options.detect_bytes)
    return payload.decode(guess.codec, errors="replace")


def _decode_checked(payload: bytes, codec: str, max_error_ratio: float) -> str | None:
    """Decode with a declared codec, or None when the bytes do not fit it."""
    try:
        return payload.decode(codec)
    except UnicodeDecodeError:
        pass
    text = payload.decode(codec, errors="replace")
    return text if text.count("\ufffd") <= max_error_ratio * len(text) else None
