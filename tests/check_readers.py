#!/usr/bin/env python3
"""Opens a solieu dataset with the readers analysts use and holds it to docs/DATA.md.

usage: check_readers.py DATASET_DIR [--readers pyarrow,polars,pandas,duckdb] [--examples]

For each of the four tables:
- pyarrow reads the Parquet file; its columns and types are DATA.md's (text as plain
  string/large_string, never string_view), and its key-value metadata carries the schema
  version, the table name and every column's description;
- polars, pandas (with dtype_backend="pyarrow") and DuckDB read it with the same rows and types;
- the CSV file reads back with `doc_id` kept as text.
With --examples, the README's tagged examples and examples/analysis.py run on the dataset too.
A reader named in --readers that is not installed is a failure, not a skip.
Ends with the line `N passed, N failed`; exits 1 on any failure.
"""
import argparse
import os
import re
import subprocess
import sys
import tempfile
import traceback

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TABLES = ["documents", "observations", "deltas", "rejects"]


def data_dictionary():
    """DATA.md's schema version and, per table, its (column, type, nullable) rows."""
    with open(os.path.join(ROOT, "docs", "DATA.md"), encoding="utf-8") as f:
        text = f.read()
    version = re.search(r"schema version (\S+)\)", text).group(1)
    tables = {}
    for block in re.split(r"\n## ", text)[1:]:
        name = re.match(r"`(\w+)`", block)
        if not name or name.group(1) not in TABLES:
            continue
        rows = re.findall(r"^\| `(\w+)` \| (\w+) \| (yes|no) \|", block, re.M)
        tables[name.group(1)] = [(c, t, n == "yes") for c, t, n in rows]
    return version, tables


def check_dictionary(tables):
    assert set(tables) == set(TABLES), sorted(tables)
    assert all(tables.values()), "a table without columns"


class Checks:
    def __init__(self):
        self.passed = 0
        self.failed = 0

    def run(self, name, fn, *args):
        try:
            fn(*args)
        except Exception:  # a failed check reports and the others still run
            self.failed += 1
            print(f"FAIL {name}", file=sys.stderr)
            traceback.print_exc()
        else:
            self.passed += 1
            print(f"ok   {name}")


def check_pyarrow(path, table, columns, version):
    import pyarrow as pa
    import pyarrow.parquet as pq

    want = {
        "string": (pa.string(), pa.large_string()),
        "int32": (pa.int32(),),
        "int64": (pa.int64(),),
        "float64": (pa.float64(),),
        "date": (pa.date32(),),
        "bool": (pa.bool_(),),
    }
    t = pq.read_table(path)
    got = [(f.name, f.type) for f in t.schema]
    assert [n for n, _ in got] == [c for c, _, _ in columns], f"columns {got}"
    for (name, ty), (_, spec, nullable) in zip(got, columns):
        assert ty in want[spec], f"{table}.{name}: {ty}, DATA.md says {spec}"
        if not nullable:
            assert t.column(name).null_count == 0, f"{table}.{name} has nulls"
    # The file's key-value metadata (pq.read_schema's holds only what ARROW:schema carries).
    meta = pq.read_metadata(path).metadata
    assert meta[b"solieu.schema_version"].decode() == version, meta.get(b"solieu.schema_version")
    assert meta[b"solieu.table"].decode() == table
    for name, _, _ in columns:
        assert meta.get(f"solieu.column.{name}".encode()), f"no description of {table}.{name}"
        assert t.schema.field(name).metadata[b"description"], f"{table}.{name} field"
    return t.num_rows


def check_polars(path, table, columns, rows):
    import polars as pl

    want = {"string": pl.String, "int32": pl.Int32, "int64": pl.Int64,
            "float64": pl.Float64, "date": pl.Date, "bool": pl.Boolean}
    df = pl.read_parquet(path)
    assert df.height == rows, (df.height, rows)
    got = list(df.schema.items())
    assert got == [(c, want[t]) for c, t, _ in columns], got


def check_pandas(path, table, columns, rows):
    import pandas as pd

    want = {"string": ("string", "large_string"), "int32": ("int32",), "int64": ("int64",),
            "float64": ("double",), "date": ("date32[day]",), "bool": ("bool",)}
    df = pd.read_parquet(path, dtype_backend="pyarrow")
    assert len(df) == rows
    for name, spec, _ in columns:
        ty = str(df[name].dtype.pyarrow_dtype)
        assert ty in want[spec], f"{table}.{name}: {ty}"
    # The default backend opens it too (nullable ints as floats: hence dtype_backend above).
    assert len(pd.read_parquet(path)) == rows


