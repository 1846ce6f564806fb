#!/usr/bin/env python3
"""Unit tests of the reference verifier's checks beyond the journal schema
(sortes_verify.py): the replacement search of §14 against brute force, seed forms,
--head, application codes, the lottery file, the CSV reader, the reserve order, the
published commitment's form and the bundle manifest. Standard library only:

    python3 docs/verifier/test_verify.py

With SORTES_FIXTURE=DIR (a folder made by make_example.sh: forum.toml, bundle/,
bundle-confidential/) it also verifies that process and its bundles end to end.
"""
import contextlib
import importlib.util
import io
import itertools
import json
import os
import random
import sys
import tempfile
import unittest
from pathlib import Path

sys.dont_write_bytecode = True
_spec = importlib.util.spec_from_file_location(
    "sortes_verify", Path(__file__).resolve().with_name("sortes_verify.py"))
V = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(V)

H = "0123456789abcdef" * 4


def quiet(fn, *args):
    """fn(*args) with its printed lines captured: (result, lines)."""
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        r = fn(*args)
    return r, out.getvalue().splitlines()


def random_instance(rnd: random.Random, n: int, k: int) -> V.Instance:
    cats = []
    for c in range(rnd.randint(1, 3)):
        vals = [(f"v{v}", rnd.randint(0, 2), 0) for v in range(rnd.randint(2, 3))]
        cats.append((f"c{c}", [(name, lo, rnd.randint(lo, k)) for name, lo, _ in vals]))
    agents = [[rnd.randrange(len(v)) for _, v in cats] for _ in range(n)]
    households = [rnd.choice([None, None, 0, 1, 2]) for _ in range(n)] if rnd.random() < 0.6 else None
    return V.Instance(k, cats, [f"P{i:02d}" for i in range(n)], agents, households)


def brute_completable(inst, fixed, cands, need):
    return any(V.panel_problem(inst, [inst.ids[a] for a in fixed + list(rest)]) is None
               for rest in itertools.combinations(cands, need))


class ReplacementSearch(unittest.TestCase):
    def test_completable_agrees_with_brute_force(self):
        rnd = random.Random(7)
        for trial in range(400):
            k = rnd.randint(2, 6)
            inst = random_instance(rnd, rnd.randint(k + 1, 11), k)
            order = list(range(len(inst.ids)))
            rnd.shuffle(order)
            nfixed = rnd.randint(0, k - 1)
            fixed, cands = order[:nfixed], order[nfixed:]
            need = k - nfixed
            with self.subTest(trial=trial):
                self.assertEqual(V.completable(inst, fixed, cands, need),
                                 brute_completable(inst, fixed, cands, need))

    def test_choice_is_the_first_feasible_in_reserve_order(self):
        rnd = random.Random(11)
        checked = 0
        for trial in range(1000):
            k = rnd.randint(2, 5)
            inst = random_instance(rnd, rnd.randint(k + 2, 10), k)
            ids = inst.ids[:]
            rnd.shuffle(ids)
            panel = next((list(c) for c in itertools.combinations(ids, k)
                          if V.panel_problem(inst, list(c)) is None), None)
            if panel is None:
                continue
            reserve = [i for i in ids if i not in panel]
            dropped = rnd.sample(panel, rnd.randint(1, k))
            staying = [p for p in panel if p not in dropped]
            # Brute force: the lexicographically first feasible set (by reserve positions).
            want = next((list(c) for c in itertools.combinations(reserve, len(dropped))
                         if V.panel_problem(inst, staying + list(c)) is None), None)
            with self.subTest(trial=trial):
                if want is None:
                    with self.assertRaises(V.Failure):
                        V.choose_replacements(inst, panel, set(panel), set(), reserve, dropped, [])
                else:
                    self.assertEqual(V.choose_replacements(inst, panel, set(panel), set(),
                                                           reserve, dropped, []), want)
                    checked += 1
        self.assertGreater(checked, 50)

    def test_unavailable_and_former_members_are_skipped(self):
        inst = V.Instance(2, [("g", [("a", 0, 2)])], ["A", "B", "C", "D"], [[0]] * 4, None)
        got = V.choose_replacements(inst, ["A", "B"], {"A", "B", "C"}, set(), ["C", "D"], ["A"], [])
        self.assertEqual(got, ["D"])
        with self.assertRaises(V.Failure):
            V.choose_replacements(inst, ["A", "B"], {"A", "B"}, set(), ["C", "D"], ["A"], ["C", "D"])
        with self.assertRaises(V.Failure):
            V.choose_replacements(inst, ["A", "B"], {"A", "B"}, set(), ["C", "D"], ["C"], [])


