"""Schemas generated from ``metadata``: Arrow (for writing Parquet), pandera (for validation), Frictionless.

pyarrow is imported here; pandera only inside ``pandera_schema`` so that the loaders never pay for it.
"""

from __future__ import annotations

import json

import pyarrow as pa

from .metadata import TABLES, TYPES, Column, Table, date_columns, pandas_dtype

ARROW_TYPES = {"string": pa.string(), "date32": pa.date32(), "bool": pa.bool_(), "int16": pa.int16()}
METADATA_PREFIX = "aigov_timeline."


def arrow_field(column: Column) -> pa.Field:
    meta = {"description": column.description}
    if column.references:
        meta["references"] = f"{column.references}.{TABLES[column.references].primary_key[0]}"
    return pa.field(column.name, ARROW_TYPES[column.type], nullable=column.nullable, metadata=meta)


def arrow_schema(table: Table, data_version: str | None = None) -> pa.Schema:
    """The explicit write schema of a table, with column descriptions in the field metadata."""
    meta = {
        f"{METADATA_PREFIX}table": table.name,
        f"{METADATA_PREFIX}description": table.description,
        f"{METADATA_PREFIX}primary_key": json.dumps(list(table.primary_key)),
    }
    if data_version is not None:
        meta[f"{METADATA_PREFIX}data_version"] = data_version
    return pa.schema([arrow_field(c) for c in table.columns], metadata=meta)


# --- pandera -------------------------------------------------------------------------------------------------

def _date_checks(table: Table):
    """DataFrame-level checks of the date rules: precision matches the value, bounds in order."""
    import pandera.pandas as pdx

    checks = []
    for name in table.date_columns:
        precision, start, end = date_columns(name)

        def matches(df, name=name, precision=precision):  # the form of the value: dates.precision_of
            value, level = df[name], df[precision]
            length = value.str.len()
            return value.isna() | ((level == "year") & (length == 4)) | ((level == "month") & (length == 7)) | \
                ((level == "day") & (length == 10))

        def ordered(df, start=start, end=end):
            return df[start].isna() | (df[start] <= df[end])

        checks.append(pdx.Check(matches, name=f"{precision}_matches_{name}",
                                error=f"{precision} must be the precision of {name}"))
        checks.append(pdx.Check(ordered, name=f"{start}_not_after_{end}", error=f"{start} must not be after {end}"))
    return checks


def pandera_schema(table: Table):
    """A pandera DataFrameSchema for one table (types, nullability, patterns, non-empty text, date rules)."""
    import pandera.pandas as pdx

    columns = {}
    for col in table.columns:
        checks = []
        if col.type == "string":
            checks.append(pdx.Check.str_length(min_value=1, name="not_empty", error="empty text"))
            if col.pattern:
                checks.append(pdx.Check.str_matches(col.pattern, name="pattern",
                                                    error=f"must match {col.pattern}"))
        columns[col.name] = pdx.Column(pandas_dtype(col), nullable=col.nullable, checks=checks,
                                       description=col.description, title=col.name)
    return pdx.DataFrameSchema(columns, checks=_date_checks(table), strict=True, ordered=True, name=table.name,
                               description=table.description)


# --- Frictionless --------------------------------------------------------------------------------------------

def frictionless_field(column: Column, categories: dict[str, list[str]]) -> dict:
    field = {"name": column.name, "type": TYPES[column.type][0], "description": column.description}
    if column.example is not None:
        field["example"] = column.example
    constraints = {"required": not column.nullable}
    if column.pattern:
        constraints["pattern"] = column.pattern
    if column.unique:
        constraints["unique"] = True
    field["constraints"] = constraints
    if column.is_vocabulary and column.references in categories:
        field["categories"] = categories[column.references]
    return field


FILE_FORMATS = {
    "parquet": {"format": "parquet", "mediatype": "application/vnd.apache.parquet"},
    "csv": {"format": "csv", "mediatype": "text/csv", "encoding": "utf-8"},
}


def frictionless_resource(table: Table, categories: dict[str, list[str]], path: str, extra: dict,
                          file_format: str = "parquet") -> dict:
    schema = {
        "fields": [frictionless_field(c, categories) for c in table.columns],
        "primaryKey": list(table.primary_key),
    }
    foreign = []
    for col in table.foreign_keys:
        target = TABLES[col.references]
        reference = {"fields": [target.primary_key[0]]}
        if target.name != table.name:
            reference = {"resource": target.name, **reference}
        foreign.append({"fields": [col.name], "reference": reference})
    if foreign:
        schema["foreignKeys"] = foreign
    resource = {
        "name": table.name,
        "path": path,
        "type": "table",
        "description": table.description,
        **FILE_FORMATS[file_format],
        **extra,
        "schema": schema,
    }
    return resource


def package_sources(sources: list[dict]) -> list[dict]:
    """The package-level ``sources``: every source row with a URL, as title (else its ID) and path, in ID order."""
    return [{"title": row["title"] or row["source_id"], "path": row["url"]}
            for row in sorted(sources, key=lambda r: r["source_id"]) if row.get("url")]


def datapackage(dataset: dict, categories: dict[str, list[str]], files: dict[str, dict], sources: list[dict],
                file_format: str = "parquet") -> dict:
    """The Frictionless v2 descriptor of the tables in ``files`` (name -> path, bytes, sha256)."""
    return {
        "$schema": "https://datapackage.org/profiles/2.0/datapackage.json",
        "name": dataset["name"],
        "title": dataset["title"],
        "description": dataset["description"],
        "version": dataset["version"],
        **({"created": f"{dataset['released']}T00:00:00Z"} if dataset.get("released") else {}),
        **({"homepage": dataset["homepage"]} if dataset.get("homepage") else {}),
        "licenses": dataset["licenses"],
        "keywords": dataset.get("keywords", []),
        "sources": sources,
        "resources": [
            frictionless_resource(TABLES[name], categories, info["path"],
                                  {"bytes": info["bytes"], "hash": f"sha256:{info['sha256']}"}, file_format)
            for name, info in files.items()
        ],
    }

