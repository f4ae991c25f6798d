"""Character encoding of an HTML payload, found in the order the WHATWG HTML standard uses.

1. a byte order mark;
2. the `charset` parameter of the HTTP Content-Type header;
3. a `<meta charset>` / `<meta http-equiv="Content-Type">` prescan of the first bytes;
4. detection (strict UTF-8 first, then charset-normalizer), and windows-1252 as the last resort.

A label that is unknown, bogus or not a text encoding is skipped and the next source is asked.
Unlike a browser, a declared encoding is also checked against the bytes: one that yields many
decoding errors is skipped (a windows-1251 page served as "utf-8"), and a legacy single-byte
label on bytes that are valid, non-ASCII UTF-8 loses to UTF-8, because such pages are nearly
always UTF-8 templates with a stale label, and random legacy text is almost never valid UTF-8.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass

import charset_normalizer

# Labels the WHATWG Encoding Standard maps differently from Python's codec registry, or that
# Python does not know. Keys are lower-case labels; values are Python codec names.
_WHATWG_LABELS = {
    "x-user-defined": "cp1252",
    "x-sjis": "cp932",
    "ms932": "cp932",
    "windows-31j": "cp932",
    "x-mac-cyrillic": "mac-cyrillic",
    "x-mac-ukrainian": "mac-cyrillic",
    "iso-8859-8-i": "iso8859-8",
    "csiso88598i": "iso8859-8",
    "logical": "iso8859-8",
    "unicode-1-1-utf-8": "utf-8",
    "unicode11utf8": "utf-8",
    "unicode20utf8": "utf-8",
    "x-unicode20utf8": "utf-8",
    "x-gbk": "gb18030",
    "x-euc-jp": "euc_jp",
    "x-x-big5": "big5hkscs",
    "cn-big5": "big5hkscs",
    "csbig5": "big5hkscs",
    "dos-874": "cp874",
    "unicode": "utf-16-le",
    "ucs-2": "utf-16-le",
    "csunicode": "utf-16-le",
    "iso-10646-ucs-2": "utf-16-le",
    "unicodefeff": "utf-16-le",
    "unicodefffe": "utf-16-be",
}

# Python codec name -> the codec that decodes what browsers decode for that label (WHATWG
# treats latin-1 and ASCII labels as windows-1252, Shift_JIS as windows-31j, and so on).
# Codecs missing here (rot13, base64, utf-7, "undefined", ...) are not web encodings.
_WEB_CODECS = {
    "utf-8": "utf-8",
    "utf-16": "utf-16-le",
    "utf-16-le": "utf-16-le",
    "utf-16-be": "utf-16-be",
    "cp866": "cp866",
    "koi8-r": "koi8-r",
    "koi8-u": "koi8-u",
    "mac-roman": "mac-roman",
    "mac-cyrillic": "mac-cyrillic",
    "ascii": "cp1252",
    "iso8859-1": "cp1252",
    "iso8859-9": "cp1254",
    "iso8859-11": "cp874",
    "tis-620": "cp874",
    "cp874": "cp874",
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "gb18030": "gb18030",
    "big5": "big5hkscs",
    "big5hkscs": "big5hkscs",
    "euc_jp": "euc_jp",
    "iso2022_jp": "iso2022_jp",
    "shift_jis": "cp932",
    "cp932": "cp932",
    "euc_kr": "cp949",
    "cp949": "cp949",
    **{f"iso8859-{n}": f"iso8859-{n}" for n in (2, 3, 4, 5, 6, 7, 8, 10, 13, 14, 15, 16)},
    **{f"cp125{n}": f"cp125{n}" for n in range(9)},
}

_BOMS = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
)

_META = re.compile(rb"<meta\b([^>]*)>", re.IGNORECASE)
_COMMENT = re.compile(rb"<!--.*?-->", re.DOTALL)
_ATTR = re.compile(rb"""([A-Za-z][\w:-]*)\s*=\s*("[^"]*"|'[^']*'|[^\s>]+)""")
_CONTENT_CHARSET = re.compile(rb"""charset\s*=\s*["']?\s*([A-Za-z0-9._:()+-]+)""", re.IGNORECASE)
_CT_CHARSET = re.compile(r"""charset\s*=\s*["']?\s*([A-Za-z0-9._:()+-]+)""", re.IGNORECASE)
_TAG = re.compile(rb"<[^>]{0,2000}>")