def check_duckdb(path, table, columns, rows, version):
    import duckdb

    want = {"string": "VARCHAR", "int32": "INTEGER", "int64": "BIGINT", "float64": "DOUBLE",
            "date": "DATE", "bool": "BOOLEAN"}
    con = duckdb.connect()
    described = con.execute(f"DESCRIBE SELECT * FROM read_parquet('{path}')").fetchall()
    assert [(r[0], r[1]) for r in described] == [(c, want[t]) for c, t, _ in columns], described
    assert con.execute(f"SELECT count(*) FROM read_parquet('{path}')").fetchone()[0] == rows
    kv = dict(con.execute(
        f"SELECT decode(key), decode(value) FROM parquet_kv_metadata('{path}')").fetchall())
    assert kv.get("solieu.schema_version") == version, kv.keys()


def check_csv(path, table, rows, readers):
    if "pandas" in readers:
        import pandas as pd

        df = pd.read_csv(path, dtype={"doc_id": str}, keep_default_na=False, na_values=[""])
        assert len(df) == rows
        if "doc_id" in df:
            assert df["doc_id"].map(type).eq(str).all()
    if "polars" in readers:
        import polars as pl

        df = pl.read_csv(path, schema_overrides={"doc_id": pl.String} if table != "rejects" else None)
        assert df.height == rows


def check_deltas_key(dataset):
    import pyarrow.parquet as pq

    t = pq.read_table(f"{dataset}/deltas.parquet",
                      columns=["province", "topic", "action", "unit", "year"])
    keys = list(zip(*(t.column(c).to_pylist() for c in t.column_names)))
    assert len(set(keys)) == len(keys), f"{len(keys) - len(set(keys))} repeated points"


def check_deltas_from_observations(dataset):
    """deltas recomputed from observations and documents as SPEC words it, in polars."""
    import polars as pl

    obs = pl.read_parquet(f"{dataset}/observations.parquet")
    docs = pl.read_parquet(f"{dataset}/documents.parquet")
    key = ["province", "topic", "action", "unit", "year"]
    points = (
        obs.filter((pl.col("measure") == "level") & (pl.col("qualifier") != "less_than")
                   & pl.col("period").is_null() & pl.col("year").is_not_null()
                   & pl.col("topic").is_not_null() & pl.col("action").is_not_null())
        .join(docs.select("doc_id", "province", "published", "event_date"), on="doc_id")
        .filter(pl.col("province").is_not_null())
        # A document's value: its largest mention.
        .group_by(["doc_id"] + key)
        .agg(pl.col("value").max(), pl.col("published").first(), pl.col("event_date").first())
    )
    # The latest report wins: published, then event_date, then doc_id; undated ones oldest.
    want = (points.sort(key + ["published", "event_date", "doc_id"], nulls_last=False)
            .group_by(key)
            .agg(pl.col("value").last(), pl.col("doc_id").last(),
                 pl.len().cast(pl.Int32).alias("n_documents"),
                 pl.col("value").n_unique().cast(pl.Int32).alias("n_values")))
    previous = want.select(key[:-1] + [(pl.col("year") + 1).alias("year"),
                                       pl.col("value").alias("prev_value")])
    want = want.join(previous, on=key, how="left")
    columns = key + ["value", "doc_id", "n_documents", "n_values", "prev_value"]
    got = pl.read_parquet(f"{dataset}/deltas.parquet").select(columns).sort(key)
    want = want.select(columns).sort(key)
    assert got.equals(want), got.join(want, on=key, how="full", suffix="_spec").filter(
        pl.col("doc_id").ne_missing(pl.col("doc_id_spec"))
        | pl.col("prev_value").ne_missing(pl.col("prev_value_spec"))).head()


def readme_examples():
    """The README's tagged examples: (name, language, code)."""
    with open(os.path.join(ROOT, "README.md"), encoding="utf-8") as f:
        text = f.read()
    return re.findall(r"<!-- example: ([\w-]+) -->\n```(\w+)\n(.*?)```", text, re.S)


