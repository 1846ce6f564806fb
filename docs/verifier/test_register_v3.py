#!/usr/bin/env python3
"""The register reader of the reference verifier (sortes_verify.py) against a tiny
register extract of sortes-draw-spec/3 (§6): Windows-1252, ';', German column names,
partial birth dates, house-number suffixes and part numbers, Doktorgrad, name prefix,
address addition, M/W/D/X, J/N blocks, nationalities 000 and DEU/TUR, a quoted field
holding ';', CR LF line ends, blank rows and a two-person household written 12 + a and
12a; and malformed variants of it (a long row, a short row, a NUL byte, a 300-character
cell, an unterminated quote, UTF-8 declared as Windows-1252, Windows-1252 declared as
UTF-8). Standard library only:

    python3 docs/verifier/test_register_v3.py
"""
import contextlib
import importlib.util
import io
import sys
import tempfile
import tomllib
import unittest
from pathlib import Path

sys.dont_write_bytecode = True
_spec = importlib.util.spec_from_file_location(
    "sortes_verify", Path(__file__).resolve().with_name("sortes_verify.py"))
V = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(V)

PROCESS = """
[process]
name = "Testforum"
id = "testforum"
reference_date = "2026-06-15"

[register]
path = "register.csv"
encoding = "windows-1252"
delimiter = ";"

[register.columns]
register_id = "Ordnungsmerkmal"
family_name = "Familienname"
given_names = "Vornamen"
doctorate = "Doktorgrad"
name_prefix = "Namensvorsatz"
street = "Straße"
house_number = "Hausnummer"
house_number_suffix = "Buchstabe"
house_number_part = "Teilnummer"
address_addition = "Adresszusatz"
postcode = "PLZ"
city = "Ort"
birth_date = "Geburtsdatum"
gender = "Geschlecht"
nationality = "Staatsangehörigkeit"
stadtbezirk = "Stadtbezirk"
block_51 = "Auskunftssperre"
block_52 = "Sperrvermerk"

[eligibility]
min_age = 16

[draw]
invitations = 3
strata = ["stadtbezirk", "age_band"]
household_rule = true
"""

HEADER = ("Ordnungsmerkmal;Familienname;Vornamen;Doktorgrad;Namensvorsatz;Straße;Hausnummer;"
          "Buchstabe;Teilnummer;Adresszusatz;PLZ;Ort;Geburtsdatum;Geschlecht;"
          "Staatsangehörigkeit;Stadtbezirk;Auskunftssperre;Sperrvermerk;Bemerkung")
ROWS = [  # line 2 onwards; ids deliberately not in canonical order
    "R003;Müller;Anna;Dr.;;Hauptstr.;12;a;;;44135;Dortmund;00.07.1955;W;000;Innenstadt-West;N;N;",
    " R001 ;Özdemir;Ümit;;;Hauptstraße;12a;;;;44135;Dortmund;15.03.1980;M;DEU/TUR;"
    "Innenstadt-West;N;N;Nachbarin von R003",
    'R002;Lüdenscheidt;Käthe;Prof. Dr.;von der;Lindenstrasse;5;;1/2;"c/o Schmidt; 3. OG";'
    "44139;Dortmund;0.0.1950;D;türkisch;Innenstadt-West;J;N;",
    "R010;Weiß;Jörg;;;Lindenstraße;5;;;;44139;Dortmund;1950;X;deutsch, italienisch;Eving;N;J;",
    "R005;Schröder;Zoë;;;Hauptstraße;12;;;;44135;Dortmund;00.06.2010;w;DEU;Eving;n;n;",
    "R004;Groß;Sören;;;;;;;;44135;Dortmund;16.06.2010;m;000;Eving;N;N;",
    "",  # line 8: an empty line, a blank row
    ";" * 18,  # line 9: every cell empty, a blank row
    "R006;Krüger;Änne;;;Mühlenweg;7;;;;44339;Dortmund;00.00.2011;W;000;Eving;N;N;",
    "R007;Süß;Björn;;;Mühlen  Weg;7;;;;44339;Dortmund;00.00.2001;M;000;Eving;N;N;",
]


def quiet(fn, *args):
    """fn(*args) with its printed lines captured: (result, lines)."""
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        r = fn(*args)
    return r, out.getvalue().splitlines()


def register_bytes(rows=ROWS, encoding="cp1252") -> bytes:
    return "".join(l + "\r\n" for l in [HEADER] + rows).encode(encoding)


