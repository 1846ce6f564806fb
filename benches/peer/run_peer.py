#!/usr/bin/env python3
"""Benchmark driver for the Sortition Foundation's `sortition-algorithms` library (the "peer").

Run with the peer's own interpreter, e.g.
  $SORTES_PEER_PYTHON benches/peer/run_peer.py --features F.csv --candidates C.csv \
      --k 22 --id-column nationbuilder_id --address-columns primary_address1,primary_zip
  $SORTES_PEER_PYTHON benches/peer/run_peer.py --research DIR --k 20

Prints exactly one line of JSON on stdout. On error: {"error": ...} and exit code 1.
Only the distribution computation is timed (not CSV parsing / conversion / statistics).

Entry points used (sortition_algorithms.committee_generation):
  maximin -> find_distribution_maximin(features, people, k, address_cols, "highspy")
  leximin -> find_distribution_leximin(...)   (needs gurobipy + a licence, else "skipped")
  legacy  -> find_random_sample_legacy(...)   (greedy, ONE panel per call; there is no
             distribution, so probabilities are estimated from --legacy-samples draws)
"""
import argparse
import copy
import csv
import importlib.metadata
import importlib.util
import json
import logging
import os
import statistics
import sys
import tempfile
import time


# HiGHS prints a C-level banner to fd 1; keep the real stdout for our single JSON line only.
sys.stdout.flush()
REAL_STDOUT = os.dup(1)
os.dup2(2, 1)


def emit(obj, code=0):
    sys.stdout.flush()
    os.write(REAL_STDOUT, (json.dumps(obj) + "\n").encode())
    sys.exit(code)


