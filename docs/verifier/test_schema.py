#!/usr/bin/env python3
"""The journal schema of the reference verifier (sortes_verify.py) against a small
journal with one entry of each kind: it validates, and each way of breaking the
schema is refused naming the entry. Standard library only:

    python3 docs/verifier/test_schema.py
"""
import contextlib
import copy
import importlib.util
import io
import sys
import tempfile
import unittest
from pathlib import Path

sys.dont_write_bytecode = True  # no __pycache__ next to the verifier
_spec = importlib.util.spec_from_file_location(
    "sortes_verify", Path(__file__).resolve().with_name("sortes_verify.py"))
V = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(V)

H = "0123456789abcdef" * 4  # a SHA-256 in form; the schema checks no content


def outputs(*names):
    """The outputs and output_sha256 fields of an entry recording these files."""
    return {"outputs": {n: f"public/{n}.csv" for n in names},
            "output_sha256": {n: H for n in names}}


# One body of each kind, in an order sortes could write them.
BODIES = [
    {"step": "commit", "wave": 1, "process_sha256": H, "register_file_sha256": H,
     "extract_sha256": H, "register_rows": 12, "blank_rows": 0, "rejected_rows": 1,
     "residents": 11, "partial_birth_dates": 2, "partial_birth_dates_decided": 1,
     "eligible": 9, "eligible_sha256": H,
     "excluded": {"block_51": 1, "under_min_age": 1}, "exclusion_list_ids_not_in_register": 0,
     "invitations": 4, "household_rule": False, "strata_columns": ["stadtbezirk"],
     "strata": [{"stratum": "Mitte", "residents": 11, "eligible": 9, "capacity": 9,
                 "factor": "1.5", "allocated": 4}],
     "seed_source": "Lotto", "seed_form": "rfc3797:2", "reference_date": "2027-01-15",
     "commitment": H},
    {"step": "draw", "wave": 1, "commitment": H, "seed": "rfc3797:1.2./", "key_label":
     "invitation-draw", "drawn": 3, "drawn_sha256": H, "words_used": 8, "code_key_sha256": H,
     **outputs("invitees", "summary"),
     "shortfall": [{"stratum": "Mitte", "allocated": 4, "drawn": 3}]},
    {"step": "intake", "process_sha256": H, "applications_sha256": H,
     "invitee_files": [{"file": "private/invitees.csv", "sha256": H}], "rows_in": 3,
     "pool": 2, "rejected": 1, "rejected_by_reason": {"no_consent": 1},
     **outputs("pool", "summary", "mapping", "rejects")},
    {"step": "select", "process_sha256": H, "pool_file": "public/pool.csv", "pool_sha256": H,
     "quotas_sha256": H, "k": 1, "algorithm": "leximin", "applicants": 2, "panels": 2,
     "min_probability": "0.500000000000",
     **outputs("distribution", "probabilities", "quota_table")},
    {"step": "lottery", "lottery_sha256": H, "seed_source": "urns", "seed_form": "ceremony",
     "m": 10, "k": 1, "pool_sha256": H,
     "quotas_sha256": H, "distribution_sha256": H, "panels_in_distribution": 2,
     "panels_in_lottery": 2, "panels_generated": 0, "max_deviation": "0.000000000000",
     "deviation_lower_bound": "0", "min_probability_leximin": "0.500000000000",
     "min_probability_lottery": "0.500000000000", **outputs("lottery", "report")},
    {"step": "lottery-draw", "lottery_sha256": H, "m": 10, "number": 7, "number_text": "7",
     "source": "ceremony", "seed": None, "reserve_seed": "text:reserve", "panel": ["P001"],
     "reserves": 1, **outputs("panel", "reserves")},
    {"step": "replace", "round": 1, "date": "2027-03-01", "dropped": ["P001"],
     "unavailable": [], "replacements": ["P002"], "rule": "first feasible reserve",
     **outputs("panel")},
    {"step": "letters", "kind": "invitation", "letters": 3, "pages": 3, "missing_glyphs": 0,
     "single_files": 0, "wave": 1, "invitees_sha256": H, **outputs("pdf", "html", "mail_merge")},
    {"step": "report", "min_cell": 3, **outputs("report_de", "report_en")},
    {"step": "retention", "date": "2028-01-31", "reason": "retention ended",
     "deleted": [{"file": "private/invitees.csv", "sha256": H}], "code_key_sha256": H},
]
NUMBER = {b["step"]: n for n, b in enumerate(BODIES, start=1)}  # step -> journal entry