def check_examples(dataset):
    """Runs the README's examples on the dataset and checks what each claims."""
    examples = readme_examples()
    assert len(examples) >= 4, f"{len(examples)} tagged README examples"
    scope = {}
    for name, lang, code in examples:
        code = code.replace("data/out/default", dataset)
        if lang == "python":
            exec(compile(code, f"README:{name}", "exec"), scope)
        elif lang == "sql":
            import duckdb

            scope[f"sql_{name}"] = duckdb.sql(code).fetchall()
        else:
            raise AssertionError(f"example {name}: language {lang}")
    import polars as pl

    obs = pl.read_parquet(f"{dataset}/observations.parquet")
    # Whole-year levels only.
    annual = scope["annual"]
    assert annual.filter(pl.col("measure") != "level").height == 0
    assert annual.filter(pl.col("period").is_not_null() | pl.col("year").is_null()).height == 0
    assert annual.height == obs.filter(
        (pl.col("measure") == "level") & pl.col("period").is_null() & pl.col("year").is_not_null()
    ).height
    # pandas keeps integers as integers, and doc_id as text.
    docs = scope["docs"]
    assert str(docs["report_year"].dtype) == "int32[pyarrow]", docs["report_year"].dtype
    assert scope["docs_csv"]["doc_id"].map(type).eq(str).all()
    # The DuckDB national series equals the deltas summed by hand.
    deltas = pl.read_parquet(f"{dataset}/deltas.parquet")
    by_hand = (deltas.filter((pl.col("topic") == "drug_crime") & (pl.col("action") == "arrested"))
               .group_by("year", "unit").agg(pl.col("value").sum()).sort("year", "unit").rows())
    got = scope["sql_national"]
    assert [r[:2] for r in got] == [r[:2] for r in by_hand], (got, by_hand)
    assert all(abs(a[2] - b[2]) <= 1e-9 * max(1.0, abs(b[2])) for a, b in zip(got, by_hand))
    # Per report, one figure per year, action and unit.
    per_report = scope["per_report"]
    assert per_report.height == per_report.unique(["doc_id", "year", "action", "unit"]).height


def check_analysis(dataset):
    """examples/analysis.py charts a province's series into a PNG."""
    with tempfile.TemporaryDirectory() as out:
        png = os.path.join(out, "series.png")
        subprocess.run([sys.executable, os.path.join(ROOT, "examples", "analysis.py"), dataset,
                        "--out", png], check=True)
        with open(png, "rb") as f:
            assert f.read(8) == b"\x89PNG\r\n\x1a\n", "not a PNG"


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("dataset")
    ap.add_argument("--readers", default="pyarrow,polars,pandas,duckdb")
    ap.add_argument("--examples", action="store_true")
    args = ap.parse_args()
    readers = args.readers.split(",")
    dataset = os.path.abspath(args.dataset)
    version, tables = data_dictionary()
    checks = Checks()
    checks.run("DATA.md describes the four tables", check_dictionary, tables)
    import importlib

    # The versions checked, for the CI log; a reader asked for and missing fails here.
    for reader in ["pyarrow"] + [r for r in readers if r != "pyarrow"]:
        print(f"{reader} {importlib.import_module(reader).__version__}")
    for table in TABLES:
        path = f"{dataset}/{table}.parquet"
        columns = tables.get(table, [])
        rows = {}

        def arrow():
            rows["n"] = check_pyarrow(path, table, columns, version)

        checks.run(f"pyarrow reads {table}", arrow)
        n = rows.get("n", -1)
        if "polars" in readers:
            checks.run(f"polars reads {table}", check_polars, path, table, columns, n)
        if "pandas" in readers:
            checks.run(f"pandas reads {table}", check_pandas, path, table, columns, n)
        if "duckdb" in readers:
            checks.run(f"duckdb reads {table}", check_duckdb, path, table, columns, n, version)
        if os.path.exists(f"{dataset}/{table}.csv"):
            checks.run(f"CSV {table} reads back", check_csv, f"{dataset}/{table}.csv", table, n,
                       readers)
    checks.run("deltas has one row per series point", check_deltas_key, dataset)
    if "polars" in readers:
        checks.run("deltas is what SPEC makes of observations and documents",
                   check_deltas_from_observations, dataset)
    if args.examples:
        checks.run("README examples give right answers", check_examples, dataset)
        checks.run("examples/analysis.py charts a series", check_analysis, dataset)
    print(f"{checks.passed} passed, {checks.failed} failed")
    return 1 if checks.failed else 0


if __name__ == "__main__":
    sys.exit(main())
