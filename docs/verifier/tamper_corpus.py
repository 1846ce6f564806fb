#!/usr/bin/env python3
"""Tamper corpus: every way of changing a finished process that a verifier must catch,
run through `sortes verify` and through the Python reference verifier next to this file.

    python3 docs/verifier/tamper_corpus.py SORTES_BINARY FIXTURE_DIR [bundles|process]

(the optional last argument runs only the bundle cases, or only the process cases)

FIXTURE_DIR is a complete process folder (forum.toml, its register, quota file and out/),
optionally with audit bundles in it (any folder holding a bundle.json; e.g. `bundle` and
`bundle-confidential` as /tmp/pyv/make_example.sh writes them). Nothing in it is changed:
every case works on a copy in a temporary folder. The cases:

* bundle flips: for every file of every bundle, one byte in the middle changed;
* process flips: every file the journal records (and the journal, the published
  commitments, the process file, the quota file, the register and the code key), one byte
  in the middle changed;
* deletions: every file of the process folder deleted in turn (a file no check reads, such
  as the lock or the applications export, is expected to pass);
* entry removed: each journal entry in turn removed and the chain recomputed (seq,
  prev_hash, entry_hash with the verifier's own canonical_json/entry_hash);
* cut journal: the last line removed, verified with --head of the original last entry;
* non-canonical journal: every line rewritten with spaces, hashes unchanged (spec §10
  says each line is the entry in canonical form);
* a stray file in out/public/ that no entry records;
* forgeries: a published file changed *and* every hash recording it rewritten (journal
  rechained, commitments and, in a bundle, bundle.json made to match), so that only a
  recomputation from the journal's own inputs can catch it; among them a replacement that
  is not the one the rule picks (undetectable by design in a public bundle);
* bundle.json edits: the level, the journal head, the spec, a confidential pool leaked
  into a public bundle, a stray file, a listed file removed.

Prints one row per case: sortes rc, python rc, whether a FAIL line names the file (for
sortes a FAIL or an error line), and a verdict. Exit status 1 if the Python
verifier missed a case or did not name the file; cases sortes misses are listed at the end
(they are reported, not counted).
"""
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
VERIFIER = HERE / "sortes_verify.py"
sys.dont_write_bytecode = True
_spec = importlib.util.spec_from_file_location("sortes_verify", VERIFIER)
V = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(V)


def flip(path: Path) -> str:
    """Changes one byte at (or just after) the middle of the file: a digit to its
    neighbour ('0' <-> '1', '2' <-> '3', ...), a letter to the next letter, anything else
    by its lowest bit. Returns what was done."""
    data = bytearray(path.read_bytes())
    if not data:
        path.write_bytes(b"x")
        return "empty file: wrote one byte"
    mid = len(data) // 2
    i = next((j for j in range(mid, len(data)) if chr(data[j]).isalnum() and data[j] < 128), mid)
    b = data[i]
    if 48 <= b <= 57:
        data[i] = b ^ 1
    elif 97 <= b <= 122:
        data[i] = 97 + (b - 97 + 1) % 26
    elif 65 <= b <= 90:
        data[i] = 65 + (b - 65 + 1) % 26
    else:
        data[i] = b ^ 1
    path.write_bytes(bytes(data))
    return f"byte {i} of {len(data)}: {chr(b)!r} -> {chr(data[i])!r}"


def run(cmd, cwd):
    r = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True)
    return r.returncode, r.stdout, r.stderr


def fail_lines(text: str):
    return [l for l in text.splitlines() if l.startswith("FAIL")]