class SeedsAndHeads(unittest.TestCase):
    def test_seed_forms_admit_only_their_seeds(self):  # as src/base/spec.rs's test
        lotto = V.parse_seed_form("rfc3797:6+1")
        self.assertEqual(V.form_text(lotto), "rfc3797:6+1")
        self.assertIsNone(V.form_admits(lotto, V.canonical_seed("3.12.19.27.33.41./7./")))
        self.assertIsNotNone(V.form_admits(lotto, V.canonical_seed("3.12.19.27.33./7./")))
        self.assertIsNotNone(V.form_admits(lotto, V.canonical_seed("text:anything")))
        drand = V.parse_seed_form("drand:4242")
        self.assertIsNone(V.form_admits(drand, V.canonical_seed("drand:4242:" + "ab" * 32)))
        self.assertIsNotNone(V.form_admits(drand, V.canonical_seed("drand:4243:" + "ab" * 32)))
        self.assertIsNotNone(V.form_admits(("ceremony",), V.canonical_seed("1.2./")))
        for bad in ["text", "rfc3797:", "rfc3797:6+0", "drand:x", "hex:"]:
            with self.assertRaises(V.Failure, msg=bad):
                V.parse_seed_form(bad)

    def test_head(self):
        self.assertEqual(V.parse_head(H), (None, H))
        self.assertEqual(V.parse_head(f" 12:{H.upper()} "), (12, H))
        for bad in [f"x:{H}", H[:-1], f"1:2:{H}", "", f"-1:{H}"]:
            with self.assertRaises(V.Failure, msg=bad):
                V.parse_head(bad)

    def test_ceremony_reserve_seed(self):
        self.assertEqual(V.seed_for_number(187), "text:lottery number 187")


class Codes(unittest.TestCase):
    def test_codes_are_keyed_and_checked(self):
        k1, k2 = bytes([1] * 32), bytes([2] * 32)
        c = V.application_code(k1, "p", "123", 0)
        self.assertRegex(c, f"^[{V.CODE_ALPHABET}]{{4}}-[{V.CODE_ALPHABET}]{{5}}$")
        v = [V.CODE_ALPHABET.index(ch) for ch in c.replace("-", "")]
        self.assertEqual(sum((i + 1) * x for i, x in enumerate(v)) % 31, 0)
        others = {V.application_code(k2, "p", "123", 0), V.application_code(k1, "p", "124", 0),
                  V.application_code(k1, "q", "123", 0), V.application_code(k1, "p", "123", 1)}
        self.assertNotIn(c, others)

    def test_code_key(self):
        self.assertEqual(V.load_code_key("k", (H + "\n").encode()), bytes.fromhex(H))
        with self.assertRaises(V.Failure):
            V.load_code_key("k", b"not hex\n")


class LotteryFile(unittest.TestCase):
    def text(self, tickets, k=2):
        head = ["sortes lottery v1", "process=p", f"m={len(tickets)}", f"k={k}",
                "pool_sha256=a", "quotas_sha256=b", "distribution_sha256=c"]
        w = len(str(len(tickets) - 1))
        return "".join(l + "\n" for l in head + [f"{t:0{w}d} {' '.join(ids)}"
                                                 for t, ids in enumerate(tickets)])

    def test_round_trip_and_strictness(self):  # as src/lottery/mod.rs's test
        tickets = [[f"P{t:02d}", "P99"] for t in range(11)]
        text = self.text(tickets)
        self.assertIn("\n00 P00 P99\n", text)
        head, got, width = V.parse_lottery("l.txt", text.encode())
        self.assertEqual((got, width, head["m"], head["k"]), (tickets, 2, 11, 2))
        for bad in [text.replace("03 P03 P99", "03  P03 P99"),
                    text.replace("03 P03 P99", "03 P99 P03"), text[:-1],
                    text.replace("m=11", "m=12"), text.replace("sortes lottery v1", "x")]:
            with self.assertRaises(V.Failure):
                V.parse_lottery("l.txt", bad.encode())

    def test_reserve_order_is_a_permutation_of_the_rest(self):  # as src/lottery/draw.rs's
        seed = V.seed_for_number(187)
        pool = [f"P{i:03d}" for i in range(30)]
        order = V.reserve_order(seed, "ab", 187, pool, pool[:10])
        self.assertEqual(sorted(order), pool[10:])
        self.assertEqual(V.reserve_order(seed, "ab", 187, pool[::-1], pool[:10]), order)
        self.assertNotEqual(V.reserve_order(seed, "ab", 188, pool, pool[:10]), order)

    def test_members_csv(self):
        self.assertEqual(V.members_csv(["P1", "a,b"], "seat"), b'seat,pool_id\n1,P1\n2,"a,b"\n')