def normalise_features_csv(src, dst):
    """Copy a quota table, renaming headers to the library's `feature,value,min,max[,flex]` layout."""
    with open(src, newline="", encoding="utf-8-sig") as f:
        rows = list(csv.reader(f))
    head = [h.strip().lower() for h in rows[0]]
    if "category" in head and "feature" in head and "value" not in head:
        # research layout: category = library "feature", feature = library "value"
        head = ["feature" if h == "category" else "value" if h == "feature" else h for h in head]
    elif "category" in head and "value" in head:
        head = ["feature" if h == "category" else h for h in head]
    with open(dst, "w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows([head, *rows[1:]])


def add_id_column(src, dst, id_col):
    """Research respondents.csv has no id column: synthesise the 0-based row index."""
    with open(src, newline="", encoding="utf-8-sig") as f:
        rows = list(csv.reader(f))
    with open(dst, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow([id_col, *rows[0]])
        w.writerows([str(i), *r] for i, r in enumerate(rows[1:]))


def gurobi_status():
    """Return None if gurobipy is importable AND a licensed model can be built, else a reason."""
    if importlib.util.find_spec("gurobipy") is None:
        return "gurobipy not installed (leximin in sortition-algorithms requires Gurobi)"
    try:
        import gurobipy as grb

        env = grb.Env(empty=True)
        env.setParam("OutputFlag", 0)
        env.start()
        m = grb.Model(env=env)
        m.addVar()
        m.optimize()  # fails for size-limited / missing licences only on big models, but catches no licence
        return None
    except Exception as e:  # noqa: BLE001
        return f"gurobipy present but unusable: {e}"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--features")
    ap.add_argument("--candidates")
    ap.add_argument("--research", help="dir with categories.csv + respondents.csv (no id column)")
    ap.add_argument("--k", type=int, required=True)
    ap.add_argument("--id-column", default="id")
    ap.add_argument("--address-columns", default="", help="comma-separated; enables household check")
    ap.add_argument("--algorithm", default="maximin", choices=["maximin", "leximin", "legacy"])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--seed", type=int, default=1, help="library RNG seed (0 = secrets module)")
    ap.add_argument("--legacy-samples", type=int, default=1000, help="panels drawn per legacy repetition")
    ap.error = lambda msg: (_ for _ in ()).throw(ValueError(f"bad arguments: {msg}"))  # JSON, not usage
    a = ap.parse_args()

    logging.disable(logging.WARNING)  # keep the library's INFO/WARNING chatter off stdout/stderr
    from sortition_algorithms import CSVFileDataSource, SelectionData, Settings
    from sortition_algorithms.committee_generation import (
        find_distribution_leximin,
        find_distribution_maximin,
        find_random_sample_legacy,
        standardize_distribution,
    )
    from sortition_algorithms.utils import set_random_provider

    version = importlib.metadata.version("sortition-algorithms")
    base = {"algorithm": a.algorithm, "k": a.k, "library_version": version}

    if a.algorithm == "leximin":
        reason = gurobi_status()
        if reason:
            emit({**base, "skipped": reason, "solver": "gurobi"})

    # ---- load input (untimed) -------------------------------------------------------------
    addr = [c.strip() for c in a.address_columns.split(",") if c.strip()]
    with tempfile.TemporaryDirectory() as tmp:
        feat_csv, people_csv = os.path.join(tmp, "features.csv"), os.path.join(tmp, "people.csv")
        if a.research:
            id_col = "research_row_id"
            normalise_features_csv(os.path.join(a.research, "categories.csv"), feat_csv)
            add_id_column(os.path.join(a.research, "respondents.csv"), people_csv, id_col)
        else:
            if not (a.features and a.candidates):
                raise ValueError("need --features and --candidates, or --research DIR")
            id_col = a.id_column
            normalise_features_csv(a.features, feat_csv)
            people_csv = a.candidates
        settings = Settings(
            id_column=id_col,
            columns_to_keep=[],
            check_same_address=bool(addr),
            check_same_address_columns=addr,
            selection_algorithm=a.algorithm,
            solver_backend="highspy",
            random_number_seed=a.seed,
        )
        data = SelectionData(
            CSVFileDataSource(features_file=feat_csv, people_file=people_csv, already_selected_file=None,
                              selected_file=os.path.join(tmp, "sel.csv"),
                              remaining_file=os.path.join(tmp, "rem.csv")),
        )
        features, _ = data.load_features(number_to_select=a.k)
        people, _ = data.load_people(settings, features)
    addr_cols = settings.normalised_address_columns  # [] when the household check is off

    # ---- timed runs -----------------------------------------------------------------------
    times, result = [], None
    for _ in range(a.repeat):
        f, p = copy.deepcopy(features), copy.deepcopy(people)
        set_random_provider(a.seed)  # HiGHS random_seed is drawn from this provider
        t0 = time.perf_counter()
        if a.algorithm == "maximin":
            res = find_distribution_maximin(f, p, a.k, addr_cols, "highspy")
        elif a.algorithm == "leximin":
            res = find_distribution_leximin(f, p, a.k, addr_cols, "highspy")
        else:  # legacy: draw many single panels
            res = [find_random_sample_legacy(p, f, a.k, addr_cols, max_attempts=100)[0][0]
                   for _ in range(a.legacy_samples)]
        times.append(time.perf_counter() - t0)
        result = res

    # ---- per-person probabilities from the (last) distribution ----------------------------
    if a.algorithm == "legacy":
        panels_generated = len(result)
        committees = result
        probs = [1.0 / len(result)] * len(result)  # empirical: each draw has weight 1/samples
    else:
        committees, probs, _ = result
        panels_generated = len(committees)
        committees, probs = standardize_distribution(committees, probs)  # drop p<1e-8, renormalise
    pp = dict.fromkeys(people, 0.0)
    for c, pr in zip(committees, probs):
        for pid in c:
            pp[pid] += pr
    s = sum(pp.values())
    if abs(s - a.k) > 1e-6 * a.k:
        raise RuntimeError(f"probabilities sum to {s}, expected k={a.k}")
    emit({
        **base,
        "seconds_median": statistics.median(times),
        "seconds_all": times,
        "min_probability": min(pp.values()),
        "max_probability": max(pp.values()),
        "sum_probabilities": s,
        "n": people.count,
        "panels": len(set(committees)),  # distinct panels with positive probability
        "panels_generated": panels_generated,
        "solver": {"maximin": "highspy", "leximin": "gurobi (dual LP) + highspy (ILP)",
                   "legacy": "none (greedy)"}[a.algorithm],
        "household_check": bool(addr_cols),
        "seed": a.seed,
        **({"legacy_samples": a.legacy_samples, "empirical": True} if a.algorithm == "legacy" else {}),
    })


if __name__ == "__main__":
    try:
        main()
    except SystemExit:
        raise
    except BaseException as e:  # noqa: BLE001 - the Rust driver expects JSON, never a traceback
        emit({"error": f"{type(e).__name__}: {e}"}, 1)