class Corpus:
    def __init__(self, sortes: str):
        self.sortes, self.rows, self.python_missed, self.sortes_missed = sortes, [], [], []

    def case(self, name: str, folder: Path, target: str, mode: str, named: str | None,
             expect_fail: bool = True, extra=()):
        """Runs both verifiers on `target` (relative to `folder`); `named`: the path (relative
        to the bundle or process folder) a FAIL line must contain, or None."""
        flag = "--bundle" if mode == "bundle" else "-p"
        src, sout, serr = run([self.sortes, "verify", flag, target, *extra], folder)
        prc, pout, perr = run([sys.executable, str(VERIFIER), flag, target, *extra], folder)
        py_named = named is None or any(named in l for l in fail_lines(pout))
        so_named = named is None or any(  # as tests/verifiers.rs names(): FAIL or error lines
            l.startswith(("FAIL", "error")) and named in l for l in (sout + serr).splitlines())
        traceback = "Traceback" in perr
        if not expect_fail:
            verdict = "ok (expected pass)" if src == 0 and prc == 0 else \
                f"unexpected FAIL: sortes {src}, python {prc}"
            if prc != 0:
                self.python_missed.append(f"{name}: python fails where it should pass")
        else:
            problems = []
            if prc == 0 or not py_named or traceback:
                problems.append("PYTHON MISSES" if prc == 0 else
                                "python traceback" if traceback else "python does not name it")
                self.python_missed.append(f"{name}: {problems[-1]}")
            if src == 0:
                problems.append("SORTES MISSES")
                self.sortes_missed.append(f"{name} (sortes rc 0)")
            elif not so_named:
                problems.append("sortes does not name it")
                self.sortes_missed.append(f"{name} (sortes fails but does not name {named})")
            verdict = ", ".join(problems) or "ok"
        first = next(iter(fail_lines(pout)), "")[:110]
        self.rows.append((name, src, prc, "-" if named is None else "yes" if py_named else "NO",
                          "-" if named is None else "yes" if so_named else "NO", verdict, first))

    def print(self):
        w = max(len(r[0]) for r in self.rows)
        print(f"{'case'.ljust(w)}  sortes  python  py-names  so-names  verdict")
        for name, src, prc, pn, sn, verdict, first in self.rows:
            print(f"{name.ljust(w)}  {src:>6}  {prc:>6}  {pn:>8}  {sn:>8}  {verdict}")
            if "PYTHON" in verdict or "python" in verdict:
                print(f"{''.ljust(w)}  python said: {first}")
        print(f"\n{len(self.rows)} cases; python missed {len(self.python_missed)}, "
              f"sortes missed {len(self.sortes_missed)}")
        for m in self.python_missed:
            print(f"  python: {m}")
        for m in self.sortes_missed:
            print(f"  sortes: {m}")


def bundles_of(fixture: Path):
    return sorted(p.parent for p in fixture.glob("*/bundle.json"))


def copy_process(fixture: Path, dest: Path):
    """The process folder without its bundles (they are no part of the process)."""
    skip = {b.name for b in bundles_of(fixture)}
    shutil.copytree(fixture, dest, ignore=lambda d, names: [n for n in names if Path(d) == fixture
                                                            and n in skip], symlinks=True)


def bundle_cases(c: Corpus, fixture: Path, tmp: Path):
    for b in bundles_of(fixture):
        for f in sorted(p for p in b.rglob("*") if p.is_file()):
            rel = f.relative_to(b).as_posix()
            work = tmp / "bundle-case"
            shutil.rmtree(work, ignore_errors=True)
            work.mkdir()
            shutil.copytree(b, work / b.name)
            flip(work / b.name / rel)
            c.case(f"{b.name}: flip {rel}", work, b.name, "bundle", rel)
            shutil.rmtree(work)


def process_facts(fixture: Path):
    """The process file's register and quota paths, the journal's recorded outputs and
    its entries."""
    import tomllib
    proc = tomllib.loads((fixture / "forum.toml").read_text("utf-8"))
    out = proc.get("output", {}).get("dir", "out")
    entries = [json.loads(l) for l in (fixture / out / "journal.jsonl").read_text("utf-8").splitlines()]
    recorded = sorted({f"{out}/{p}" for e in entries for p in e.get("outputs", {}).values()})
    checked = set(recorded) | {f"{out}/journal.jsonl", f"{out}/private/code-key.secret",
                               "forum.toml", proc["register"]["path"]}
    checked |= {f"{out}/public/commitment-wave{e['wave']}.json" for e in entries
                if e["step"] == "commit"}
    if "selection" in proc and any(e["step"] == "select" for e in entries):
        checked.add(proc["selection"]["quotas"])
    checked |= set(proc.get("eligibility", {}).get("exclude_lists", []))
    return out, entries, recorded, checked


def write_journal(path: Path, entries):
    """The entries chained again (seq, prev_hash, entry_hash) with the verifier's hashing."""
    prev, lines = V.GENESIS, []
    for n, e in enumerate(entries, start=1):
        e = {k: v for k, v in e.items() if k != "entry_hash"}
        e["seq"], e["prev_hash"] = n, prev
        e["entry_hash"] = prev = V.entry_hash(e)
        lines.append(V.canonical_json(e) + "\n")
    path.write_text("".join(lines), "utf-8")