class CsvFiles(unittest.TestCase):
    def test_table(self):
        t = V.read_table("f.csv", "\ufeffa;b\n 1 ;2\n\n;\n".encode())
        self.assertEqual((t.header, t.rows), (["a", "b"], [(2, ["1", "2"])]))
        with self.assertRaises(V.Failure) as e:
            V.read_table("f.csv", b"a,b\n1,2,3\n")
        self.assertIn("f.csv: line 2", str(e.exception))
        with self.assertRaises(V.Failure):
            V.read_table("f.csv", b'a,b\n"1,2\n')
        with self.assertRaises(V.Failure):
            V.read_table("f.csv", b"a,b\n\xff\n")

    def test_units(self):
        self.assertEqual(V.parse_units("0.5"), V.UNIT // 2)
        self.assertEqual(V.parse_units("1"), V.UNIT)
        for bad in ["", ".", "-0.1", "0.1234567890123", "1e-3"]:
            self.assertIsNone(V.parse_units(bad), bad)
        self.assertEqual(V.units_text(-1), "-0.000000000001")
        self.assertEqual(V.units_text(135 * 10**9), "0.135000000000")

    def test_distribution_is_normalised_to_the_most_probable_panel(self):
        data = b"panel,probability,members\n0,0.333333333333,P2 P1\n1,0.333333333333,P1 P3\n" \
               b"2,0.333333333333,P2 P3\n"
        panels, probs = V.parse_distribution("d.csv", data)
        self.assertEqual(panels[0], ["P1", "P2"])
        self.assertEqual(probs, [333333333334, 333333333333, 333333333333])

    def test_quota_layouts(self):
        for text in ["category,value,min,max\ng,m,1,2\ng,w,1,2\n",
                     "feature;value;min;max;min_flex;max_flex\ng;m;1;2;0;3\ng;w;1;2;;\n",
                     "category,feature,min,max\ng,m,1,2\ng,w,1,2\n"]:
            self.assertEqual(V.parse_quotas("q.csv", text.encode()),
                             [("g", [("m", 1, 2), ("w", 1, 2)])], text)
        for bad in ["category,value,min,max\ng,m,2,1\n", "category,value,min,max\ng,m,1,2\ng,M,1,2\n",
                    "category,value,min,max\ng,m,-1,2\n", "category,value,max\ng,m,1\n"]:
            with self.assertRaises(V.Failure, msg=bad):
                V.parse_quotas("q.csv", bad.encode())


class PublishedFiles(unittest.TestCase):
    def test_commitment_file_is_serde_pretty(self):
        e = {"b": [], "a": {"x": [1, 2]}, "c": "ä", "d": {}, "e": None, "f": True}
        self.assertEqual(V.commitment_file_text(e).decode(),
                         '{\n  "a": {\n    "x": [\n      1,\n      2\n    ]\n  },\n  "b": [],\n'
                         '  "c": "ä",\n  "d": {},\n  "e": null,\n  "f": true\n}\n')

    def test_manifest_names_the_file(self):
        with tempfile.TemporaryDirectory() as t:
            d = Path(t)
            (d / "a.txt").write_text("a\n")
            man = {"files": {"a.txt": V.sha256(b"a\n")}, "format": V.BUNDLE_FORMAT,
                   "journal_head": {"seq": 1, "sha256": H}, "level": "public", "out_dir": "out",
                   "process_file": "forum.toml", "quota_file": "quotas/q.csv", "spec": V.SPEC,
                   "tool": "sortes 0"}
            (d / "bundle.json").write_text(json.dumps(man))
            rep = V.Report()
            self.assertEqual(quiet(V.check_manifest, d, rep)[0], man)
            self.assertEqual(rep.failed, 0)
            (d / "a.txt").write_text("b\n")
            (d / "x.txt").write_text("x\n")
            rep = V.Report()
            _, lines = quiet(V.check_manifest, d, rep)
            self.assertEqual(rep.failed, 1)
            self.assertTrue(lines[0].startswith("FAIL  bundle manifest: "), lines)
            self.assertIn("a.txt differs", lines[0])
            self.assertIn("x.txt is in the bundle but not in its manifest bundle.json", lines[0])
            (d / "bundle.json").write_text(json.dumps({**man, "extra": 1}))
            rep = V.Report()
            self.assertIsNone(quiet(V.check_manifest, d, rep)[0])
            self.assertEqual(rep.failed, 1)

    def test_report_lines(self):
        rep = V.Report()
        _, lines = quiet(lambda: [rep.check("a", True, "x"), rep.skip("b", "why"),
                                  rep.add("ACCEPTED", "c", "d"), rep.fail("e", "f")])
        self.assertEqual(lines, ["PASS  a: x", "SKIP  b: why", "ACCEPTED  c: d", "FAIL  e: f"])
        self.assertEqual(rep.failed, 1)


@unittest.skipUnless(os.environ.get("SORTES_FIXTURE"), "set SORTES_FIXTURE=DIR to run")
class Fixture(unittest.TestCase):
    def test_process_and_bundles_verify(self):
        d = Path(os.environ["SORTES_FIXTURE"])
        opts = V.argparse.Namespace(head=None, accept_repeats=False, wave=None)
        code, lines = quiet(V.verify_process, d / "forum.toml", opts)
        self.assertEqual(code, 0, [l for l in lines if l.startswith("FAIL")])
        for b in sorted(p.parent for p in d.glob("*/bundle.json")):
            code, lines = quiet(V.verify_bundle, b, opts)
            self.assertEqual(code, 0, [l for l in lines if l.startswith("FAIL")])


if __name__ == "__main__":
    unittest.main()