def journal_text(change=None, at=None) -> str:
    """The journal of BODIES, chained with the verifier's own hashing; change(entry)
    is applied to entry number `at` (header included) before it is hashed."""
    lines, prev = [], V.GENESIS
    for n, body in enumerate(copy.deepcopy(BODIES), start=1):
        e = {"seq": n, "prev_hash": prev, "time": "2027-01-16T10:00:00Z",
             "tool": "sortes 0.2.0", "spec": V.SPEC, **body}
        if n == at:
            change(e)
        e["entry_hash"] = prev = V.entry_hash(e)
        lines.append(V.canonical_json(e) + "\n")
    return "".join(lines)


class JournalSchema(unittest.TestCase):
    def read(self, text: str):
        with tempfile.TemporaryDirectory() as d:
            p = Path(d) / "journal.jsonl"
            p.write_text(text, "utf-8")
            return V.read_journal(p)

    def refused(self, step: str, change, what: str):
        """Changing the entry of `step` is refused, naming it and saying `what`."""
        n = NUMBER[step]
        entries, bad, _, problems = self.read(journal_text(change, n))
        self.assertIsNone(bad, "the change is rehashed: only the schema may fail")
        self.assertEqual(len(problems), 1, problems)
        self.assertTrue(problems[0].startswith(f"journal entry {n} ({step}): "), problems[0])
        self.assertIn(what, problems[0])

    def test_one_entry_of_each_kind_validates(self):
        entries, bad, noncanonical, problems = self.read(journal_text())
        self.assertEqual((len(entries), bad, noncanonical, problems), (len(BODIES), None, 0, []))
        self.assertEqual(set(NUMBER), set(V.BODIES))

    def test_optional_fields_and_their_rules(self):
        def legacy(e):  # no panels, no distribution
            e["algorithm"] = "legacy"
            del e["panels"], e["outputs"]["distribution"], e["output_sha256"]["distribution"]

        def seeded(e):
            e["source"], e["seed"] = "seed", "text:public"
        for step, change in [("select", legacy), ("lottery-draw", seeded),
                             ("commit", lambda e: e.update(rejects_sha256=H)),
                             ("draw", lambda e: e.update(redraw_reason="a printer failed")),
                             ("letters", lambda e: [e.pop(k) for k in ("wave", "invitees_sha256")])]:
            with self.subTest(step):
                *_, problems = self.read(journal_text(change, NUMBER[step]))
                self.assertEqual(problems, [])

    def test_unknown_field(self):
        self.refused("select", lambda e: e.update(extra=1), "unknown field 'extra'")
        self.refused("commit", lambda e: e["strata"][0].update(extra="x"),
                     "unknown field 'strata[0].extra'")

    def test_missing_required_field(self):
        self.refused("draw", lambda e: e.pop("drawn_sha256"), "missing field 'drawn_sha256'")
        self.refused("select", lambda e: e.pop("pool_file"), "missing field 'pool_file'")
        self.refused("lottery-draw", lambda e: e.pop("seed"), "missing field 'seed'")
        self.refused("report", lambda e: e.pop("time"), "missing header field 'time'")

    def test_float(self):
        self.refused("select", lambda e: e.update(min_probability=0.5),
                     "field 'min_probability' is a floating-point number")
        self.refused("commit", lambda e: e["strata"][0].update(capacity=9.0),
                     "field 'strata[0].capacity' is a floating-point number")
        self.refused("select", lambda e: e.update(min_probability="5e-1"),
                     "field 'min_probability' is not a decimal number written as text")

    def test_float_and_constants_in_the_text(self):
        text = journal_text()
        n = NUMBER["report"]
        for written, what in [("-0", "floating-point"), ("NaN", "not valid JSON"),
                              ("Infinity", "not valid JSON"), ("3.0", "floating-point"),
                              (str(2**64), "floating-point")]:
            with self.subTest(written):
                *_, problems = self.read(text.replace('"min_cell":3', f'"min_cell":{written}'))
                self.assertEqual(len(problems), 1, problems)
                self.assertTrue(problems[0].startswith(f"journal entry {n}"), problems[0])
                self.assertIn(what, problems[0])

    def test_bad_hex_hash(self):
        self.refused("intake", lambda e: e.update(applications_sha256=H.upper()),
                     "field 'applications_sha256' is not a SHA-256")
        self.refused("intake", lambda e: e["output_sha256"].update(pool=H[:-1]),
                     "field 'output_sha256.pool' is not a SHA-256")
        self.refused("intake", lambda e: e["invitee_files"][0].update(sha256=None),
                     "field 'invitee_files[0].sha256' is not a SHA-256")
        # A header hash breaks the chain too; the schema names it all the same.
        *_, problems = self.read(journal_text(lambda e: e.update(prev_hash="0" * 63 + "g"), 9))
        self.assertEqual(problems, ["journal entry 9 (report): field 'prev_hash' is not a "
                                    "SHA-256 (64 lower-case hex digits)"])

    def test_spec_version(self):
        self.assertEqual(V.SPEC, "sortes-draw-spec/3")
        for step in NUMBER:  # a journal of version 2 is refused, whatever the entry
            self.refused(step, lambda e: e.update(spec="sortes-draw-spec/2"),
                         "written under 'sortes-draw-spec/2'")
        self.refused("commit", lambda e: e.pop("partial_birth_dates"),
                     "missing field 'partial_birth_dates'")
        self.refused("commit", lambda e: e.update(partial_birth_dates_decided=-1),
                     "field 'partial_birth_dates_decided' is not a whole number")
        self.refused("commit", lambda e: e.update(partial_birth_dates="0"),
                     "field 'partial_birth_dates' is not a whole number")

    def test_wrong_seq(self):
        self.refused("lottery", lambda e: e.update(seq=6), "field 'seq' is 6, expected 5")

    def test_wrong_types(self):
        self.refused("commit", lambda e: e.update(household_rule=0), "field 'household_rule'")
        self.refused("replace", lambda e: e.update(round=True), "field 'round'")
        self.refused("letters", lambda e: e.update(wave=2**32), "field 'wave'")
        self.refused("select", lambda e: e.update(algorithm="random"), "field 'algorithm'")
        self.refused("report", lambda e: e.update(spec="sortes-draw-spec/1"),
                     "'sortes-draw-spec/1'")

    def test_select_without_distribution(self):
        def drop(e):
            del e["outputs"]["distribution"], e["output_sha256"]["distribution"]
        self.refused("select", drop, "a leximin selection must record a distribution")
        self.refused("select", lambda e: e.update(algorithm="legacy"),
                     "a legacy selection records no distribution")

    def test_seed_source_without_seed(self):
        self.refused("lottery-draw", lambda e: e.update(source="seed"),
                     'the seed is given exactly when the source is "seed"')

    def test_output_rules(self):
        self.refused("replace", lambda e: e["outputs"].update(panel="../panel.csv"),
                     "not a path inside the output folder")
        self.refused("report", lambda e: e["output_sha256"].pop("report_en"),
                     "outputs and output_sha256 name different files")

    def test_reported_as_fail_naming_entry_and_field(self):
        *_, problems = self.read(journal_text(lambda e: e.update(extra=1), NUMBER["select"]))
        rep, out = V.Report(), io.StringIO()
        with contextlib.redirect_stdout(out):
            self.assertFalse(V.schema_checked(rep, problems, 9))
        self.assertEqual(out.getvalue(),
                         "FAIL  journal schema: journal entry 4 (select): unknown field 'extra'\n")
        self.assertEqual(rep.failed, 1)


if __name__ == "__main__":
    unittest.main()