def process_cases(c: Corpus, fixture: Path, tmp: Path):
    out, entries, recorded, checked = process_facts(fixture)
    work = tmp / "process-case"

    def fresh():
        shutil.rmtree(work, ignore_errors=True)
        copy_process(fixture, work)
        return work

    for rel in sorted(checked):
        if (fixture / rel).is_file():
            flip(fresh() / rel)
            c.case(f"process: flip {rel}", work, "forum.toml", "process", rel)
    skip = {b.name for b in bundles_of(fixture)}
    every = sorted(p.relative_to(fixture).as_posix() for p in fixture.rglob("*")
                   if p.is_file() and p.relative_to(fixture).parts[0] not in skip)
    for rel in every:
        (fresh() / rel).unlink()
        c.case(f"process: delete {rel}", work, "forum.toml", "process",
               rel if rel in checked else None, expect_fail=rel in checked)
    for n in range(1, len(entries) + 1):
        write_journal(fresh() / out / "journal.jsonl", entries[:n - 1] + entries[n:])
        c.case(f"process: remove journal entry {n} ({entries[n - 1]['step']}), rechained",
               work, "forum.toml", "process", None)
    journal = fresh() / out / "journal.jsonl"
    journal.write_text("".join(l + "\n" for l in journal.read_text("utf-8").splitlines()[:-1]), "utf-8")
    head = f"{entries[-1]['seq']}:{entries[-1]['entry_hash']}"
    c.case("process: last journal line removed, --head of the original", work, "forum.toml",
           "process", f"{out}/journal.jsonl", extra=("--head", head))
    journal = fresh() / out / "journal.jsonl"
    journal.write_text("".join(json.dumps(json.loads(l), ensure_ascii=False) + "\n"
                               for l in journal.read_text("utf-8").splitlines()), "utf-8")
    c.case("process: journal lines not canonical (hashes intact)", work, "forum.toml", "process",
           f"{out}/journal.jsonl")
    (fresh() / out / "public" / "stray.csv").write_text("a,b\n1,2\n")
    c.case("process: a file no entry records", work, "forum.toml", "process",
           f"{out}/public/stray.csv")
    shutil.rmtree(work, ignore_errors=True)


def sha(p: Path) -> str:
    return V.sha256(p.read_bytes())


def rewrite_hashes(folder: Path, out: str, old: str, new: str, bundle: bool, change=None):
    """Every occurrence of the hash `old` in the journal becomes `new`, `change(entries)` is
    applied, the chain is recomputed, the published commitments follow the latest commit
    entries and (in a bundle) bundle.json lists the new hashes and head."""
    j = folder / out / "journal.jsonl"
    entries = [json.loads(l.replace(old, new)) for l in j.read_text("utf-8").splitlines()]
    if change:
        change(entries)
    write_journal(j, entries)
    entries = [json.loads(l) for l in j.read_text("utf-8").splitlines()]
    for e in {e["wave"]: e for e in entries if e["step"] == "commit"}.values():
        (folder / out / "public" / f"commitment-wave{e['wave']}.json").write_bytes(
            V.commitment_file_text(e))
    if bundle:
        rewrite_manifest(folder)


def rewrite_manifest(b: Path, change=None):
    """bundle.json with the hashes of the files it lists and the journal's last entry."""
    man = json.loads((b / "bundle.json").read_text("utf-8"))
    if change:
        change(man)
    man["files"] = {r: sha(b / r) for r in man["files"] if (b / r).is_file()}
    last = json.loads((b / man["out_dir"] / "journal.jsonl").read_text("utf-8").splitlines()[-1])
    man["journal_head"] = {"seq": last["seq"], "sha256": last["entry_hash"]}
    (b / "bundle.json").write_text(json.dumps(man, indent=2) + "\n", "utf-8")


def swap_cells(rel_line_a: int, rel_line_b: int, col: int):
    """A mutation: the cells `col` of two data lines (1 = the first after the header) swap."""
    def mutate(p: Path):
        lines = p.read_text("utf-8").split("\n")
        a, b = lines[rel_line_a].split(","), lines[rel_line_b].split(",")
        a[col], b[col] = b[col], a[col]
        lines[rel_line_a], lines[rel_line_b] = ",".join(a), ",".join(b)
        p.write_text("\n".join(lines), "utf-8")
    return mutate