@dataclass(frozen=True, slots=True)
class Charset:
    """The codec chosen for a payload, where it came from, and how many BOM bytes to skip."""

    codec: str  # Python codec name
    source: str  # "bom", "http", "meta", "utf-8", "detected" or "default"
    skip: int = 0


def web_codec(label: str | None) -> str | None:
    """Python codec for a charset label as a browser reads it, or None for unknown/unsafe labels.

    >>> web_codec(" Latin1 "), web_codec("Shift_JIS"), web_codec("rot13"), web_codec("utf-7")
    ('cp1252', 'cp932', None, None)
    """
    if not label:
        return None
    name = label.strip().strip("\"'").lower()
    name = _WHATWG_LABELS.get(name, name)
    try:
        info = codecs.lookup(name)
    except LookupError:
        return None
    return _WEB_CODECS.get(info.name)


def bom_charset(payload: bytes) -> Charset | None:
    """The encoding a byte order mark announces; a BOM outranks every label."""
    for bom, codec in _BOMS:
        if payload.startswith(bom):
            return Charset(codec, "bom", len(bom))
    return None


def header_label(content_type: str | None) -> str | None:
    """The charset parameter of a Content-Type header value, if any."""
    if not content_type:
        return None
    match = _CT_CHARSET.search(content_type.partition(";")[2])
    return match.group(1) if match else None


def meta_labels(head: bytes) -> list[str]:
    """Charset labels declared by <meta> tags in the first bytes, in document order."""
    labels = []
    for match in _META.finditer(_COMMENT.sub(b"", head)):
        attrs: dict[bytes, bytes] = {}
        for name, value in _ATTR.findall(match.group(1)):
            attrs.setdefault(name.lower(), value.strip(b"\"'"))
        if b"charset" in attrs:
            labels.append(attrs[b"charset"].decode("latin-1"))
        elif attrs.get(b"http-equiv", b"").strip().lower() == b"content-type":
            declared = _CONTENT_CHARSET.search(attrs.get(b"content", b""))
            if declared:
                labels.append(declared.group(1).decode("latin-1"))
    return labels


def detect(payload: bytes, sample_bytes: int) -> Charset:
    """Guess the encoding of unlabelled bytes from a sample with the markup removed."""
    sample = payload[:sample_bytes]
    if _is_utf8(sample, truncated=len(payload) > sample_bytes):
        return Charset("utf-8", "utf-8")
    # markup is ASCII: leaving it in dilutes the few bytes that tell legacy encodings apart
    text_only = _TAG.sub(b" ", sample)
    best = charset_normalizer.from_bytes(text_only or sample).best()
    if best is None:
        return Charset("cp1252", "default")
    # detection names real text codecs only, some outside the web set (cp1125, euc_jis_2004)
    return Charset(web_codec(best.encoding) or best.encoding, "detected")


def _is_utf8(sample: bytes, truncated: bool) -> bool:
    try:
        sample.decode("utf-8")
    except UnicodeDecodeError as err:
        # a sample cut inside a multi-byte character is still UTF-8
        return truncated and err.start >= len(sample) - 3 and err.reason == "unexpected end of data"
    return True


def looks_utf8(payload: bytes) -> bool:
    """True for valid UTF-8 that uses non-ASCII characters (so is not also plain ASCII)."""
    if payload.isascii():
        return False
    try:
        payload.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True
