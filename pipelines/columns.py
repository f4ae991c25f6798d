"""The corpus record's columns and their types, read from pipelines/schema/article.schema.json.

The JSON Schema is the one definition of a corpus line. Everything typed that downstream tools
load (the dataset card's `dataset_info.features`, the Parquet export's pyarrow schema) is derived
from it here, so a field added to the schema flows into both without another edit.

Types: "string", "number" -> float64, "integer" -> int64, "boolean" -> bool, "object" -> struct,
"array" -> list; a string with `"format": "date"`/`"date-time"`, or whose `pattern` starts with an
ISO date (`^\\d{4}-\\d{2}-\\d{2}`), is a UTC timestamp. Null is allowed by every column: a field
null on every line of one run still has its declared type, which is what lets `datasets` load two
runs together.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

SCHEMA_PATH = Path(__file__).with_name("schema") / "article.schema.json"
TIMESTAMP_UNIT = "us"
DATE_PATTERN = "^\\d{4}-\\d{2}-\\d{2}"
SCALARS = {"string": "string", "number": "float64", "integer": "int64", "boolean": "bool"}


class SchemaError(ValueError):
    """The JSON Schema declares a type this module cannot map to a column."""


@dataclass(frozen=True)
class Column:
    name: str
    kind: str  # "string", "float64", "int64", "bool", "timestamp", "struct" or "list"
    children: tuple[Column, ...] = ()  # a struct's fields, or a list's one item column
    description: str = ""


def load_schema(path: Path = SCHEMA_PATH) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return loaded


def columns(schema: dict[str, Any] | None = None) -> tuple[Column, ...]:
    """The record's top-level columns in the schema's order."""
    schema = load_schema() if schema is None else schema
    return tuple(_column(name, spec) for name, spec in schema["properties"].items())


def _column(name: str, spec: dict[str, Any]) -> Column:
    declared = spec.get("type")
    if declared is None and "const" in spec:
        declared = type(spec["const"]).__name__.replace("str", "string").replace("float", "number")
        declared = {"int": "integer", "bool": "boolean"}.get(declared, declared)
    kinds = [declared] if isinstance(declared, str) else [t for t in declared or () if t != "null"]
    if len(kinds) != 1:
        raise SchemaError(f"field {name!r}: need exactly one non-null type, got {declared!r}")
    kind, about = kinds[0], str(spec.get("description", ""))
    if kind == "object":
        children = tuple(_column(child, sub) for child, sub in spec.get("properties", {}).items())
        return Column(name, "struct", children, about)
    if kind == "array":
        return Column(name, "list", (_column("item", spec.get("items", {"type": "string"})),), about)
    if kind == "string" and _is_timestamp(spec):
        return Column(name, "timestamp", (), about)
    if kind not in SCALARS:
        raise SchemaError(f"field {name!r}: type {kind!r} has no column type")
    return Column(name, SCALARS[kind], (), about)


def _is_timestamp(spec: dict[str, Any]) -> bool:
    return spec.get("format") in ("date", "date-time") or str(spec.get("pattern", "")).startswith(
        DATE_PATTERN
    )


def hf_feature(column: Column) -> dict[str, Any]:
    """One entry of the dataset card's `dataset_info.features` (the Hub's YAML form)."""
    if column.kind == "struct":
        return {"name": column.name, "struct": [hf_feature(child) for child in column.children]}
    if column.kind == "list":
        item = hf_feature(column.children[0])
        return {
            "name": column.name,
            "list": item.get("dtype") or {k: v for k, v in item.items() if k != "name"},
        }
    return {"name": column.name, "dtype": hf_dtype(column.kind)}


def hf_dtype(kind: str) -> str:
    return f"timestamp[{TIMESTAMP_UNIT}, tz=UTC]" if kind == "timestamp" else kind


def arrow_schema(cols: tuple[Column, ...] | None = None) -> Any:
    """The pyarrow schema of the record (every field nullable, see the module's note)."""
    import pyarrow as pa

    return pa.schema([pa.field(c.name, _arrow_type(c), nullable=True) for c in cols or columns()])


def _arrow_type(column: Column) -> Any:
    import pyarrow as pa

    if column.kind == "struct":
        return pa.struct([pa.field(c.name, _arrow_type(c)) for c in column.children])
    if column.kind == "list":
        return pa.list_(_arrow_type(column.children[0]))
    if column.kind == "timestamp":
        return pa.timestamp(TIMESTAMP_UNIT, tz="UTC")
    return pa.type_for_alias(column.kind)


def typed_row(record: dict[str, Any], cols: tuple[Column, ...]) -> dict[str, Any]:
    """A corpus line with its values in their column types (timestamps parsed, numbers widened)."""
    return {c.name: _typed(record.get(c.name), c) for c in cols}


def _typed(value: Any, column: Column) -> Any:
    if value is None:
        return None
    if column.kind == "struct":
        return typed_row(value, column.children) if isinstance(value, dict) else None
    if column.kind == "list":
        return [_typed(item, column.children[0]) for item in value]
    if column.kind == "timestamp":
        return parse_timestamp(str(value))
    if column.kind == "float64":
        return float(value)
    return value


def parse_timestamp(text: str) -> datetime | None:
    """An ISO 8601 date or date-time as an aware UTC datetime (a date is its midnight UTC)."""
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)
