#!/usr/bin/env python3
"""Charts one province's year-on-year series from a solieu dataset, contradictions marked.

usage: analysis.py [DATASET_DIR] [--province NAME] [--out PNG]

Reads `deltas` (one row per series point: province, topic, action, unit, year), picks the
province with the most points unless one is named, and draws its series, those with
contradictions first, then the longest, as lines over the years (broken where a year has no
report). A point whose report states a previous value that the previous year's
report contradicts (`consistent = false`) is ringed in red, with the stated value as a cross,
so an analyst sees where reports disagree before trusting the line. A point several reports
give with different values (`n_values > 1`) is drawn hollow.

Works as a script or cell by cell in a notebook. Needs pandas, pyarrow and matplotlib.
"""
import argparse
import os

import matplotlib

matplotlib.use("Agg")  # no display needed: the chart goes to a file
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402

# Load: pyarrow types keep `year` an integer and `consistent` a nullable boolean.
ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
ap.add_argument("dataset", nargs="?", default="data/out/default")
ap.add_argument("--province")
ap.add_argument("--out", help="PNG to write (default data/out/charts/<province>.png)")
ap.add_argument("--series", type=int, default=6, help="how many series to draw")
args = ap.parse_args()
deltas = pd.read_parquet(os.path.join(args.dataset, "deltas.parquet"), dtype_backend="pyarrow")

# Choose a province: the one with the most points, unless named.
province = args.province or deltas["province"].value_counts().idxmax()
points = deltas[deltas["province"] == province]
if points.empty:
    raise SystemExit(f"no series for {province!r} in {args.dataset}")

# Its series with contradictions first, then the longest (most years), each a (topic, action,
# unit).
key = ["topic", "action", "unit"]
points = points.assign(contradicted=points["consistent"].fillna(True).eq(False))
ranked = points.groupby(key).agg(contradicted=("contradicted", "sum"), years=("year", "size"))
ranked = ranked.sort_values(["contradicted", "years"], ascending=False, kind="stable")
chosen = ranked.head(args.series).index

fig, axes = plt.subplots(len(chosen), 1, figsize=(8, 2.4 * len(chosen)), squeeze=False)
for ax, (topic, action, unit) in zip(axes[:, 0], chosen):
    s = points[(points["topic"] == topic) & (points["action"] == action) & (points["unit"] == unit)]
    s = s.assign(year=s["year"].astype(int), value=s["value"].astype(float)).set_index("year")
    # Every year in the span, so the line breaks where a year has no report.
    span = s["value"].reindex(range(s.index.min(), s.index.max() + 1))
    ax.plot(span.index, span.to_numpy(dtype=float, na_value=float("nan")), "-", color="tab:blue")
    agree = s["n_values"].astype(int) <= 1
    ax.plot(s.index[agree], s["value"][agree], "o", color="tab:blue", label="point")
    if (~agree).any():
        ax.plot(s.index[~agree], s["value"][~agree], "o", mfc="white", color="tab:blue",
                label="reports of the year disagree")
    c = s[s["contradicted"]]
    if not c.empty:
        ax.plot(c.index, c["value"], "o", ms=14, mfc="none", color="tab:red",
                label="contradicts the year before")
        ax.plot(c.index - 1, c["stated_prev_value"].astype(float), "x", color="tab:red",
                label="previous value it states")
    ax.set_title(f"{province}: {action} · {topic} ({unit})", fontsize=9)
    ax.xaxis.get_major_locator().set_params(integer=True)
    ax.legend(fontsize=7, loc="best")
fig.tight_layout()

out = args.out or os.path.join("data", "out", "charts", f"{province}.png")
os.makedirs(os.path.dirname(os.path.abspath(out)), exist_ok=True)
fig.savefig(out, dpi=100)
print(f"{province}: {len(chosen)} series, {int(points['contradicted'].sum())} contradicted points"
      f" -> {out}")
