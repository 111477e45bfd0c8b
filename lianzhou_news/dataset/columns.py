"""The dataset's column types, derived from the JSON Schema, and its writers.

Every file gets the same explicit types, whatever the rows hold: nothing is
inferred, so a column never changes type from one run to the next (a
``timestamp_raw`` or a ``simplified`` that is null everywhere is still a
string or a struct). ``timestamp`` is a timestamp at ``+08:00``, ``crawled_at``
one in UTC; ``images``, ``credits``, ``provenance`` and ``simplified`` are
nested. CSV cannot nest: there, nested columns are JSON text and timestamps
are the ISO strings of the items.
"""

from __future__ import annotations

import csv
import json
from datetime import datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from ..items import FIELD_ORDER, article_schema

#: Columns the dataset adds to the item's (``dataset.fold``).
FOLDED_COLUMNS = ("channel_simplified", "source_simplified", "credits_simplified")
COLUMNS = [*FIELD_ORDER, *FOLDED_COLUMNS]
#: Time zones of the timestamp columns, as the schema's patterns say.
TIME_ZONES = {"timestamp": "+08:00", "crawled_at": "UTC"}
FORMATS = (".parquet", ".csv", ".jsonl", ".duckdb")


def _arrow_type(name: str, prop: dict) -> pa.DataType:
    if name in TIME_ZONES:
        return pa.timestamp("s", tz=TIME_ZONES[name])
    if "const" in prop:
        return pa.int16() if isinstance(prop["const"], int) else pa.string()
    types = prop.get("type", [])
    types = [types] if isinstance(types, str) else types
    if "enum" in prop:
        return pa.string()
    if "integer" in types:
        return pa.int32()
    if "string" in types:
        return pa.string()
    if "array" in types:
        return pa.list_(_arrow_type(name, prop["items"]))
    if "object" in types:
        roles = prop.get("propertyNames", {}).get("enum")
        if roles:  # credits: one list of names per known role
            value = _arrow_type(name, prop["additionalProperties"])
            return pa.struct([(role, value) for role in roles])
        if "properties" in prop:
            return pa.struct(
                [
                    (key, _arrow_type(key, sub))
                    for key, sub in prop["properties"].items()
                ]
            )
        return pa.map_(pa.string(), _arrow_type(name, prop["additionalProperties"]))
    raise ValueError(f"no column type for {name}: {prop}")


def arrow_schema() -> pa.Schema:
    """The dataset's columns: the item's, in schema order, then the folded ones.

    >>> schema = arrow_schema()
    >>> str(schema.field("timestamp").type), str(schema.field("crawled_at").type)
    ('timestamp[s, tz=+08:00]', 'timestamp[s, tz=UTC]')
    >>> str(schema.field("images").type)
    'list<item: struct<url: string, alt: string>>'
    """
    properties = article_schema()["properties"]
    fields = [
        pa.field(name, _arrow_type(name, properties[name])) for name in FIELD_ORDER
    ]
    fields.append(pa.field("channel_simplified", pa.string()))
    fields.append(pa.field("source_simplified", pa.string()))
    fields.append(
        pa.field("credits_simplified", _arrow_type("credits", properties["credits"]))
    )
    return pa.schema(fields)


def _time(value: str | None) -> datetime | None:
    return (
        None if value is None else datetime.fromisoformat(value.replace("Z", "+00:00"))
    )


def _arrow_value(name: str, value):
    if name in TIME_ZONES:
        return _time(value)
    if name in ("provenance",) and value is not None:
        return list(value.items())
    if name == "simplified" and value and value.get("credits") is not None:
        return {**value, "credits": list(value["credits"].items())}
    return value


def arrow_table(rows: list[dict]) -> pa.Table:
    """The rows as a table with the dataset's explicit types."""
    schema = arrow_schema()
    columns = {
        name: [_arrow_value(name, row.get(name)) for row in rows] for name in COLUMNS
    }
    return pa.Table.from_pydict(columns, schema=schema)


def write(rows: list[dict], path: Path) -> None:
    """Write the rows to ``path``, in the format its suffix names."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in FORMATS:
        raise ValueError(
            f"{path}: unknown format {suffix or '(no suffix)'!r}; "
            f"use one of {', '.join(FORMATS)}"
        )
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    partial.unlink(missing_ok=True)
    if suffix == ".parquet":
        pq.write_table(arrow_table(rows), partial)
    elif suffix == ".csv":
        _write_csv(rows, partial)
    elif suffix == ".jsonl":
        with partial.open("w", encoding="utf-8") as out:
            for row in rows:
                out.write(
                    json.dumps({n: row.get(n) for n in COLUMNS}, ensure_ascii=False)
                )
                out.write("\n")
    else:
        _write_duckdb(rows, partial)
    partial.replace(path)  # a reader never sees half a file


def _write_csv(rows: list[dict], path: Path) -> None:
    nested = {f.name for f in arrow_schema() if pa.types.is_nested(f.type)}
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(COLUMNS)
        for row in rows:
            writer.writerow(
                json.dumps(row.get(n), ensure_ascii=False)
                if n in nested
                else ("" if row.get(n) is None else row.get(n))
                for n in COLUMNS
            )


def _write_duckdb(rows: list[dict], path: Path) -> None:
    import duckdb

    with duckdb.connect(str(path)) as con:
        con.register("latest_rows", arrow_table(rows))
        con.execute("CREATE TABLE articles AS SELECT * FROM latest_rows")
        con.unregister("latest_rows")