def bump_digit(line: int, col: int, pos: int = -1):
    """A mutation: one digit of a cell changes ('0' <-> '1' style)."""
    def mutate(p: Path):
        lines = p.read_text("utf-8").split("\n")
        cells = lines[line].split(",")
        c = list(cells[col])
        i = [n for n, ch in enumerate(c) if ch.isdigit()][pos]
        c[i] = str(int(c[i]) ^ 1)
        cells[col] = "".join(c)
        lines[line] = ",".join(cells)
        p.write_text("\n".join(lines), "utf-8")
    return mutate


FORGERIES = [  # (file in the output folder, mutation, what it forges)
    ("public/lottery/reserves.csv", swap_cells(1, 2, 1), "reserve order (ranks 1 and 2 swapped)"),
    ("public/lottery/panel.csv", swap_cells(1, 2, 1), "panel (seats 1 and 2 swapped)"),
    ("public/lottery/panel-after-replacement-1.csv", swap_cells(1, 2, 1),
     "panel after replacement 1 (seats swapped)"),
    ("public/lottery/lottery-report.csv", bump_digit(1, 2), "lottery report (tickets of one)"),
    ("public/selection/probabilities.csv", bump_digit(1, 1, 5), "a selection probability"),
    ("public/draw-summary-wave1.csv", bump_digit(1, 6), "draw summary (drawn count)"),
    ("private/invitees.csv", swap_cells(1, 2, 4), "invitees (two codes swapped)"),
]


def forged_replacement(folder: Path, out: str, bundle: bool):
    """The replace entry names another reserve than the rule picks; its panel file and
    every hash follow."""
    j = folder / out / "journal.jsonl"
    entries = [json.loads(l) for l in j.read_text("utf-8").splitlines()]
    rounds = [e for e in entries if e["step"] == "replace"]
    r = rounds[-1]  # the last round: no later panel depends on it
    d = next(e for e in entries if e["step"] == "lottery-draw")
    panel, ever = list(d["panel"]), set(d["panel"])
    for x in rounds[:-1]:
        panel = [p for p in panel if p not in x["dropped"]] + x["replacements"]
        ever |= set(x["replacements"])
    reserves = [l.split(",")[1] for l in
                (folder / out / d["outputs"]["reserves"]).read_text("utf-8").splitlines()[1:]]
    staying = [p for p in panel if p not in r["dropped"]]
    # Replacements from the end of the reserve order: not what the rule picks.
    new = [x for x in reversed(reserves) if x not in ever and x not in r["replacements"]
           and x not in staying][:len(r["dropped"])]
    panel = staying + new
    f = folder / out / r["outputs"]["panel"]
    old = sha(f)
    f.write_bytes(V.members_csv(panel, "seat"))
    seq = r["seq"]

    def change(es):
        es[seq - 1]["replacements"] = new
    rewrite_hashes(folder, out, old, sha(f), bundle, change)


def forged_cases(c: Corpus, fixture: Path, tmp: Path, only=None):
    out, entries, _, _ = process_facts(fixture)
    work = tmp / "forge-case"
    has_replace = any(e["step"] == "replace" for e in entries)
    targets = ([("process", None)] if only != "bundles" else []) + \
        ([(b.name, b) for b in bundles_of(fixture)] if only != "process" else [])
    for label, b in targets:
        for rel, mutate, what in FORGERIES + ([(None, None, "a replacement the rule does not pick")]
                                             if has_replace else []):
            shutil.rmtree(work, ignore_errors=True)
            if b is None:
                copy_process(fixture, work)
                folder, target, mode, o = work, "forum.toml", "process", out
            else:
                work.mkdir()
                shutil.copytree(b, work / b.name)
                man = json.loads((b / "bundle.json").read_text("utf-8"))
                folder, target, mode, o = work / b.name, b.name, "bundle", man["out_dir"]
            if rel is not None and not (folder / o / rel).is_file():
                continue  # not in this process, or a personal file (not in a bundle)
            if rel is None:
                forged_replacement(folder, o, b is not None)
                public = b is not None and json.loads(
                    (b / "bundle.json").read_text("utf-8"))["level"] == "public"
                c.case(f"{label}: forged {what}, rehashed", work, target, mode, None,
                       expect_fail=not public)
                continue
            p = folder / o / rel
            old = sha(p)
            mutate(p)
            rewrite_hashes(folder, o, old, sha(p), b is not None)
            c.case(f"{label}: forged {what}, rehashed", work, target, mode, f"{o}/{rel}")
    shutil.rmtree(work, ignore_errors=True)