def with_row(line: int, text: str) -> list:
    """ROWS with data line `line` (the header is line 1) replaced."""
    rows = list(ROWS)
    rows[line - 2] = text
    return rows


class Register(unittest.TestCase):
    def load(self, data: bytes, keep_rejects=False, process=PROCESS, **register):
        proc = tomllib.loads(process)
        proc["register"].update(register)
        with tempfile.TemporaryDirectory() as d:
            (Path(d) / "register.csv").write_bytes(data)
            return proc, V.load_register(proc, Path(d), keep_rejects)

    def refused(self, data: bytes, where: str, what: str, keep_rejects=False, process=PROCESS,
                **register):
        """Reading fails with a message naming `where` (line, column) and saying `what`."""
        with self.assertRaises(V.Failure) as e:
            self.load(data, keep_rejects, process, **register)
        msg = str(e.exception)
        self.assertIn(where, msg)
        self.assertIn(what, msg)
        return msg

    def test_canonical_records(self):
        _, reg = self.load(register_bytes())
        people = {p["id"]: p for p in reg["people"]}
        self.assertEqual([p["id"] for p in reg["people"]],
                         ["R001", "R002", "R003", "R004", "R005", "R006", "R007", "R010"])
        self.assertEqual(people["R002"]["values"], (
            "R002", "Lüdenscheidt", "Käthe", "Prof. Dr.", "von der", "Lindenstrasse", "5", "",
            "1/2", "c/o Schmidt; 3. OG", "44139", "Dortmund", "1950-00-00", "d", "türkisch",
            "Innenstadt-West", "1", "0", ""))
        self.assertEqual(people["R003"]["values"], (
            "R003", "Müller", "Anna", "Dr.", "", "Hauptstr.", "12", "a", "", "", "44135",
            "Dortmund", "1955-07-00", "w", "deutsch", "Innenstadt-West", "0", "0", ""))
        self.assertEqual(people["R001"]["values"][V.ID], "R001")  # trimmed
        self.assertEqual(people["R001"]["values"][V.NATIONALITY], "deutsch/TUR")
        self.assertEqual(people["R010"]["values"][V.NATIONALITY], "deutsch/italienisch")
        self.assertEqual(people["R010"]["values"][V.BIRTH], "1950-00-00")
        self.assertEqual(people["R010"]["values"][V.GENDER], "x")
        self.assertEqual(people["R010"]["values"][V.B52], "1")
        for p in reg["people"]:
            self.assertEqual(p["hash"], V.record_hash(p["values"]))
            self.assertEqual(len(p["values"]), 19)
        self.assertEqual(reg["extract_sha256"],
                         V.list_hash(p["hash"] for p in reg["people"]))
        self.assertEqual((reg["rows"], reg["blank_rows"], reg["rejected_rows"]), (10, 2, 0))

    def test_the_row_order_changes_no_hash(self):
        _, a = self.load(register_bytes())
        _, b = self.load(register_bytes(ROWS[::-1]))
        self.assertEqual(a["extract_sha256"], b["extract_sha256"])

    def test_ages_partial_dates_and_eligibility(self):
        proc, reg = self.load(register_bytes())
        people = {p["id"]: p for p in reg["people"]}
        ages = {i: (p["age"], p["partial"], p["decided"]) for i, p in people.items()}
        self.assertEqual(ages, {
            "R001": (46, False, False), "R002": (75, True, False), "R003": (70, True, False),
            "R004": (15, False, False), "R005": (16, True, True), "R006": (14, True, False),
            "R007": (24, True, True), "R010": (75, True, False)})
        self.assertEqual((reg["partial_birth_dates"], reg["partial_birth_dates_decided"]), (6, 2))
        eligible, excluded, missing = V.eligibility(proc, reg["people"], set(), {"R001", "X9"})
        self.assertEqual([p["id"] for p in eligible], ["R003", "R005", "R007"])
        self.assertEqual(excluded, {"invited_earlier": 0, "exclusion_list": 1, "block_51": 1,
                                    "block_52": 1, "under_min_age": 2, "over_max_age": 0,
                                    "nationality": 0})
        self.assertEqual(missing, 1)

    def test_households(self):
        _, reg = self.load(register_bytes())
        hh = {p["id"]: p["household"] for p in reg["people"]}
        self.assertEqual(hh["R001"], "hauptstraße|12a|44135")  # 12a
        self.assertEqual(hh["R003"], hh["R001"])  # Hauptstr. 12 + a: the same household
        self.assertEqual(hh["R005"], "hauptstraße|12|44135")  # 12: another one
        self.assertEqual(hh["R002"], "lindenstraße|5/1/2|44139")  # part number 1/2
        self.assertEqual(hh["R010"], "lindenstraße|5|44139")
        self.assertIsNone(hh["R004"])  # no street, no house number: no household
        self.assertEqual(hh["R006"], "mühlenweg|7|44339")
        self.assertEqual(hh["R007"], "mühlen weg|7|44339")  # a space is not nothing

    def test_strata_and_plan(self):
        proc, reg = self.load(register_bytes())
        pl = V.plan(proc, reg, set(), set(), None)
        got = [(s["stratum"], s["residents"], s["eligible"], s["capacity"], s["factor"],
                s["allocated"]) for s in pl["strata"]]
        # w = 2000, 1000, 1000 (W = 4000), R = 3: floors 1, 0, 0, remainders 2000, 3000,
        # 3000: the two more go to the two strata with remainder 3000.
        self.assertEqual(got, [("Eving / 16-24", 2, 2, 2, "1", 1),
                               ("Eving / 75+", 1, 0, 0, "1", 0),
                               ("Eving / unter 16", 2, 0, 0, "1", 0),
                               ("Innenstadt-West / 45-54", 1, 1, 1, "1", 1),
                               ("Innenstadt-West / 65-74", 1, 1, 1, "1", 1),
                               ("Innenstadt-West / 75+", 1, 0, 0, "1", 0)])

    def test_invitees_csv(self):
        proc, reg = self.load(register_bytes())
        pl = V.plan(proc, reg, set(), set(), None)
        pl["wave"] = 1
        per = [s["_members"][:s["allocated"]] for s in pl["strata"]]
        codes = {p["id"]: "CODE-0000" + p["id"][-1] for d in per for p in d}
        text = V.invitees_csv(proc, reg, pl, per, codes).decode("utf-8").splitlines()
        self.assertEqual(text[0], ",".join(V.INVITEES_HEADER))
        self.assertEqual(text[0], "wave,stratum,draw_rank,register_id,application_code,"
                         "family_name,given_names,doctorate,name_prefix,street,house_number,"
                         "house_number_suffix,house_number_part,address_addition,postcode,city,"
                         "age,age_band,gender,nationality,stadtbezirk")
        self.assertEqual(text[1:], [
            "1,Eving / 16-24,1,R005,CODE-00005,Schröder,Zoë,,,Hauptstraße,12,,,,44135,Dortmund,"
            "16,16-24,w,deutsch,Eving",
            "1,Innenstadt-West / 45-54,1,R001,CODE-00001,Özdemir,Ümit,,,Hauptstraße,12a,,,,44135,"
            "Dortmund,46,45-54,m,deutsch/TUR,Innenstadt-West",
            "1,Innenstadt-West / 65-74,1,R003,CODE-00003,Müller,Anna,Dr.,,Hauptstr.,12,a,,,44135,"
            "Dortmund,70,65-74,w,deutsch,Innenstadt-West"])

    def test_maps_of_the_process_file(self):
        custom = PROCESS + '\n[register.gender_map]\n"1" = "m"\n" Weiblich " = "w"\n' \
                           '"M" = "m"\n"D" = "d"\n"X" = "x"\n' \
                           '\n[register.nationality_map]\n"000" = "DE"\n'
        rows = [r.replace(";W;", ";weiblich;").replace(";w;", ";Weiblich;") for r in ROWS]
        _, reg = self.load(register_bytes(rows), process=custom)
        people = {p["id"]: p for p in reg["people"]}
        self.assertEqual(people["R003"]["values"][V.GENDER], "w")
        self.assertEqual(people["R003"]["values"][V.NATIONALITY], "DE")
        self.assertEqual(people["R001"]["values"][V.NATIONALITY], "DEU/TUR")  # no default map
        # The given map replaces the default: "W" (line 2) is not one of its keys.
        msg = self.refused(register_bytes(), 'register line 2, column "Geschlecht"',
                           "is not a key of register.gender_map", process=custom)
        self.assertIn("'1', 'weiblich', 'm', 'd', 'x'", msg)
        # Without a gender column the field is empty.
        _, reg = self.load(register_bytes(), process=PROCESS.replace('gender = "Geschlecht"\n', ""))
        self.assertEqual({p["values"][V.GENDER] for p in reg["people"]}, {""})

    def test_row_problems_name_line_and_column(self):
        cases = [
            (with_row(3, ROWS[1] + ";zu viel"), 'register line 3, column 20 (the header has 19)',
             "the row has 20 fields, the header 19"),
            (with_row(4, ROWS[2].removesuffix(";")), 'register line 4, column "Bemerkung"',
             "the row has 18 fields, the header 19: it ends before this column"),
            (with_row(5, ROWS[3].replace("Weiß", "We\0iß")), 'register line 5, column "Familienname"',
             "control character"),
            (with_row(6, ROWS[4] + "x" * 300), 'register line 6, column "Bemerkung"',
             "the cell has 300 characters, more than 256"),
            (with_row(7, ROWS[5].replace(";m;", ";Q;")), 'register line 7, column "Geschlecht"',
             "is not a key of the default gender map"),
            (with_row(7, ROWS[5].replace(";N;N;", ";vielleicht;N;")),
             'register line 7, column "Auskunftssperre"', "the block mark is neither"),
            (with_row(7, ROWS[5].replace("16.06.2010", "15.00.2010")),
             'register line 7, column "Geburtsdatum"', "is not a date"),
            (with_row(7, ROWS[5].replace("16.06.2010", "00.07.2026")),
             'register line 7, column "Geburtsdatum"', "lies after the reference date"),
            (with_row(7, ROWS[5].replace("R004", "")), 'register line 7, column "Ordnungsmerkmal"',
             "the register id is empty"),
            (with_row(7, ROWS[5].replace(";Eving;", ";;")), 'register line 7, column "Stadtbezirk"',
             "the stadtbezirk value is empty"),
        ]
        for rows, where, what in cases:
            with self.subTest(where=where, what=what):
                msg = self.refused(register_bytes(rows), where, what)
                for value in ("zu viel", "Weiß", "xxxxx", "R004;", "Groß", "Q"):
                    self.assertNotIn(value, msg)
                # With commit --rejects the row is set aside and counted.
                _, reg = self.load(register_bytes(rows), keep_rejects=True)
                self.assertEqual((reg["rejected_rows"], len(reg["people"])), (1, 7))

    def test_duplicate_ids(self):
        rows = with_row(7, ROWS[5].replace("R004", "R001"))
        self.refused(register_bytes(rows), "register", "occurs more than once")
        _, reg = self.load(register_bytes(rows), keep_rejects=True)
        self.assertEqual((reg["rejected_rows"], len(reg["people"])), (2, 6))  # both lines

    def test_unterminated_quote_always_refuses(self):
        rows = with_row(4, ROWS[2].replace('3. OG";', "3. OG;"))
        for keep in (False, True):
            msg = self.refused(register_bytes(rows), 'register line 4, column "Adresszusatz"',
                               "a quote opened in this field is not closed on its line",
                               keep_rejects=keep)
            self.assertNotIn("Schmidt", msg)

    def test_a_quote_that_closes_on_the_next_line_is_unterminated(self):
        rows = with_row(4, ROWS[2].replace('3. OG";', '3.\r\nOG";'))
        self.refused(register_bytes(rows), "register line 4", "is not closed on its line",
                     keep_rejects=True)

    def test_encodings(self):
        utf8 = register_bytes(encoding="utf-8")
        # UTF-8 with a BOM declared as Windows-1252: refused at once.
        self.refused(V.BOM + utf8, "register line 1", "UTF-8 byte order mark", keep_rejects=True)
        # UTF-8 declared as Windows-1252: the first line that is valid UTF-8 with a
        # multi-byte sequence (here the header's "Straße") refuses the file.
        self.refused(utf8, "register line 1", "the line is UTF-8 text", keep_rejects=True)
        # ... also with ASCII column names: the data line with "Müller" (not "MÃ¼ller").
        ascii_header = HEADER.replace("ß", "ss").replace("ö", "oe")
        ascii_proc = PROCESS.replace('"Straße"', '"Strasse"').replace(
            '"Staatsangehörigkeit"', '"Staatsangehoerigkeit"')
        data = (ascii_header + "\r\n" + "\r\n".join(ROWS)).encode("utf-8")
        first = next(n for n, r in enumerate(ROWS, start=2) if not r.isascii())
        self.refused(data, f"register line {first}", "the line is UTF-8 text",
                     process=ascii_proc, keep_rejects=True)
        # Windows-1252 declared as UTF-8: the first byte that is not UTF-8 (ß in "Straße").
        self.refused(register_bytes(), "register line 1", "not valid UTF-8", encoding="utf-8")
        data = (ascii_header + "\r\n" + "\r\n".join(ROWS) + "\r\n").encode("cp1252")
        msg = self.refused(data, 'register line 2, column "Familienname"', "not valid UTF-8",
                           encoding="utf-8", keep_rejects=True)
        self.assertNotIn("Müller", msg)
        # UTF-8 declared as UTF-8, BOM or not, CR LF or LF: the same records.
        a = self.load(ascii_header.encode() + b"\r\n" + "\r\n".join(ROWS).encode(),
                      process=ascii_proc, encoding="utf-8")[1]
        b = self.load(V.BOM + ascii_header.encode() + b"\n" + "\n".join(ROWS).encode() + b"\n",
                      process=ascii_proc, encoding="utf-8")[1]
        self.assertEqual(a["extract_sha256"], b["extract_sha256"])
        self.assertEqual(len(a["people"]), 8)

    def test_header(self):
        self.refused(register_bytes(), 'the column "Geburtstag" named in register.columns',
                     "is not in the header", process=PROCESS.replace('"Geburtsdatum"', '"Geburtstag"'))
        twice = HEADER.replace("Bemerkung", "Vornamen")
        data = "".join(l + "\r\n" for l in [twice] + ROWS).encode("cp1252")
        self.refused(data, 'the column "Vornamen"', "occurs 2 times in the header")
        comma = "".join(l.replace(";", ",") + "\r\n" for l in [HEADER] + ROWS[:1]).encode("cp1252")
        self.refused(comma, "register line 1", "splits the header into one column")
        # auto: ';' splits the header into the most columns.
        _, reg = self.load(register_bytes(), delimiter="auto")
        self.assertEqual(reg["delimiter"], ";")

    def test_a_process_written_by_the_spec_verifies(self):
        """A commit and a draw made here by the spec (this verifier's functions), as sortes
        writes them: verify --process passes every check, and a commit entry whose counts
        of partial birth dates are changed (and rechained) fails."""
        with tempfile.TemporaryDirectory() as t:
            d = Path(t)
            text = PROCESS + '\n[output]\ndir = "out"\n'
            (d / "forum.toml").write_text(text, "utf-8")
            (d / "register.csv").write_bytes(register_bytes())
            proc = tomllib.loads(text)
            reg = V.load_register(proc, d, False)
            pl = V.plan(proc, reg, set(), set(), None)
            pl["wave"] = 1
            public = [{k: x for k, x in st.items() if not k.startswith("_")} for st in pl["strata"]]
            body = {"wave": 1, "process_sha256": V.sha256(text.encode()),
                    "extract_sha256": reg["extract_sha256"], "eligible": len(pl["eligible"]),
                    "eligible_sha256": pl["eligible_sha256"], "excluded": pl["excluded"],
                    "invitations": pl["invitations"], "household_rule": True, "strata": public}
            commitment = V.sha256(V.canonical_json(body).encode())
            commit = {"step": "commit", **body, "register_file_sha256": reg["file_sha256"],
                      "register_rows": reg["rows"], "blank_rows": reg["blank_rows"],
                      "rejected_rows": 0, "residents": len(reg["people"]),
                      "partial_birth_dates": 6, "partial_birth_dates_decided": 2,
                      "exclusion_list_ids_not_in_register": 0, "strata_columns": proc["draw"]["strata"],
                      "seed_source": "Lotto", "seed_form": "rfc3797:6+1",
                      "reference_date": "2026-06-15", "commitment": commitment}
            seed = V.canonical_seed("3.12.19.27.33.41./7./")
            per, words = V.execute(pl, seed, commitment)
            key = bytes(range(32))
            codes = {p["id"]: V.application_code(key, "testforum", p["id"], 0)
                     for x in per for p in x}
            files = {"invitees": ("private/invitees.csv", V.invitees_csv(proc, reg, pl, per, codes)),
                     "summary": ("public/draw-summary-wave1.csv", V.summary_csv(pl, per))}
            draw = {"step": "draw", "wave": 1, "commitment": commitment, "seed": seed,
                    "key_label": V.LABEL, "drawn": sum(map(len, per)),
                    "drawn_sha256": V.drawn_digest(per), "words_used": words,
                    "code_key_sha256": V.sha256(key),
                    "outputs": {n: f for n, (f, _) in files.items()},
                    "output_sha256": {n: V.sha256(b) for n, (_, b) in files.items()},
                    "shortfall": [{"stratum": st["stratum"], "allocated": st["allocated"],
                                   "drawn": len(x)} for st, x in zip(pl["strata"], per)
                                  if len(x) < st["allocated"]]}
            # R001 and R003 are one household (Hauptstr. 12 + a, Hauptstraße 12a) in two
            # strata: the second of them drawn finds its household taken.
            self.assertEqual(draw["shortfall"], [{"stratum": "Innenstadt-West / 65-74",
                                                  "allocated": 1, "drawn": 0}])
            out = d / "out"
            for sub in ("public", "private"):
                (out / sub).mkdir(parents=True)
            for f, b in files.values():
                (out / f).write_bytes(b)
            (out / "private/code-key.secret").write_text(key.hex() + "\n")

            def write(entries):
                lines, prev = [], V.GENESIS
                for n, b in enumerate(entries, start=1):
                    e = {"seq": n, "prev_hash": prev, "time": "2026-06-16T10:00:00Z",
                         "tool": "test", "spec": V.SPEC, **b}
                    e["entry_hash"] = prev = V.entry_hash(e)
                    lines.append(V.canonical_json(e) + "\n")
                    if e["step"] == "commit":
                        (out / "public/commitment-wave1.json").write_bytes(V.commitment_file_text(e))
                (out / "journal.jsonl").write_text("".join(lines), "utf-8")
            opts = V.argparse.Namespace(head=None, accept_repeats=False, wave=None)
            write([commit, draw])
            code, lines = quiet(V.verify_process, d / "forum.toml", opts)
            self.assertEqual(code, 0, [l for l in lines if not l.startswith("PASS")])
            for name in ("wave 1 commitment", "wave 1 register counts", "wave 1 draw: replay",
                         "wave 1 summary replay", "wave 1 invitees replay"):
                self.assertTrue(any(l.startswith(f"PASS  {name}: ") for l in lines), (name, lines))
            write([{**commit, "partial_birth_dates_decided": 1}, draw])
            code, lines = quiet(V.verify_process, d / "forum.toml", opts)
            self.assertEqual(code, 1)
            self.assertIn("FAIL  wave 1 register counts: commit entry 1 of out/journal.jsonl "
                          "records partial_birth_dates_decided 1 (recomputed 2)", lines)

    def test_pinned_vectors(self):
        """Values of docs/test-vectors.md, so that a change of the code shows."""
        self.assertEqual(V.record_hash(V.VECTOR_RECORD).hex(),  # V6.3-record
                         "59d8c30dd5cea0f69db673c6634a357605ffb0f02269894edcaea24104dcf639")
        hashes = sorted(((i, V.record_hash((i,) + V.VECTOR_RECORD[1:])) for i in V.VECTOR_LIST_IDS),
                        key=lambda r: r[0].encode())
        self.assertEqual([i for i, _ in hashes], ["R10", "R2", "Ä1"])  # V6.4-list
        self.assertEqual(V.list_hash(h for _, h in hashes),
                         "61d0cc733bf1f2350fb2ece818521712f6ce1e1fddf571127474f7a224f9729d")
        self.assertEqual(V.sha256(V.canonical_json(V.VECTOR_COMMIT).encode()),  # V11-commitment
                         "acadf38d2c0b722fc9b800e615266c582849eb19b838b0c1d837176ab7579d8c")
        # V6-register: the register of this file, with PROCESS.
        self.assertEqual(V.sha256(register_bytes()),
                         "977f12ff94e55eb6e25cd8e0e5e2d12dc7f4f20f91daa7d95858b4004046057c")
        proc, reg = self.load(register_bytes())
        self.assertEqual(reg["extract_sha256"],
                         "0642e5a89d171d671fdf91a378c5c0082612fe0e9bd73253dbae772dec442ed8")
        self.assertEqual(V.plan(proc, reg, set(), set(), None)["eligible_sha256"],
                         "11ef5900eae9e9a33f2f4a2ad2292a951a4ce96933818dd5e5e0656947ac204f")
        lines = dict(V.vector_lines())  # the last line of each id
        self.assertEqual(lines["V8-draw"], 'shortfall [{"allocated":2,"drawn":1,"stratum":"Hörde"}]')
        self.assertEqual(lines["V7.2-alloc"], "allocation A 4, B 15, C 12, D 9, E 0")
        self.assertEqual(lines["V7.2-alloc-two"], "allocation A 4, B 11, C 14, D 11, E 0")


if __name__ == "__main__":
    unittest.main()
