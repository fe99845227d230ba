#!/usr/bin/env python3
"""Checks that a solieu dataset's Parquet tables open in pyarrow with SPEC's column types.

usage: check_parquet_types.py DATASET_DIR
"""
import sys

import pyarrow as pa
import pyarrow.parquet as pq

S, I32, I64, F64, D, B = pa.string(), pa.int32(), pa.int64(), pa.float64(), pa.date32(), pa.bool_()
SPEC = {
    "documents": [("doc_id", S), ("source", S), ("sha256", S), ("title", S), ("event_date", D),
                  ("report_year", I32), ("province", S), ("n_chars", I64), ("n_observations", I32)],
    "observations": [("doc_id", S), ("obs_idx", I32), ("span_start", I64), ("span_end", I64),
                     ("mention", S), ("sentence", S), ("measure", S), ("value", F64),
                     ("denominator", F64), ("unit", S), ("unit_raw", S), ("qualifier", S),
                     ("topic", S), ("action", S), ("year", I32), ("period", S),
                     ("change_direction", S), ("change_value", F64), ("change_unit", S),
                     ("baseline", S), ("baseline_value", F64), ("delta", F64), ("pct_change", F64)],
    "deltas": [("province", S), ("topic", S), ("action", S), ("unit", S), ("year", I32),
               ("value", F64), ("doc_id", S), ("prev_year", I32), ("prev_value", F64),
               ("prev_doc_id", S), ("delta", F64), ("pct_change", F64), ("consistent", B)],
    "rejects": [("source", S), ("reason", S)],
}


def main(out_dir):
    bad = []
    for table, columns in SPEC.items():
        schema = pq.read_schema(f"{out_dir}/{table}.parquet")
        got = [(f.name, f.type) for f in schema]
        want = [(n, t) for n, t in columns]
        norm = [(n, pa.string() if t == pa.large_string() or t == pa.string_view() else t) for n, t in got]
        if norm != want:
            bad.append(f"{table}: got {got}, want {want}")
    for b in bad:
        print(b, file=sys.stderr)
    print(f"parquet types: {len(SPEC) - len(bad)}/{len(SPEC)} tables match SPEC")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