def manifest_cases(c: Corpus, fixture: Path, tmp: Path):
    work = tmp / "manifest-case"
    bundles = bundles_of(fixture)
    for b in bundles:
        man = json.loads((b / "bundle.json").read_text("utf-8"))
        other = "confidential" if man["level"] == "public" else "public"
        cases = [
            (f"level {man['level']} -> {other}", lambda m: m.update(level=other), True),
            ("journal_head.seq - 1", lambda m: m["journal_head"].update(seq=m["journal_head"]["seq"] - 1), True),
            ("spec renamed", lambda m: m.update(spec="sortes-draw-spec/9"), True),
            ("format renamed", lambda m: m.update(format="sortes-audit-bundle/9"), True),
            ("tool renamed (not checked)", lambda m: m.update(tool="sortes 9.9.9"), False),
        ]
        for what, change, expect in cases:
            shutil.rmtree(work, ignore_errors=True)
            work.mkdir()
            shutil.copytree(b, work / b.name)
            m = json.loads((work / b.name / "bundle.json").read_text("utf-8"))
            change(m)
            (work / b.name / "bundle.json").write_text(json.dumps(m, indent=2) + "\n", "utf-8")
            c.case(f"{b.name}: bundle.json {what}", work, b.name, "bundle",
                   "bundle.json" if expect else None, expect_fail=expect)
        for what, edit, named in [
                ("a stray file not in bundle.json", lambda d: (d / "notes.txt").write_text("x\n"),
                 "notes.txt"),
                ("a listed file removed", lambda d: (d / "draw-spec.md").unlink(), "draw-spec.md")]:
            shutil.rmtree(work, ignore_errors=True)
            work.mkdir()
            shutil.copytree(b, work / b.name)
            edit(work / b.name)
            c.case(f"{b.name}: {what}", work, b.name, "bundle", named)
        pools = [p for p in fixture.glob(f"*/{man['out_dir']}/audit/pool.csv")]
        if man["level"] == "public" and pools:
            shutil.rmtree(work, ignore_errors=True)
            work.mkdir()
            shutil.copytree(b, work / b.name)
            leak = work / b.name / man["out_dir"] / "audit" / "pool.csv"
            leak.parent.mkdir(parents=True)
            shutil.copy(pools[0], leak)
            rewrite_manifest(work / b.name, lambda m: m["files"].update(
                {f"{man['out_dir']}/audit/pool.csv": ""}))
            c.case(f"{b.name}: the confidential pool leaked into the public bundle (listed)",
                   work, b.name, "bundle", f"{man['out_dir']}/audit/pool.csv")
    shutil.rmtree(work, ignore_errors=True)


def main():
    if len(sys.argv) not in (3, 4) or sys.argv[3:] not in ([], ["bundles"], ["process"]):
        sys.exit(__doc__)
    sortes, fixture = os.path.abspath(sys.argv[1]), Path(sys.argv[2]).resolve()
    only = sys.argv[3] if len(sys.argv) == 4 else None
    c = Corpus(sortes)
    untouched = [("forum.toml", "-p", fixture)] + [(b.name, "--bundle", fixture) for b in bundles_of(fixture)]
    for target, flag, cwd in untouched:  # the corpus means something only on a clean fixture
        for cmd in ([sortes, "verify", flag, target], [sys.executable, str(VERIFIER), flag, target]):
            rc, out, err = run(cmd, cwd)
            if rc != 0:
                sys.exit(f"the untouched fixture does not verify ({' '.join(cmd[-3:])}):\n"
                         + "\n".join(fail_lines(out)) + err)
    with tempfile.TemporaryDirectory(prefix="sortes-tamper-") as t:
        if only != "process":
            bundle_cases(c, fixture, Path(t))
            manifest_cases(c, fixture, Path(t))
        if only != "bundles":
            process_cases(c, fixture, Path(t))
        forged_cases(c, fixture, Path(t), only)
    c.print()
    sys.exit(1 if c.python_missed else 0)


if __name__ == "__main__":
    main()
