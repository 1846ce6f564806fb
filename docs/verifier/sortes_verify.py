#!/usr/bin/env python3
"""Independent reference verifier for sortes (sortes-draw-spec/3).

Re-implements docs/draw-spec.md with the Python 3.11 standard library only (ChaCha20
written out below) and checks everything `sortes verify` checks (src/verify/), without
the sortes binary:

    python3 sortes_verify.py --process forum.toml [--wave N] [--head SEQ:HASH] [--accept-repeats]
    python3 sortes_verify.py --bundle AUDIT_BUNDLE_DIR [--head SEQ:HASH] [--accept-repeats]
    python3 sortes_verify.py --vectors

Both modes check, in this order:

* the journal (§10): the hash chain, every line in canonical form, every entry against the
  schema sortes writes it with (src/base/journal/entry.rs: no unknown or missing field, no
  floating-point number); a journal that fails is not used further, as sortes refuses it
  as a whole. With --head (HASH or SEQ:HASH, published earlier) the journal must still
  contain that entry: a journal cut after it, or rewritten, fails;
* the sequence of steps: every step used what the step before it recorded (a draw the
  latest commitment of its wave, the intake the latest invitee files, the selection the
  intake's pool, the lottery the latest selection, one lottery draw after it,
  replacements in rounds 1, 2, ...; nothing stale); every seed and the lottery number of
  the form announced before it (§2.1); a wave committed or drawn twice (FAIL, or ACCEPTED
  with --accept-repeats); every file of the output folder recorded by an entry (journal
  complete); each published commitment-waveN.json the latest commit entry of its wave;
* every recorded file at the hash of the latest entry that wrote it; a personal file
  (out/private/) that is gone is SKIP only when a retention entry journals its deletion
  (or, in a bundle, as out of scope); the process file against the hash the steps
  recorded; each draw summary as its commit and draw entries imply it;
* the selection: every panel of distribution.csv has k pool members and meets every quota
  and the household rule (integer counts); probabilities.csv is the sum over the panels;
* the lottery (§12-§14): the commitment of lottery.txt, every numbered panel against the
  quotas, the rounding's largest difference and lottery-report.csv recomputed, the number
  (from the seed) and the reserve order recomputed, every replacement replayed by the rule
  of §14 (exact search), and panel.csv, reserves.csv and panel-after-replacement-N.csv
  compared byte for byte with what the journal implies.

--process FILE adds what needs the office's personal data: the register replay of every
draw (the commitment recomputed from the extract, §6-§8 and §11; the commit entry's counts
of rows, blank rows, rejects, residents and partial birth dates; the invitees drawn again;
the summary byte for byte) and, with the code key out/private/code-key.secret, invitees.csv
byte for byte with its application codes (§9). A register or code key that is gone is SKIP
when a retention entry records its deletion, else FAIL. --wave N shows that wave's replay
only (earlier waves are replayed silently unless they fail).

The register extract is read as §6 of the spec says (load_register): CSV in UTF-8 (a
BOM dropped) or Windows-1252, the delimiter configured or detected from the header; one
record per line (LF or CR LF), '"' quoting that must close on its line, exactly as many
fields as the header, no control character and at most 256 characters in a cell; every
cell trimmed of Unicode white space and in NFC. Each resident becomes the canonical
record of 19 fields (§6.2: register id, names, Doktorgrad, name prefix, street, house
number, suffix, part number, address addition, postcode, city, birth date or age,
gender after register.gender_map, nationality after register.nationality_map, Stadtbezirk,
the two block marks, household) whose hashes, in register-id order, give extract_sha256.
Partial birth dates (00.07.1955, 1950) are taken by the rule of §6.5 (eligible if some
possible date is; the age of the middle date, clamped); the commit entry's counts of them
are checked too. A row with a problem refuses the file (FAIL naming line and column,
never the value) unless the commit recorded rejects_sha256 (commit --rejects), in which
case it is set aside and counted in rejected_rows; an unterminated quote and an encoding
error always refuse it. Parquet registers are SKIP.

--bundle DIR checks an audit bundle (sortes audit-bundle) first by its manifest
(bundle.json: every file listed with its SHA-256 and no other file; its level against
the journal: a confidential bundle holds the out/audit/ files the journal records, a
public one none; its journal head is the journal's last entry). The register and the
personal files are not in a bundle (SKIP). A public bundle leaves out the confidential
pool (out/audit/pool.csv), so what counts attributes (the panels against the quotas, the
choice of a replacement) is SKIP with the reason; the reserve order is then recomputed
from the pool ids that probabilities.csv lists. A confidential bundle runs them all.

Prints one line per check, `PASS  name: detail`, `SKIP  name: reason`, `ACCEPTED  name:
detail` or `FAIL  name: detail`; a FAIL caused by a file names that file relative to the
process folder or the bundle. Exits 1 iff a check failed; an unexpected error is a FAIL
of `verifier` naming the file being read, never a traceback. It prints no personal
data: register ids, names, addresses and codes never appear, only counts, hashes and
pool ids (pseudonyms).
"""
import argparse
import bisect
import csv
import datetime
import hashlib
import hmac
import io
import json
import re
import sys
import tomllib
import unicodedata
from pathlib import Path

SPEC = "sortes-draw-spec/3"
LABEL = "invitation-draw"
GENESIS = "0" * 64
M32 = 0xFFFFFFFF


def sha256(b: bytes) -> str:
    return hashlib.sha256(b).hexdigest()


class Failure(Exception):
    """An input that cannot be processed the way sortes would (reported as FAIL)."""


class Unsupported(Exception):
    """An input this verifier cannot read (reported as SKIP, with the reason)."""


# ---------------------------------------------------------------- §2 seeds
# White space as Rust's str::trim / char::is_whitespace (Unicode White_Space); Python's
# str.strip() and str.split() would also take U+001C..U+001F.
WS = "\t\n\x0b\x0c\r \x85\xa0\u1680" + "".join(map(chr, range(0x2000, 0x200B))) \
    + "\u2028\u2029\u202f\u205f\u3000"


def _u64(part: str, plus: bool = False) -> int:
    # ASCII digits only, < 2^64; plus=True: Rust's u64::from_str, which allows a '+'.
    if not re.fullmatch(r"\+?[0-9]+" if plus else r"[0-9]+", part) or int(part) >= 2**64:
        raise Failure(f"{part!r} is not a whole number")
    return int(part)


def _rfc3797(s: str) -> str:
    body = s.strip(WS)
    body = body[:-1] if body.endswith("/") else body
    if not body:
        raise Failure("the key string has no numbers")
    out = ""
    for group in body.split("/"):
        nums = sorted(_u64(p) for p in group.split(".") if p)  # §2: digits only, no '+'
        if not nums:
            raise Failure("a source has no numbers")
        out += "".join(f"{n}." for n in nums) + "/"
    return out


def _hex(s: str) -> str:
    t = s.strip(WS).lower()
    if not t or len(t) % 2 or not re.fullmatch(r"[0-9a-f]+", t):
        raise Failure("not an even number of hex digits")
    return t


def canonical_seed(text: str) -> str:
    s = text.strip(WS)
    if s.startswith("rfc3797:"):
        return "rfc3797:" + _rfc3797(s[8:])
    if s.startswith("drand:"):
        rnd, sep, val = s[6:].partition(":")
        if not sep:
            raise Failure("drand seed needs drand:ROUND:HEX")
        val = _hex(val)
        if len(val) != 64:
            raise Failure("drand randomness has 64 hex digits")
        return f"drand:{_u64(rnd.strip(WS), plus=True)}:{val}"
    if s.startswith("hex:"):
        return "hex:" + _hex(s[4:])
    if s.startswith("text:"):
        t = unicodedata.normalize("NFC", s[5:].strip(WS))
        if not t:
            raise Failure("empty text seed")
        return "text:" + t
    if s and "/" in s and re.fullmatch(r"[0-9./]+", s):  # bare RFC 3797 key string
        return "rfc3797:" + _rfc3797(s)
    raise Failure("not a recognised seed")


# ---------------------------------------------------------------- §3 key derivation
def derive_key(label: str, seed: str, context: str) -> bytes:
    msg = b"sortes/v1\0" + label.encode() + b"\0" + seed.encode() + b"\0" + context.encode()
    return hashlib.sha256(msg).digest()


# ---------------------------------------------------------------- §4.1 ChaCha20 (RFC 8439 block function)
def _rotl(v, c):
    return ((v << c) & M32) | (v >> (32 - c))


def _quarter(x, a, b, c, d):
    x[a] = (x[a] + x[b]) & M32; x[d] = _rotl(x[d] ^ x[a], 16)
    x[c] = (x[c] + x[d]) & M32; x[b] = _rotl(x[b] ^ x[c], 12)
    x[a] = (x[a] + x[b]) & M32; x[d] = _rotl(x[d] ^ x[a], 8)
    x[c] = (x[c] + x[d]) & M32; x[b] = _rotl(x[b] ^ x[c], 7)


def chacha20_block(key: bytes, counter: int) -> list[int]:
    """Sixteen output words. Words 12-13: 64-bit block counter (low first); 14-15: nonce 0."""
    k = [int.from_bytes(key[i:i + 4], "little") for i in range(0, 32, 4)]
    state = [0x61707865, 0x3320646E, 0x79622D32, 0x6B206574, *k,
             counter & M32, counter >> 32, 0, 0]
    x = state[:]
    for _ in range(10):  # 20 rounds = 10 double rounds
        _quarter(x, 0, 4, 8, 12); _quarter(x, 1, 5, 9, 13)
        _quarter(x, 2, 6, 10, 14); _quarter(x, 3, 7, 11, 15)
        _quarter(x, 0, 5, 10, 15); _quarter(x, 1, 6, 11, 12)
        _quarter(x, 2, 7, 8, 13); _quarter(x, 3, 4, 9, 14)
    return [(a + b) & M32 for a, b in zip(x, state)]


class Stream:
    def __init__(self, key: bytes):
        self.key, self.block, self.buf, self.words = key, 0, [], 0

    def next_u32(self) -> int:  # §4.1
        if not self.buf:
            self.buf = chacha20_block(self.key, self.block)
            self.block += 1
        self.words += 1
        return self.buf.pop(0)

    def next_u64(self) -> int:  # §4.2: first word low
        lo = self.next_u32()
        return lo | (self.next_u32() << 32)

    def below(self, n: int) -> int:  # §4.3: rejection, no bias
        assert 1 <= n < 2**64
        r = 2**64 % n
        while True:
            x = self.next_u64()
            if r == 0 or x < 2**64 - r:
                return x % n


# ---------------------------------------------------------------- §5 sampling
def sample(stream: Stream, items: list, k: int) -> list:  # §5.1 partial Fisher-Yates
    n, k = len(items), min(k, len(items))
    pos = list(range(n))
    for i in range(k):
        j = i + stream.below(n - i)
        pos[i], pos[j] = pos[j], pos[i]
    return [items[p] for p in pos[:k]]


def sample_filtered(stream: Stream, items: list, k: int, accept) -> list:  # §5.2
    n = len(items)
    pos, out, i = list(range(n)), [], 0
    while len(out) < k and i < n:
        j = i + stream.below(n - i)
        pos[i], pos[j] = pos[j], pos[i]
        if accept(items[pos[i]]):
            out.append(items[pos[i]])
        i += 1
    return out


# ---------------------------------------------------------------- §6 the register extract
# §6.2: the 19 record fields, in the order of the record (§6.3); field 13 is the birth
# date or the age, whichever register.columns maps.
FIELDS = ["register_id", "family_name", "given_names", "doctorate", "name_prefix", "street",
          "house_number", "house_number_suffix", "house_number_part", "address_addition",
          "postcode", "city", "birth_date", "gender", "nationality", "stadtbezirk", "block_51",
          "block_52", "household"]
(ID, FAMILY, GIVEN, DOCTORATE, PREFIX, STREET, NUMBER, SUFFIX, PART, ADDITION, POSTCODE, CITY,
 BIRTH, GENDER, NATIONALITY, BEZIRK, B51, B52, HOUSEHOLD) = range(19)

DEFAULT_GENDER_MAP = {  # §6.2; a process file's [register.gender_map] replaces it
    "m": "m", "männlich": "m", "maennlich": "m", "male": "m",
    "w": "w", "f": "w", "weiblich": "w", "female": "w",
    "d": "d", "divers": "d", "diverse": "d",
    "x": "x", "ohne angabe": "x", "unbestimmt": "x", "keine angabe": "x", "": "x"}
DEFAULT_NATIONALITY_MAP = dict.fromkeys(  # §6.2; [register.nationality_map] replaces it
    ["000", "d", "de", "deu", "deutsch", "deutschland", "german"], "deutsch")
DEFAULT_BLOCK_VALUES = ["ja", "j", "x", "1", "true", "yes", "y", "wahr"]
DEFAULT_NO_BLOCK_VALUES = ["", "nein", "n", "0", "false", "no", "falsch"]
DEFAULT_GERMAN_VALUES = ["deutsch", "de", "deu", "german", "deutschland"]
DEFAULT_AGE_BANDS = [16, 25, 35, 45, 55, 65, 75]
MAX_CELL = 256  # §6.1: characters (Unicode scalar values) of a cell
BOM = b"\xef\xbb\xbf"
# §6.1: a control character is U+0000-U+001F other than tab, or U+007F-U+009F.
CONTROL = re.compile("[\x00-\x08\x0a-\x1f\x7f-\x9f]")


def canon(v: str) -> str:  # §6.1: trimmed of White_Space at both ends, NFC
    return unicodedata.normalize("NFC", v.strip(WS))


def record_bytes(values) -> bytes:  # §6.3: u32_le(len(utf8(value))) || utf8(value), per field
    out = bytearray()
    for v in values:
        b = v.encode("utf-8")
        out += len(b).to_bytes(4, "little") + b
    return bytes(out)


def record_hash(values) -> bytes:  # §6.3
    return hashlib.sha256(record_bytes(values)).digest()


def list_hash(hashes) -> str:  # §6.4: the record hashes in canonical order
    return sha256(b"".join(hashes))


# ---- §6.1 reading the file
class Unclosed(Exception):
    """A quote opened in field args[0] (0-based) is not closed on its line."""


class AfterQuote(Exception):
    """Text follows the closing quote of field args[0] (0-based) before the delimiter."""


class RowProblem(Exception):
    """A problem of one row (§6.1 fields, control characters, long cells; §6.2 values):
    the file is refused, or, with commit --rejects, the row is set aside. args: the
    column's name (or a description of the column) and the reason, never the value."""


_QUOTED = {d: re.compile('"((?:[^"]|"")*+)"([^' + re.escape(d) + ']*)') for d in ";,\t"}


def split_record(line: str, d: str) -> list:
    """§6.1: the fields of one line (without its line end). A field that starts with '"'
    is quoted up to the next single '"' ('""' inside it is one '"'); the closing quote must
    be followed by the delimiter or the line end; a '"' inside a field that does not start
    with one is an ordinary character. Raises Unclosed(i) when the quote of field i does
    not close on the line, AfterQuote(i) when text follows its closing quote."""
    if '"' not in line:
        return line.split(d)
    out, i, n, rx = [], 0, len(line), _QUOTED[d]
    while True:
        if line.startswith('"', i):
            m = rx.match(line, i)  # possessive: '""' is always an escaped quote
            if m is None:
                raise Unclosed(len(out))
            if m[2]:
                raise AfterQuote(len(out))
            out.append(m[1].replace('""', '"'))
            i = m.end()
        else:
            j = line.find(d, i)
            j = n if j < 0 else j
            out.append(line[i:j])
            i = j
        if i == n:
            return out
        i += 1  # the delimiter; a line ending in one has an empty last field


def field_at(prefix: str, d: str) -> int:
    """The (0-based) field in which the text `prefix` of a line ends, by the rules of
    split_record; also counts fields where a quote does not close."""
    i, state = 0, "start"
    for ch in prefix:
        if state == "start":
            if ch == '"':
                state = "quoted"
            elif ch == d:
                i += 1
            else:
                state = "plain"
        elif state == "plain":
            if ch == d:
                i, state = i + 1, "start"
        elif state == "quoted":
            if ch == '"':
                state = "quote"
        elif ch == '"':  # state "quote": '""' is an escaped quote
            state = "quoted"
        elif ch == d:
            i, state = i + 1, "start"
        else:
            state = "plain"
    return i


def column_label(header, i: int) -> str:
    """How a message names column i (0-based): its name in the header, or its number."""
    if header is not None and i < len(header):
        return f'column "{header[i]}"'
    extra = f" (the header has {len(header)})" if header is not None else ""
    return f"column {i + 1}{extra}"


def choose_delimiter(header_line: str, reg: dict) -> str:
    """§6.1: the configured delimiter, or with auto the one of ';' ',' tab that splits the
    header line into the most columns (ties in that order). A configured delimiter that
    gives one column where another gives more refuses the file."""
    counts = {d: field_at(header_line, d) + 1 for d in ";,\t"}
    setting = reg.get("delimiter", "auto")
    want = {";": ";", ",": ",", "tab": "\t", "\t": "\t", "auto": None}.get(setting, "?")
    if want == "?":
        raise Failure(f"register.delimiter {setting!r} is not one of ';', ',', 'tab', 'auto'")
    if want is None:
        return max(";,\t", key=lambda d: (counts[d], -";,\t".index(d)))
    if counts[want] == 1 and max(counts.values()) > 1:
        raise Failure("register line 1: the configured delimiter splits the header into one "
                      "column, another delimiter into more (set register.delimiter)")
    return want


def is_windows_1252(reg: dict) -> bool:
    enc = str(reg.get("encoding", "utf-8")).lower()
    if enc not in ("utf-8", "utf8", "windows-1252", "cp1252"):
        raise Failure(f"register.encoding {enc!r} is not utf-8 or windows-1252")
    return enc in ("windows-1252", "cp1252")


def decode_register(raw: bytes, reg: dict) -> str:
    """§6.1 encoding: UTF-8 (a leading BOM dropped) or Windows-1252 (a UTF-8 BOM and the
    five undefined bytes refused). An encoding error always refuses the file, naming the
    line and (after the header) the column."""
    cp1252 = is_windows_1252(reg)
    if cp1252 and raw.startswith(BOM):
        raise Failure("register line 1: the file starts with a UTF-8 byte order mark, but "
                      "register.encoding is windows-1252 (set register.encoding = \"utf-8\")")
    body, codec = (raw, "cp1252") if cp1252 else (raw.removeprefix(BOM), "utf-8")
    if cp1252:
        # UTF-8 read as Windows-1252 ("StraÃŸe"): a line that is valid UTF-8 and holds a
        # multi-byte sequence was not written in Windows-1252.
        for n, line in enumerate(body.split(b"\n"), start=1):
            if not line.isascii():
                try:
                    line.decode("utf-8")
                except UnicodeDecodeError:
                    continue
                raise Failure(f"register line {n}: the line is UTF-8 text, but register.encoding "
                              "is windows-1252 (set register.encoding = \"utf-8\")")
    try:
        return body.decode(codec)
    except UnicodeDecodeError as e:
        line = body.count(b"\n", 0, e.start) + 1
        where = f"register line {line}"
        if line > 1:  # the lines before this one decode: the header names the column
            start = body.rfind(b"\n", 0, e.start) + 1
            head = body[:body.find(b"\n")].decode(codec).removesuffix("\r")
            d = choose_delimiter(head, reg)
            try:
                header = [canon(h) for h in split_record(head, d)]
            except Unclosed:
                header = None
            where += ", " + column_label(header, field_at(body[start:e.start].decode(codec), d))
        what = (f"the byte 0x{body[e.start]:02X} is not a Windows-1252 character" if cp1252 else
                "a byte that is not valid UTF-8 (if the office exported Windows-1252, set "
                "register.encoding = \"windows-1252\")")
        raise Failure(f"{where}: {what}") from None


def cell_problem(cell: str):
    """§6.1: why a cell (as read, before trimming) is not allowed, or None."""
    if CONTROL.search(cell):
        return "the cell holds a control character"
    if len(cell) > MAX_CELL:
        return f"the cell has {len(cell)} characters, more than {MAX_CELL}"
    return None


def read_register(raw: bytes, reg: dict):
    """§6.1: (header, delimiter, lines): the column names (trimmed), the delimiter and the
    file's lines (line n is lines[n - 1], its line end still on it)."""
    if not raw:
        raise Failure("the register extract is empty (0 bytes)")
    text = decode_register(raw, reg)
    lines = text.split("\n")
    if lines[-1] == "":  # what follows the last line end is no line
        lines.pop()
    head = lines[0].removesuffix("\r") if lines else ""
    if not head.strip(WS):
        raise Failure("register line 1: the first line is empty; it must be the header with "
                      "the column names")
    d = choose_delimiter(head, reg)
    try:
        cells = split_record(head, d)
    except Unclosed as u:
        raise Failure(f"register line 1, column {u.args[0] + 1}: a quote opened in this field "
                      "is not closed on its line") from None
    except AfterQuote as u:
        raise Failure(f"register line 1, column {u.args[0] + 1}: there is text after the "
                      "closing quote of this field") from None
    for i, c in enumerate(cells):
        if why := cell_problem(c):
            raise Failure(f"register line 1, column {i + 1}: {why}")
    return [canon(c) for c in cells], d, lines


def record_fields(line: str, n: int, d: str, header) -> list:
    """The fields of data line n (line end removed; not empty), checked by §6.1. An
    unclosed quote raises Failure (always fatal); a wrong number of fields, a control
    character or a long cell raises RowProblem."""
    try:
        fields = split_record(line, d)
    except Unclosed as u:
        raise Failure(f"register line {n}, {column_label(header, u.args[0])}: a quote opened "
                      "in this field is not closed on its line (a quoted field must end on "
                      "its own line)") from None
    except AfterQuote as u:
        raise RowProblem(column_label(header, u.args[0]),
                         "there is text after the closing quote of this field") from None
    if len(fields) > len(header):
        raise RowProblem(column_label(header, len(header)),
                         f"the row has {len(fields)} fields, the header {len(header)}")
    if len(fields) < len(header):
        raise RowProblem(column_label(header, len(fields)),
                         f"the row has {len(fields)} fields, the header {len(header)}: it "
                         "ends before this column")
    if len(line) > MAX_CELL or CONTROL.search(line):
        for i, c in enumerate(fields):
            if why := cell_problem(c):
                raise RowProblem(column_label(header, i), why)
    return fields


# ---- §6.2 canonical values
# Birth dates: YYYY-MM-DD; D.M.YYYY (day and month 1-2 digits); YYYY. 0 or 00 is an
# unknown day or month (a year alone: both unknown).
_ISO = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})")
_DE = re.compile(r"([0-9]{1,2})\.([0-9]{1,2})\.([0-9]{4})")
_YEAR = re.compile(r"[0-9]{4}")


def days_in_month(year: int, month: int) -> int:  # the Gregorian calendar
    if month == 2:
        return 29 if year % 4 == 0 and (year % 100 != 0 or year % 400 == 0) else 28
    return 30 if month in (4, 6, 9, 11) else 31


class BirthDate(tuple):
    """(year, month, day); 0 is an unknown month or day (§6.2)."""

    year = property(lambda s: s[0])
    month = property(lambda s: s[1])
    day = property(lambda s: s[2])

    @property
    def partial(self) -> bool:  # an unknown month implies an unknown day
        return self.day == 0

    def canonical(self) -> str:  # §6.2: YYYY-MM-DD with 00 for the unknown parts
        return f"{self.year:04d}-{self.month:02d}-{self.day:02d}"

    def earliest(self) -> datetime.date:  # §6.5: day 1, month 1 where unknown
        return datetime.date(self.year, self.month or 1, self.day or 1)

    def latest(self) -> datetime.date:  # §6.5: the month's last day, December where unknown
        m = self.month or 12
        return datetime.date(self.year, m, self.day or days_in_month(self.year, m))

    def middle(self) -> datetime.date:  # §6.5 rule 2: day 15, or 1 July
        if self.day:
            return self.earliest()
        return datetime.date(self.year, self.month, 15) if self.month else \
            datetime.date(self.year, 7, 1)


def parse_date(s: str):
    """§6.2: a BirthDate, or None for a text that is not one (a known day with an unknown
    month, a year before 1800, a month above 12, a day the month does not have). Whether
    the date lies after the reference date is age_rule's."""
    if m := _ISO.fullmatch(s):
        y, mo, d = int(m[1]), int(m[2]), int(m[3])
    elif m := _DE.fullmatch(s):
        d, mo, y = int(m[1]), int(m[2]), int(m[3])
    elif _YEAR.fullmatch(s):
        y, mo, d = int(s), 0, 0
    else:
        return None
    if y < 1800 or mo > 12 or (mo == 0 and d != 0):
        return None
    if mo and d > days_in_month(y, mo):
        return None
    return BirthDate((y, mo, d))


# process.reference_date is read by chrono's "%Y-%m-%d" (not a register value): each
# number may be preceded by white space; an unsigned year has 1-4 digits, a '+'
# allows more; month and day have 1-2 digits.
_CHRONO_YMD = re.compile(r"\s*(?:\+([0-9]+)|([0-9]{1,4}))-\s*([0-9]{1,2})-\s*([0-9]{1,2})")


def parse_reference_date(s: str):
    m = _CHRONO_YMD.fullmatch(s)
    try:
        return datetime.date(int(m[1] or m[2]), int(m[3]), int(m[4])) if m else None
    except ValueError:
        return None


def age_on(birth: datetime.date, on: datetime.date):  # §6.5, completed years (BGB)
    if birth > on:
        return None
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


def age_band_label(edges, age: int) -> str:  # §7.1; below the first edge "unter <edge>"
    i = bisect.bisect_right(edges, age) - 1
    if i < 0:
        return f"unter {edges[0]}"
    return f"{edges[i]}-{edges[i + 1] - 1}" if i + 1 < len(edges) else f"{edges[i]}+"


def age_rule(bd: BirthDate, ref: datetime.date, min_age: int, max_age, edges):
    """§6.5 for a birth date: None if its earliest possible day lies after the reference
    date, else a dict: age (rule 2; the exact age for a full date), and for a partial date
    age_old, age_young, middle, eligible_by_age (rule 1) and decided (rule 3)."""
    first = bd.earliest()
    if first > ref:
        return None
    if not bd.partial:
        return dict(age=age_on(first, ref), partial=False, decided=False)
    last, mid = min(bd.latest(), ref), min(bd.middle(), ref)
    old, young, age = age_on(first, ref), age_on(last, ref), age_on(mid, ref)
    ok = old >= min_age and (max_age is None or young <= max_age)  # rule 1
    if ok:  # rule 2: clamped into [min_age, max_age]
        age = max(min_age, age if max_age is None else min(age, max_age))

    def outcome(a):  # what a possible date decides: eligibility by age, and age band
        return (a >= min_age and (max_age is None or a <= max_age), age_band_label(edges, a))
    # Every age from age_young to age_old is the age of some possible date.
    decided = len({outcome(a) for a in range(young, old + 1)}) > 1  # rule 3
    return dict(age=age, partial=True, decided=decided, age_old=old, age_young=young,
                middle=mid, eligible_by_age=ok)


def text_map(reg: dict, name: str, default: dict) -> dict:
    """[register.<name>] (export value -> canonical value), keys trimmed, NFC and lower
    case; a given table replaces the default entirely."""
    m = reg.get(name)
    if m is None:
        return dict(default)
    if type(m) is not dict or any(type(v) is not str for v in m.values()):
        raise Failure(f"register.{name} must be a table of text values")
    out = {}
    for k, v in m.items():
        key = canon(k).lower()
        if key in out and out[key] != v:
            raise Failure(f"register.{name}: two keys are the same after trimming and "
                          f"lower-casing ({key!r}) but map to different values")
        out[key] = v
    return out


def lower_list(reg: dict, name: str, default: list) -> set:
    return {canon(str(v)).lower() for v in reg.get(name, default)}


def address_key(street: str, number: str, suffix: str, part: str, postcode: str) -> str:
    """§6.4 household key from the address: lower(street') | lower(number || suffix, white
    space removed) [/ lower(part, white space removed)] | postcode. street': runs of white
    space one space, a final 'str.' and every 'strasse' written 'straße' (read on the
    lower-cased street, so 'STR.' and 'Strasse' count too)."""
    s = " ".join(w for w in re.split(f"[{WS}]+", street) if w).lower()
    if s.endswith("str."):
        s = s[:-4] + "straße"
    s = s.replace("strasse", "straße")
    n = "".join(c for c in number + suffix if c not in WS).lower()
    p = "".join(c for c in part if c not in WS).lower()
    return f"{s}|{n}" + (f"/{p}" if p else "") + f"|{postcode}"


def household_key(explicit: bool, v):
    """§6.4: the household of canonical record v, or None (never grouped with anyone):
    the explicit household field if mapped (empty: none); else the address key when the
    house number is not empty (a street without a number is not one address)."""
    if explicit:
        return v[HOUSEHOLD] or None
    if v[NUMBER]:
        return address_key(v[STREET], v[NUMBER], v[SUFFIX], v[PART], v[POSTCODE])
    return None


class Rules:
    """What the process file says about reading the extract (§6.2, §6.5, §7.1)."""

    def __init__(self, proc: dict):
        reg, draw, elig = proc["register"], proc["draw"], proc.get("eligibility", {})
        cols = reg.get("columns", {})
        if ("birth_date" in cols) == ("age" in cols):
            raise Failure("register.columns needs exactly one of birth_date and age")
        if not cols.get("register_id"):
            raise Failure("register.columns needs register_id")
        self.by_birth = "birth_date" in cols
        self.names = [cols.get(f) for f in FIELDS]  # column of each field (None: unmapped)
        self.names[BIRTH] = cols.get("birth_date") or cols.get("age")
        self.ref = parse_reference_date(proc["process"]["reference_date"])
        if self.ref is None:
            raise Failure("process.reference_date is not a date")
        self.min_age, self.max_age = elig.get("min_age", 16), elig.get("max_age")
        self.edges = draw.get("age_bands", DEFAULT_AGE_BANDS)
        self.strata = draw.get("strata", ["stadtbezirk"])
        self.known = proc.get("strata", {}).get("values", {})
        self.gender_map = text_map(reg, "gender_map", DEFAULT_GENDER_MAP)
        self.gender_from = "register.gender_map" if "gender_map" in reg else "the default gender map"
        self.nat_map = text_map(reg, "nationality_map", DEFAULT_NATIONALITY_MAP)
        self.yes = lower_list(reg, "block_values", DEFAULT_BLOCK_VALUES)
        self.no = lower_list(reg, "no_block_values", DEFAULT_NO_BLOCK_VALUES)
        self.german = lower_list(reg, "german_values", DEFAULT_GERMAN_VALUES)
        self.explicit_household = "household" in cols
        self.stratum_field = {"stadtbezirk": BEZIRK, "gender": GENDER, "postcode": POSTCODE}

    def person(self, v: list) -> dict:
        """§6.2-§6.5, §7.1 for one row: v holds the 19 fields' cells, trimmed and in NFC
        ("" where unmapped); it is turned into the canonical record. Raises RowProblem."""
        col = self.names
        if not v[ID]:
            raise RowProblem(f'column "{col[ID]}"', "the register id is empty")
        if self.by_birth:
            bd = parse_date(v[BIRTH])
            if bd is None:
                raise RowProblem(f'column "{col[BIRTH]}"', "the birth date is not a date "
                                 "YYYY-MM-DD, D.M.YYYY or YYYY (00 for an unknown day or "
                                 "month; a known day needs its month; years from 1800)")
            a = age_rule(bd, self.ref, self.min_age, self.max_age, self.edges)
            if a is None:
                raise RowProblem(f'column "{col[BIRTH]}"', "the birth date lies after the "
                                 "reference date")
            v[BIRTH] = bd.canonical()
        else:
            if not re.fullmatch("[0-9]+", v[BIRTH]) or int(v[BIRTH]) > 130:
                raise RowProblem(f'column "{col[BIRTH]}"', "the age is not a whole number "
                                 "of years from 0 to 130")
            a = dict(age=int(v[BIRTH]), partial=False, decided=False)
            v[BIRTH] = str(a["age"])
        if col[GENDER] is not None:
            g = self.gender_map.get(v[GENDER].lower())
            if g is None:
                keys = ", ".join(repr(k) for k in self.gender_map)
                raise RowProblem(f'column "{col[GENDER]}"', f"the gender is not a key of "
                                 f"{self.gender_from} ({keys})")
            v[GENDER] = g
        parts = (p.strip(WS) for p in re.split("[,/;]", v[NATIONALITY]))
        v[NATIONALITY] = "/".join(self.nat_map.get(p.lower(), p) for p in parts if p)
        nat = v[NATIONALITY].split("/") if v[NATIONALITY] else []  # its parts (§6.5)
        for f in (B51, B52):
            if col[f] is None:
                v[f] = "0"
            elif v[f].lower() in self.yes:
                v[f] = "1"
            elif v[f].lower() in self.no:
                v[f] = "0"
            else:
                raise RowProblem(f'column "{col[f]}"', "the block mark is neither one of "
                                 f"register.block_values ({', '.join(sorted(self.yes))}) nor "
                                 "one of register.no_block_values "
                                 f"({', '.join(x or 'empty' for x in sorted(self.no))})")
        key = []  # §7.1 stratum key
        for s in self.strata:
            if s == "age_band":
                val = age_band_label(self.edges, a["age"])
            elif s == "citizenship":
                val = "deutsch" if any(p.lower() in self.german for p in nat) else "nicht-deutsch"
            else:
                f = self.stratum_field[s]
                val = v[f]
                if not val:
                    raise RowProblem(f'column "{col[f]}"', f"the {s} value is empty (a "
                                     "stratum column)")
            listed = self.known.get(s)
            if listed is not None:
                match = next((k for k in listed if k == val), None) or \
                    next((k for k in listed if k.lower() == val.lower()), None)
                if match is not None:
                    val = match
                elif s not in ("age_band", "citizenship"):
                    raise RowProblem(f'column "{col[self.stratum_field[s]]}"', f"the {s} "
                                     f"value is not one of strata.values.{s}")
            key.append(val)
        return dict(id=v[ID], values=tuple(v), age=a["age"], partial=a["partial"],
                    decided=a["decided"], b51=v[B51] == "1", b52=v[B52] == "1", nat=nat,
                    key=tuple(key), household=household_key(self.explicit_household, v),
                    hash=record_hash(v))


def load_register(proc: dict, base: Path, keep_rejects: bool):
    """§6: the valid persons in canonical order, with the counts of the commit entry.
    keep_rejects (the commit recorded rejects_sha256): a row with a problem is set aside
    and counted, else it refuses the file. No value is ever put into a message."""
    reg = proc["register"]
    rules = Rules(proc)
    path = base / reg["path"]
    fmt = (reg.get("format") or ("parquet" if path.suffix.lower() == ".parquet" else "csv")).lower()
    if fmt != "csv":
        raise Unsupported("a Parquet register: the reference verifier reads CSV only")
    raw = path.read_bytes()
    header, d, lines = read_register(raw, reg)
    idx = []
    for name in rules.names:
        if name is not None and header.count(name) != 1:
            raise Failure(f'register line 1: the column "{name}" named in register.columns '
                          + ("is not in the header" if name not in header else
                             f"occurs {header.count(name)} times in the header"))
        idx.append(None if name is None else header.index(name))
    people, rejects, blank = [], 0, 0
    for n in range(2, len(lines) + 1):
        line = lines[n - 1].removesuffix("\r")
        if not line:  # §6.1: an empty line is a blank row
            blank += 1
            continue
        try:
            fields = record_fields(line, n, d, header)
            v = ["" if i is None else canon(fields[i]) for i in idx]
            if not any(v):  # §6.1: every mapped cell empty: a blank row
                blank += 1
                continue
            people.append(rules.person(v))
        except RowProblem as e:
            if not keep_rejects:
                raise Failure(f"register line {n}, {e.args[0]}: {e.args[1]}") from None
            rejects += 1
    count = {}
    for p in people:
        count[p["id"]] = count.get(p["id"], 0) + 1
    if any(c > 1 for c in count.values()):  # §6.4: a register id occurs once
        if not keep_rejects:
            raise Failure(f'register: a register id (column "{rules.names[ID]}") occurs more '
                          "than once")
        rejects += sum(c for c in count.values() if c > 1)  # every occurrence is set aside
        people = [p for p in people if count[p["id"]] == 1]
    people.sort(key=lambda p: p["id"].encode("utf-8"))  # §6.4 canonical order
    if not people:
        raise Failure("register: no valid resident rows")
    return dict(people=people, rows=len(lines) - 1, blank_rows=blank, rejected_rows=rejects,
                partial_birth_dates=sum(p["partial"] for p in people),
                partial_birth_dates_decided=sum(p["decided"] for p in people),
                file_sha256=sha256(raw), extract_sha256=list_hash(p["hash"] for p in people),
                header=header, delimiter=d)


def header_delimiter(line: str, candidates: str) -> str:
    """The candidate that occurs most often outside quotes in the header line; ties
    and none: the earlier candidate (src/base/table.rs detect_delimiter)."""
    counts, quoted = [0] * len(candidates), False
    for ch in line:
        if ch == '"':
            quoted = not quoted
        elif not quoted and ch in candidates:
            counts[candidates.index(ch)] += 1
    return candidates[max(range(len(candidates)), key=lambda i: (counts[i], -i))]


def read_id_list(rel: str, data: bytes) -> set:
    """§6.5 exclusion lists: a CSV with a register_id column when a field of the first
    line (split at ',' ';' tab, trimmed) is register_id (delimiter: the one of ';' ','
    tab most often outside quotes in that line); else plain text, one id per line, '#'
    starting a comment. Ids canonical (trimmed, NFC); empty ones skipped."""
    text = decode_utf8(rel, data)
    first = text.split("\n", 1)[0].removesuffix("\r")
    if any(h.strip(WS) == "register_id" for h in re.split("[,;\t]", first)):
        t = read_table(rel, data, ";,\t")
        if "register_id" not in t.header:
            raise Failure(f"{rel}: line 1: the header has no column register_id")
        i = t.header.index("register_id")
        return {cells[i] for _, cells in t.rows if cells[i]}
    ids = (canon(l.split("#", 1)[0]) for l in text.split("\n"))
    return {i for i in ids if i}


# ---------------------------------------------------------------- §6.5 eligibility, §7 strata
REASONS = ["invited_earlier", "exclusion_list", "block_51", "block_52", "under_min_age",
           "over_max_age", "nationality"]


def eligibility(proc: dict, people: list, earlier: set, excluded_ids: set):
    """§6.5: the eligible persons, the excluded ones counted by their first reason, and
    the ids of the exclusion lists that are not in the register. A person's age is the
    age of rule 2 (for a partial date eligible by rule 1 clamped into [min_age,
    max_age], so the age tests below are rule 1)."""
    e = proc.get("eligibility", {})
    min_age, max_age = e.get("min_age", 16), e.get("max_age")
    nats = {canon(n).lower() for n in e.get("nationalities", [])}
    blocked = e.get("exclude_blocked", True)
    excluded, eligible = dict.fromkeys(REASONS, 0), []
    for p in people:
        if p["id"] in earlier:
            r = "invited_earlier"
        elif p["id"] in excluded_ids:
            r = "exclusion_list"
        elif blocked and p["b51"]:
            r = "block_51"
        elif blocked and p["b52"]:
            r = "block_52"
        elif p["age"] < min_age:
            r = "under_min_age"
        elif max_age is not None and p["age"] > max_age:
            r = "over_max_age"
        elif nats and not any(x.lower() in nats for x in p["nat"]):
            r = "nationality"
        else:
            r = None
        if r:
            excluded[r] += 1
        else:
            eligible.append(p)
    not_in_register = len(excluded_ids - {p["id"] for p in people})
    return eligible, excluded, not_in_register


def parse_factor(s: str):  # §7.2: a positive decimal with at most 3 decimals, in thousandths
    m = re.fullmatch(r"([0-9]*)(?:\.([0-9]*))?", s.strip(WS))
    if not m or (not m[1] and not m[2]) or len(m[2] or "") > 3:
        return None
    v = int(m[1] or 0) * 1000 + int((m[2] or "").ljust(3, "0"))
    return v or None


def factor_text(product: int, ncols: int) -> str:
    """§7.2: product / 10^(3 * ncols), trailing zeros of the fraction and then a trailing
    '.' dropped."""
    digits = 3 * ncols
    i, f = divmod(product, 10**digits)
    return str(i) if f == 0 else f"{i}." + f"{f:0{digits}d}".rstrip("0")


def allocate(shares: list, total: int, steps=None):
    """§7.2 largest remainder with capacities; shares = [(weight, capacity)] in canonical
    stratum order. None if the capacities sum to less than total. steps (a list), if
    given, receives one line per round of the loop."""
    if sum(c for _, c in shares) < total:
        return None
    alloc = [0] * len(shares)
    active = [i for i, (w, c) in enumerate(shares) if w > 0 and c > 0]
    rest = total
    while True:
        W = sum(shares[i][0] for i in active)
        over = [i for i in active if rest * shares[i][0] > shares[i][1] * W]
        if over:
            if steps is not None:
                steps.append(f"R={rest} W={W}: over capacity (R*w_s > c_s*W): "
                             + ", ".join(f"#{i} ({rest * shares[i][0]} > {shares[i][1] * W})"
                                         for i in over) + " get their capacity")
            for i in over:
                alloc[i] = shares[i][1]
                rest -= shares[i][1]
            active = [i for i in active if i not in over]
            continue
        rems = []
        for i in active:
            q, r = divmod(rest * shares[i][0], W)
            alloc[i] = q
            rems.append((r, i))
        rems.sort(key=lambda t: (-t[0], t[1]))  # largest remainder, ties in canonical order
        extra = rest - sum(alloc[i] for i in active)
        if steps is not None:
            steps.append(f"R={rest} W={W}: " + ", ".join(
                f"#{i} floor({rest}*{shares[i][0]}/{W})={alloc[i]} rem {r}"
                for r, i in sorted(rems, key=lambda t: t[1]))
                + f"; {extra} more to " + (", ".join(f"#{i}" for _, i in rems[:extra]) or "none"))
        for _, i in rems[:extra]:
            alloc[i] += 1
        return alloc


def stratum_factor(proc: dict, key) -> int:
    """§7.2: the product of the oversampling factors of the key's values, in thousandths
    per column (1000 where none is set; values matched case-insensitively)."""
    cols = proc["draw"].get("strata", ["stadtbezirk"])
    over = proc["draw"].get("oversample", {})
    factor = 1
    for v, col in zip(key, cols):
        m = over.get(col, {})
        hit = [m[k] for k in sorted(m, key=str.encode) if k.lower() == v.lower()]
        f = parse_factor(hit[0]) if hit else 1000
        if f is None:
            raise Failure(f"draw.oversample.{col}: {hit[0]!r} is not a positive decimal with at "
                          "most 3 decimals")
        factor *= f
    return factor


def plan(proc: dict, reg: dict, earlier: set, excluded_ids: set, counts):
    """§6.5, §7: eligibility, the strata (every key a valid resident has, in canonical
    order) and their allocation (from the counts of a top-up wave's commit if given)."""
    draw = proc["draw"]
    hh_rule = draw.get("household_rule", False)
    eligible, excluded, not_in_register = eligibility(proc, reg["people"], earlier, excluded_ids)
    keys = sorted({p["key"] for p in reg["people"]}, key=lambda k: [v.encode() for v in k])
    members, residents = {k: [] for k in keys}, dict.fromkeys(keys, 0)
    for p in reg["people"]:
        residents[p["key"]] += 1
    for p in eligible:
        members[p["key"]].append(p)
    strata = []
    for key in keys:
        factor, mem = stratum_factor(proc, key), members[key]
        # §7.2: distinct households, and every person without a household counts alone.
        cap = len({p["household"] for p in mem if p["household"] is not None}) \
            + sum(p["household"] is None for p in mem) if hh_rule else len(mem)
        strata.append(dict(stratum=" / ".join(key), residents=residents[key],
                           eligible=len(mem), capacity=cap, factor=factor_text(factor, len(key)),
                           allocated=0, _w=len(mem) * factor, _members=mem))
    if counts is None:
        invitations = draw["invitations"]
        alloc = allocate([(s["_w"], s["capacity"]) for s in strata], invitations)
        if alloc is None:
            raise Failure("more invitations than capacity")
        for s, a in zip(strata, alloc):
            s["allocated"] = a
    else:  # top-up wave: the counts recorded at commit time
        for label, n in sorted(counts.items()):
            s = next((s for s in strata if s["stratum"].lower() == label.lower()), None)
            if s is None or n > s["capacity"]:
                raise Failure("top-up counts do not fit the strata")
            s["allocated"] = n
        invitations = sum(s["allocated"] for s in strata)
    return dict(strata=strata, eligible=eligible, excluded=excluded, invitations=invitations,
                list_ids_not_in_register=not_in_register,
                eligible_sha256=list_hash(p["hash"] for p in eligible), household_rule=hh_rule)


# ---------------------------------------------------------------- §8 the draw
def execute(pl: dict, seed: str, commitment: str):
    stream = Stream(derive_key(LABEL, seed, commitment))
    taken, per = set(), []
    for s in pl["strata"]:
        if pl["household_rule"]:
            def accept(p):
                if p["household"] is None:
                    return True
                if p["household"] in taken:
                    return False
                taken.add(p["household"])
                return True
            per.append(sample_filtered(stream, s["_members"], s["allocated"], accept))
        else:
            per.append(sample(stream, s["_members"], s["allocated"]))
    return per, stream.words


def drawn_digest(per) -> str:  # §8.3
    return sha256("".join(p["id"] + "\n" for d in per for p in d).encode("utf-8"))


def csv_field(s: str) -> str:
    """A CSV field as sortes writes it (Rust csv crate, QuoteStyle::Necessary): quoted
    only if it holds ',', '"', CR or LF."""
    return '"' + s.replace('"', '""') + '"' if any(c in s for c in ',"\r\n') else s


def summary_csv(pl, per) -> bytes:
    out = "stratum,residents,eligible,capacity,factor,allocated,drawn\n"
    for s, d in zip(pl["strata"], per):
        out += f"{csv_field(s['stratum'])},{s['residents']},{s['eligible']},{s['capacity']}," \
               f"{s['factor']},{s['allocated']},{len(d)}\n"
    return out.encode("utf-8")


# ---------------------------------------------------------------- §10 journal
def canonical_json(v) -> str:
    # §10: compact, object keys sorted at every depth (by UTF-8 bytes, which is the
    # code point order Python sorts str by), non-ASCII as UTF-8, '"' '\\' and control
    # characters as \n \t ... or \u00xx (lower-case hex), as serde_json escapes them:
    # exactly what json.dumps does with these options. (The journal holds no floats,
    # whose text would differ between serde_json and Python: entry_problem.)
    return json.dumps(v, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def entry_hash(e: dict) -> str:
    body = {k: v for k, v in e.items() if k != "entry_hash"}
    return sha256(canonical_json(body).encode("utf-8"))


def read_journal(path: Path):
    """Entries; the first entry (1-based) whose chain link or hash is wrong; the
    number of lines not written in the canonical form of §10; and one sentence for
    each line sortes would refuse (schema, see entry_problem), naming the line."""
    entries, noncanonical, problems = [], 0, []
    text = path.read_bytes().decode("utf-8")  # bytes: no newline translation
    lines = text.split("\n")
    for n, line in enumerate(lines, start=1):  # n: the line number, which seq must be
        line = line.removesuffix("\r")  # as Rust's str::lines
        if not line.strip(WS):
            if n < len(lines):  # the last piece is what follows the final newline
                problems.append(f"journal line {n} is blank")
            continue
        e, why = load_line(line)
        if e is None:
            problems.append(f"journal entry {n}: {why}")
            continue
        entries.append(e)
        noncanonical += line != canonical_json(e)
        if why := entry_problem(e, n):
            problems.append(f"journal entry {n}{step_label(e)}: {why}")
    if text and not text.endswith("\n"):
        problems.append(f"journal entry {len(lines)}: the last line is incomplete "
                        "(an interrupted write?); sortes does not use the journal")
    prev, bad = GENESIS, None
    for i, e in enumerate(entries):
        if e.get("prev_hash") != prev or e.get("entry_hash") != entry_hash(e):
            bad = bad or i + 1
        prev = entry_hash(e)
    return entries, bad, noncanonical, problems


# ---------------------------------------------------------------- §10 journal schema
# The entries as src/base/journal/entry.rs types them, checked as serde reads them
# there (deny_unknown_fields), so that this verifier accepts exactly the journals
# sortes opens. A type is a name below, a dict (a struct: field -> type), or a pair:
# ("list", T), ("map", T) (text keys), ("enum", names), ("optional", T) (an
# Option with skip_serializing_if: absent or T) and ("nullable", T) (an Option
# written always: present, null or T).
SHA256_RE = re.compile(r"[0-9a-f]{64}")
DECIMAL_RE = re.compile(r"-?[0-9]+(?:\.[0-9]+)?")  # entry.rs Decimal: no float text

SCALARS = {  # type name -> (test, what a value must be)
    "u64": (lambda v: type(v) is int and 0 <= v < 2**64, "a whole number 0..2^64-1"),
    "u32": (lambda v: type(v) is int and 0 <= v < 2**32, "a whole number 0..2^32-1"),
    "bool": (lambda v: type(v) is bool, "true or false"),  # type(): a bool is an int too
    "str": (lambda v: type(v) is str, "text"),
    "sha256": (lambda v: type(v) is str and SHA256_RE.fullmatch(v) is not None,
               "a SHA-256 (64 lower-case hex digits)"),
    "decimal": (lambda v: type(v) is str and DECIMAL_RE.fullmatch(v) is not None,
                "a decimal number written as text"),
}

FILES, HASHES, COUNTS = ("map", "str"), ("map", "sha256"), ("map", "u64")

HEADER = {"seq": "u64", "prev_hash": "sha256", "entry_hash": "sha256", "time": "str",
          "tool": "str", "spec": "str"}

COMMIT_STRATUM = {"stratum": "str", "residents": "u64", "eligible": "u64",
                  "capacity": "u64", "factor": "decimal", "allocated": "u64"}
SHORTFALL = {"stratum": "str", "allocated": "u64", "drawn": "u64"}
FILE_HASH = {"file": "str", "sha256": "sha256"}

BODIES = {  # step -> its struct in entry.rs, fields in declaration order
    "commit": {
        "wave": "u32", "process_sha256": "sha256", "register_file_sha256": "sha256",
        "extract_sha256": "sha256", "register_rows": "u64", "blank_rows": "u64",
        "rejected_rows": "u64", "rejects_sha256": ("optional", "sha256"),
        "residents": "u64", "partial_birth_dates": "u64",
        "partial_birth_dates_decided": "u64", "eligible": "u64", "eligible_sha256": "sha256",
        "excluded": COUNTS, "exclusion_list_ids_not_in_register": "u64",
        "invitations": "u64", "household_rule": "bool", "strata_columns": ("list", "str"),
        "strata": ("list", COMMIT_STRATUM), "seed_source": "str", "seed_form": "str",
        "reference_date": "str", "recommit_reason": ("optional", "str"),
        "commitment": "sha256"},
    "draw": {
        "wave": "u32", "commitment": "sha256", "seed": "str", "key_label": "str",
        "drawn": "u64", "drawn_sha256": "sha256", "words_used": "u64",
        "code_key_sha256": "sha256", "outputs": FILES, "output_sha256": HASHES,
        "shortfall": ("list", SHORTFALL), "redraw_reason": ("optional", "str")},
    "intake": {
        "process_sha256": "sha256", "applications_sha256": "sha256",
        "invitee_files": ("list", FILE_HASH), "rows_in": "u64", "pool": "u64",
        "rejected": "u64", "rejected_by_reason": COUNTS, "outputs": FILES,
        "output_sha256": HASHES},
    "select": {
        "process_sha256": "sha256", "pool_file": "str", "pool_sha256": "sha256",
        "quotas_sha256": "sha256", "k": "u64",
        "algorithm": ("enum", ("leximin", "maximin", "goldilocks", "legacy")),
        "gamma": ("optional", "decimal"), "pricing_gap": ("optional", "decimal"),
        "applicants": "u64",
        "panels": ("optional", "u64"), "min_probability": "decimal", "outputs": FILES,
        "output_sha256": HASHES},
    "lottery": {
        "lottery_sha256": "sha256", "seed_source": "str", "seed_form": "str", "m": "u64", "k": "u64", "pool_sha256": "sha256",
        "quotas_sha256": "sha256", "distribution_sha256": "sha256",
        "panels_in_distribution": "u64", "panels_in_lottery": "u64",
        "panels_generated": "u64", "max_deviation": "decimal",
        "deviation_lower_bound": "decimal", "min_probability_leximin": "decimal",
        "min_probability_lottery": "decimal", "outputs": FILES, "output_sha256": HASHES},
    "lottery-draw": {
        "lottery_sha256": "sha256", "m": "u64", "number": "u64", "number_text": "str",
        "source": ("enum", ("ceremony", "seed")), "seed": ("nullable", "str"),
        "reserve_seed": "str", "panel": ("list", "str"), "reserves": "u64",
        "outputs": FILES, "output_sha256": HASHES},
    "replace": {
        "round": "u64", "date": "str", "dropped": ("list", "str"),
        "unavailable": ("list", "str"), "replacements": ("list", "str"), "rule": "str",
        "outputs": FILES, "output_sha256": HASHES},
    "letters": {
        "kind": "str", "letters": "u64", "pages": "u64", "missing_glyphs": "u64",
        "single_files": "u64", "wave": ("optional", "u32"),
        "invitees_sha256": ("optional", "sha256"),
        "replacement_rounds": ("optional", "u64"), "outputs": FILES,
        "output_sha256": HASHES},
    "report": {"min_cell": "u64", "outputs": FILES, "output_sha256": HASHES},
    "retention": {
        "date": "str", "reason": "str", "deleted": ("list", FILE_HASH),
        "code_key_sha256": ("optional", "sha256"), "register_sha256": ("optional", "sha256")},
}

STEP_OUTPUTS = {  # entry.rs Step::outputs: (required, optional) output names
    "draw": (("invitees", "summary"), ()),
    "intake": (("pool", "summary", "mapping", "rejects"), ()),
    "select": (("probabilities", "quota_table"), ("distribution", "comparison", "comparison_curves")),  # see rule_problem
    "lottery": (("lottery", "report"), ()),
    "lottery-draw": (("panel", "reserves"), ()),
    "replace": (("panel",), ()),
    "letters": (("pdf", "html", "mail_merge"), ()),
    "report": (("report_de", "report_en"), ("pdf_de", "pdf_en")),
}  # commit records no output files


def _json_int(text: str):
    # serde_json reads -0 and a whole number outside i64/u64 as a floating-point
    # number, which the journal may not hold; json.loads would read an int.
    n = int(text)
    return float(text) if text == "-0" or not -2**63 <= n < 2**64 else n


def _json_constant(name: str):
    # NaN, Infinity and -Infinity are not JSON: serde_json refuses them, json.loads
    # would read them as floats.
    raise ValueError(f"{name} is not a JSON value")


def load_line(line: str):
    """A journal line read as sortes reads it: (object, None), or (None, why not)."""
    try:
        v = json.loads(line, parse_int=_json_int, parse_constant=_json_constant)
        # A lone surrogate escape (\ud800) is no text: serde_json refuses it, and
        # encoding is what fails on it here (UnicodeEncodeError is a ValueError).
        canonical_json(v).encode("utf-8")
    except ValueError as e:
        return None, f"not valid JSON ({e})"
    return (v, None) if type(v) is dict else (None, "not a JSON object")


def step_label(e: dict) -> str:
    """The step in parentheses for messages; nothing for a step sortes does not know."""
    s = e.get("step")
    return f" ({s})" if type(s) is str and s in BODIES else ""


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def float_path(v, path: str = ""):
    """Where the first floating-point number in v is ("strata[2].factor"), else None."""
    if type(v) is float:
        return path
    if type(v) is dict:
        inside = [(_join(path, k), x) for k, x in sorted(v.items())]
    elif type(v) is list:
        inside = [(f"{path}[{i}]", x) for i, x in enumerate(v)]
    else:
        return None
    return next((p for q, x in inside if (p := float_path(x, q)) is not None), None)


def type_problem(t, v, path: str):
    """Why v, the field at path, is not of type t (None if it is)."""
    if type(t) is str:
        test, what = SCALARS[t]
        return None if test(v) else f"field '{path}' is not {what}"
    if type(t) is dict:
        return struct_problem(t, v, path)
    kind, inner = t
    if kind == "enum":
        return None if type(v) is str and v in inner else \
            f"field '{path}' is not one of {', '.join(inner)}"
    if kind == "nullable":
        return None if v is None else type_problem(inner, v, path)
    if kind == "optional":  # present (struct_problem lets it be absent), so of type T
        return type_problem(inner, v, path)
    if kind == "list":
        if type(v) is not list:
            return f"field '{path}' is not a list"
        return next((p for i, x in enumerate(v)
                     if (p := type_problem(inner, x, f"{path}[{i}]"))), None)
    if type(v) is not dict:  # "map": JSON object keys are always text
        return f"field '{path}' is not an object"
    return next((p for k in sorted(v) if (p := type_problem(inner, v[k], _join(path, k)))),
                None)


def struct_problem(fields: dict, v, path: str):
    """Why v is not the struct `fields` (None if it is): deny_unknown_fields, every
    field that is not optional present, every field of its type."""
    if type(v) is not dict:
        return f"field '{path}' is not an object"
    unknown = [k for k in sorted(v) if k not in fields]
    if unknown:
        return f"unknown field '{_join(path, unknown[0])}'"
    for k, t in fields.items():
        if k not in v:
            if type(t) is tuple and t[0] == "optional":
                continue
            return f"missing field '{_join(path, k)}'"
        if p := type_problem(t, v[k], _join(path, k)):
            return p
    return None


def outputs_problem(step: str, b: dict):
    """entry.rs Body::check on the output files (None if they are right)."""
    files, hashes = b["outputs"], b["output_sha256"]
    required, optional = STEP_OUTPUTS[step]
    if sorted(files) != sorted(hashes):
        return "outputs and output_sha256 name different files"
    missing = [r for r in required if r not in files]
    if missing:
        return f"the output '{missing[0]}' is not recorded"
    extra = [n for n in sorted(files) if n not in required + optional]
    if extra:
        return f"'{extra[0]}' is not an output of this step"
    for n in sorted(files):  # entry.rs `inside`: "/"-separated, no empty, "." or ".." part
        p = files[n]
        if not p or "\\" in p or ":" in p or any(c in ("", ".", "..") for c in p.split("/")):
            return f"the output '{n}' is recorded at {p!r}, which is not a path inside " \
                   "the output folder"
    return None


def rule_problem(step: str, b: dict):
    """entry.rs Body::check: what the types alone cannot say (None if all holds)."""
    if step in STEP_OUTPUTS and (p := outputs_problem(step, b)):
        return p
    if step == "select" and (b["algorithm"] != "legacy") != ("distribution" in b["outputs"]):
        return f"a {b['algorithm']} selection " + \
            ("must record a distribution" if b["algorithm"] != "legacy" else
             "records no distribution")
    if step == "lottery-draw" and (b["source"] == "seed") != (b["seed"] is not None):
        return "the seed is given exactly when the source is \"seed\""
    return None


def entry_problem(e: dict, n: int):
    """Why the entry on journal line n does not fit the schema sortes opens journals
    with (src/base/journal/mod.rs parse_line and Journal::open), else None. The chain
    is read_journal's."""
    if (p := float_path(e)) is not None:
        return f"field '{p}' is a floating-point number; the journal holds none"
    for k, t in HEADER.items():
        if k not in e:
            return f"missing header field '{k}'"
        if p := type_problem(t, e[k], k):
            return p
    if e["spec"] != SPEC:
        return f"written under {e['spec']!r}; this verifier reads journals of {SPEC!r} only"
    if e["seq"] != n:
        return f"field 'seq' is {e['seq']}, expected {n} (its line number)"
    if "step" not in e:
        return "missing field 'step'"
    if not step_label(e):
        return "field 'step' is not one of " + ", ".join(BODIES)
    body = {k: v for k, v in e.items() if k not in HEADER and k != "step"}
    return struct_problem(BODIES[e["step"]], body, "") or rule_problem(e["step"], body)


# ---------------------------------------------------------------- CSV files between the steps
# The files one step hands the next (quota file, pool, distribution, probabilities,
# members files) are read as src/base/table.rs reads them: UTF-8 (a BOM dropped), the
# delimiter among candidates that occurs most often outside quotes in the first
# non-blank line, cells trimmed and in NFC, rows without a non-empty cell dropped,
# every row as wide as the header.
class Table:
    def __init__(self, header, rows):
        self.header, self.rows = header, rows  # rows: (line, cells)

    def find(self, name: str):
        """The first column whose name folds to `name` (None if there is none)."""
        k = fold(name)
        return next((i for i, h in enumerate(self.header) if fold(h) == k), None)


def fold(s: str) -> str:  # src/base/text.rs fold: NFC, white space runs as one space, lower case
    return " ".join(w for w in re.split(f"[{WS}]+", unicodedata.normalize("NFC", s)) if w).lower()


def decode_utf8(rel: str, data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        line = data[:e.start].count(b"\n") + 1
        raise Failure(f"{rel}: line {line}: a byte that is not valid UTF-8") from None


def read_table(rel: str, data: bytes, delimiters: str = ",;\t") -> Table:
    text = decode_utf8(rel, data)
    first = next((l for l in text.split("\n") if l.strip(WS)), "")
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=header_delimiter(first, delimiters))
    header, rows, line = None, [], 1
    try:
        for rec in reader:
            start, line = line, reader.line_num + 1
            cells = [canon(c) for c in rec]
            if header is None:
                header = cells
            elif any(cells):
                if len(cells) != len(header):
                    raise Failure(f"{rel}: line {start}: this row has {len(cells)} cells but "
                                  f"the header has {len(header)}")
                rows.append((start, cells))
    except csv.Error:
        raise Failure(f"{rel}: line {line}: cannot be read as CSV (a broken quote?)") from None
    if header is None:
        raise Failure(f"{rel}: the file is empty; it needs a header row")
    if text.count('"') % 2:  # Python's csv reads an unclosed quote to the end; sortes refuses
        raise Failure(f"{rel}: a quote opened is never closed, so the rest of the file would "
                      "be read as one field")
    return Table(header, rows)


UNIT = 10**12  # probabilities are whole numbers of 10^-12 (src/base/text.rs)


def parse_units(s: str):
    """A non-negative decimal with at most 12 places, in units of 10^-12; else None."""
    whole, _, frac = s.partition(".")
    if (not whole and not frac) or len(frac) > 12 or not re.fullmatch("[0-9]*", whole) \
            or not re.fullmatch("[0-9]*", frac):
        return None
    return int(whole or 0) * UNIT + int(frac.ljust(12, "0") or 0)


def units_text(u: int) -> str:  # 12 places: "0.135000000000", "-0.000000000001"
    return f"{'-' if u < 0 else ''}{abs(u) // UNIT}.{abs(u) % UNIT:012d}"


def parse_distribution(rel: str, data: bytes):
    """distribution.csv (src/select/files.rs): panels (ids sorted) and probabilities in
    units, normalised to sum to exactly 1 (the difference, at most 10^-6, goes to the most
    probable panel, the lowest number on ties)."""
    t = read_table(rel, data, ",")
    if t.header != ["panel", "probability", "members"]:
        raise Failure(f"{rel}: line 1: the header must be panel,probability,members")
    panels, probs = [], []
    for line, cells in t.rows:
        p = parse_units(cells[1])
        if p is None:
            raise Failure(f"{rel}: line {line}: the probability is not a decimal number "
                          "with at most 12 places")
        panels.append(sorted(m for m in cells[2].split(" ") if m))
        probs.append(p)
    if not panels:
        raise Failure(f"{rel}: line 1: the distribution lists no panels")
    if abs(UNIT - sum(probs)) > 1_000_000:
        raise Failure(f"{rel}: the probabilities sum to {sum(probs)}e-12, not 1")
    top = max(range(len(probs)), key=lambda i: (probs[i], -i))
    probs[top] += UNIT - sum(probs)
    return panels, probs


def parse_probabilities(rel: str, data: bytes):
    """probabilities.csv: (pool id, probability in units), in file order."""
    t = read_table(rel, data, ",")
    if t.header != ["pool_id", "probability"]:
        raise Failure(f"{rel}: line 1: the header must be pool_id,probability")
    out = []
    for line, cells in t.rows:
        p = parse_units(cells[1])
        if p is None:
            raise Failure(f"{rel}: line {line}: the probability is not a decimal number "
                          "with at most 12 places")
        out.append((cells[0], p))
    return out


def members_csv(ids, first: str) -> bytes:
    """panel.csv, reserves.csv, panel-after-replacement-N.csv: seat (or rank) and pool id
    only; the attributes stay in the confidential pool (src/lottery/step.rs)."""
    return (f"{first},pool_id\n" + "".join(f"{n},{csv_field(i)}\n" for n, i in
                                             enumerate(ids, start=1))).encode("utf-8")


# ---------------------------------------------------------------- quotas, pool and panels
class Instance:
    """A pool matched to a quota file (src/select/instance.rs): per agent the index of
    its value in each category; households as ids (None: no household rule or no key)."""

    def __init__(self, k, cats, ids, agents, households):
        self.k, self.cats, self.ids, self.agents, self.households = k, cats, ids, agents, households
        self.index = {i: n for n, i in enumerate(ids)}
        self.slot0 = [sum(len(c[1]) for c in cats[:n]) for n in range(len(cats))]
        self.lo = [lo for _, vals in cats for _, lo, _ in vals]
        self.hi = [hi for _, vals in cats for _, _, hi in vals]

    def slots(self, a: int):
        """The (category, value) slots of agent a, one per category."""
        return [self.slot0[c] + v for c, v in enumerate(self.agents[a])]


def _bound(rel, line, col, s):
    if not re.fullmatch("[0-9]+", s) or int(s) >= 2**32:
        raise Failure(f"{rel}: line {line}: {col} is {s!r}, not a whole number of 0 or more")
    return int(s)


def parse_quotas(rel: str, data: bytes):
    """The quota file (src/quotas/file.rs): [(category, [(value, min, max), ...])] in file
    order; category,value / feature,value / category,feature layouts."""
    t = read_table(rel, data, ",;")
    c, f, v = t.find("category"), t.find("feature"), t.find("value")
    if c is not None and v is not None:
        cat_col, val_col = c, v
    elif f is not None and v is not None:
        cat_col, val_col = f, v
    elif c is not None and f is not None:
        cat_col, val_col = c, f
    else:
        raise Failure(f"{rel}: line 1: the header needs a category and a value column")
    cols = {}
    for name in ("min", "max", "min_flex", "max_flex"):
        cols[name] = t.find(name)
        if cols[name] is None and name in ("min", "max"):
            raise Failure(f"{rel}: line 1: the header has no column \"{name}\"")
    cats = []
    for line, cells in t.rows:
        cat, val = cells[cat_col], cells[val_col]
        if not cat or not val:
            raise Failure(f"{rel}: line {line}: the category or the value is empty")
        lo, hi = (_bound(rel, line, n, cells[cols[n]]) for n in ("min", "max"))
        if lo > hi:
            raise Failure(f"{rel}: line {line}: {cat}={val}: the minimum {lo} is greater "
                          f"than the maximum {hi}")
        for n in ("min_flex", "max_flex"):
            if cols[n] is not None and cells[cols[n]]:
                x = _bound(rel, line, n, cells[cols[n]])
                if (n == "min_flex" and x > lo) or (n == "max_flex" and x < hi):
                    raise Failure(f"{rel}: line {line}: {cat}={val}: {n} {x} is outside min..max")
        entry = next((e for e in cats if fold(e[0]) == fold(cat)), None)
        if entry is None:
            entry = (cat, [])
            cats.append(entry)
        if any(fold(x[0]) == fold(val) for x in entry[1]):
            raise Failure(f"{rel}: line {line}: {cat}={val} is given twice")
        entry[1].append((val, lo, hi))
    if not cats:
        raise Failure(f"{rel}: the quota file has a header but no quota rows")
    return cats


def build_instance(pool_rel, pool_data, cats, k: int, household_rule: bool) -> Instance:
    """The pool (src/quotas/pool.rs: unique non-empty pool_id, household key with the
    household rule) matched to the quota categories: every applicant's value must be one
    of its category's values (compared by fold). Names no value: only the line."""
    t = read_table(pool_rel, pool_data)
    id_col = t.find("pool_id")
    if id_col is None:
        raise Failure(f"{pool_rel}: line 1: the pool has no column \"pool_id\"")
    hh_col = t.find("household") if household_rule else None
    if household_rule and hh_col is None:
        raise Failure(f"{pool_rel}: line 1: the pool has no column \"household\"")
    cat_cols = []
    for name, _ in cats:
        col = t.find(name)
        if col is None:
            raise Failure(f"{pool_rel}: line 1: the pool has no column {name!r} (a quota category)")
        cat_cols.append(col)
    ids, agents, keys, seen = [], [], [], set()
    for line, cells in t.rows:
        pid = cells[id_col]
        if not pid or pid in seen:
            raise Failure(f"{pool_rel}: line {line}: the pool id is empty or given twice")
        seen.add(pid)
        a = []
        for (name, vals), col in zip(cats, cat_cols):
            v = next((n for n, x in enumerate(vals) if fold(x[0]) == fold(cells[col])), None)
            if v is None:
                raise Failure(f"{pool_rel}: line {line}: the {name} of {pid} is not a value "
                              "of the quota file")
            a.append(v)
        ids.append(pid)
        agents.append(a)
        keys.append(fold(cells[hh_col]) if hh_col is not None and cells[hh_col] else None)
    households = None
    if any(h is not None for h in keys):
        number = {}
        households = [None if h is None else number.setdefault(h, len(number)) for h in keys]
    return Instance(k, cats, ids, agents, households)


def panel_problem(inst: Instance, ids):
    """None if the panel (pool ids) has k distinct pool members, meets every quota and the
    household rule (integer counts, src/select/mod.rs check_panel); else a sentence."""
    missing = [i for i in ids if i not in inst.index]
    if missing:
        return f"{missing[0]} is not in the pool"
    if len(ids) != inst.k:
        return f"the panel has {len(ids)} members, expected {inst.k}"
    if len(set(ids)) != len(ids):
        return "a member appears twice"
    counts = [0] * len(inst.lo)
    for i in ids:
        for s in inst.slots(inst.index[i]):
            counts[s] += 1
    for (cat, vals), s0 in zip(inst.cats, inst.slot0):
        for n, (val, lo, hi) in enumerate(vals):
            if not lo <= counts[s0 + n] <= hi:
                return f"{cat}={val}: {counts[s0 + n]} selected, quota is {lo}..={hi}"
    if inst.households:
        hh = [inst.households[inst.index[i]] for i in ids]
        hh = [h for h in hh if h is not None]
        if len(hh) != len(set(hh)):
            return "two members of one household selected"
    return None


# ---------------------------------------------------------------- §14 replacements
class Undecided(Exception):
    """The search for a completion went past its limit (reported as SKIP)."""


def completable(inst: Instance, fixed: list, cands: list, need: int, limit: int = 1_000_000):
    """§14: whether `need` people of `cands` (agent indices) complete `fixed` to a panel
    that meets every quota and the household rule. An exact search: candidates without a
    household conflict are grouped by their values (interchangeable); the members of one
    household are alternatives (at most one of them). It branches on the quota whose
    minimum is hardest to reach (one of the people who have that value must be taken; each
    is tried in turn, then left out), and cuts a branch when a category's minimums need
    more seats than are left, or its maximums and the people left allow fewer."""
    nslot, hh = len(inst.lo), inst.households
    counts = [0] * nslot
    for a in fixed:
        for s in inst.slots(a):
            counts[s] += 1
    if any(c > h for c, h in zip(counts, inst.hi)):
        return False
    taken = [hh[a] for a in fixed if hh and hh[a] is not None]
    if len(taken) != len(set(taken)):
        return False
    pool = [a for a in cands if not (hh and hh[a] is not None and hh[a] in taken)]
    members = {}
    for a in pool:
        if hh and hh[a] is not None:
            members.setdefault(hh[a], []).append(a)
    alone, households = {}, []
    for a in pool:
        h = hh[a] if hh else None
        if h is None or len(members[h]) == 1:
            t = tuple(inst.slots(a))
            alone[t] = alone.get(t, 0) + 1
        elif members[h][0] == a:
            households.append(sorted({tuple(inst.slots(m)) for m in members[h]}))
    # A unit: its value lists (one for people grouped by value, the members' for a
    # household), how many may still be taken from it (a household: at most one).
    types = [[t] for t in sorted(alone)] + households
    mult = [alone[t[0]] for t in types[:len(alone)]] + [1] * len(households)
    # What the units can still give: people per slot, seats in all.
    avail, seats = [0] * nslot, [sum(mult)]

    def union(u):
        return {s for t in types[u] for s in t}

    def count(u, sign):
        for s in union(u):
            avail[s] += sign * mult[u]
    for u in range(len(types)):
        count(u, 1)
    supply = [[u for u in range(len(types)) if s in union(u)] for s in range(nslot)]
    cats = [range(s0, s0 + len(v)) for s0, (_, v) in zip(inst.slot0, inst.cats)]
    nodes = [0]

    def set_types(u, new, new_mult):
        """Unit u now offers `new` value lists, new_mult times; what is left follows."""
        count(u, -1)
        seats[0] += new_mult - mult[u]
        types[u], mult[u] = new, new_mult
        count(u, 1)

    def fits(t):
        return all(counts[s] < inst.hi[s] for s in t)

    def try_take(u, t, left):
        """Takes one person with values t from unit u and searches on; undoes it."""
        old = (types[u], mult[u])
        set_types(u, old[0], old[1] - 1) if len(old[0]) == 1 else set_types(u, [], 0)
        for s in t:
            counts[s] += 1
        ok = search(left - 1)
        for s in t:
            counts[s] -= 1
        set_types(u, *old)
        return ok

    def search(left: int) -> bool:
        nodes[0] += 1
        if nodes[0] > limit:
            raise Undecided(f"more than {limit} search steps")
        if left == 0:
            return all(c >= lo for c, lo in zip(counts, inst.lo))
        if seats[0] < left:
            return False
        short = [max(0, lo - c) for c, lo in zip(counts, inst.lo)]
        for r in cats:
            if sum(short[s] for s in r) > left or \
                    sum(min(inst.hi[s] - counts[s], avail[s]) for s in r) < left:
                return False
        if any(x > y for x, y in zip(short, avail)):
            return False
        need_s = [s for s in range(nslot) if short[s]]
        undo, ok = [], False
        if need_s:  # someone with value s must be taken: each supplier in turn
            s = min(need_s, key=lambda s: avail[s] - short[s])
            for u in supply[s]:
                with_s = [t for t in types[u] if s in t]
                if mult[u] == 0 or not with_s:
                    continue
                if any(fits(t) and try_take(u, t, left) for t in with_s):
                    ok = True
                    break
                undo.append((u, types[u], mult[u]))  # from now on: nobody with s from u
                rest = [t for t in types[u] if s not in t]
                set_types(u, rest, mult[u] if rest else 0)
                if short[s] > avail[s]:
                    break
        else:  # every minimum met: fill the seats left without passing a maximum
            u = next((u for u in range(len(types)) if mult[u]), None)
            if u is not None:
                ok = any(fits(t) and try_take(u, t, left) for t in types[u])
                if not ok:
                    undo.append((u, types[u], mult[u]))
                    set_types(u, [], 0)
                    ok = search(left)
        for u, t, m in reversed(undo):
            set_types(u, t, m)
        return ok

    return search(need)


def choose_replacements(inst: Instance, panel, ever, unavailable_before, reserve, dropped,
                        unavailable):
    """§14: the lexicographically first feasible choice in the reserve order (as
    src/lottery/step.rs choose and src/lottery/replace.rs): walk the reserve order,
    skipping everyone ever on the panel or unavailable; take a person if the panel can
    still be completed with people later in the order."""
    if any(d not in panel for d in dropped) or len(set(dropped)) != len(dropped):
        raise Failure("a dropped member is not on the current panel, or is named twice")
    if any(u not in inst.index for u in unavailable):
        raise Failure("an unavailable person is not in the pool")
    gone = set(dropped)
    staying = [inst.index[p] for p in panel if p not in gone and p in inst.index]
    skip = set(ever) | set(unavailable_before) | set(unavailable)
    cands = [inst.index[r] for r in reserve if r not in skip and r in inst.index]
    chosen, need = [], len(dropped)
    for pos, c in enumerate(cands):
        if len(chosen) == need:
            break
        fixed, left = staying + chosen + [c], need - len(chosen) - 1
        if left == 0:
            ok = panel_problem(inst, [inst.ids[a] for a in fixed]) is None
        else:
            ok = completable(inst, fixed, cands[pos + 1:], left)
        if ok:
            chosen.append(c)
    if len(chosen) < need:
        raise Failure("no choice from the reserve order keeps every quota")
    return [inst.ids[a] for a in chosen]


# ---------------------------------------------------------------- §12 the lottery file
LOTTERY_MAGIC = "sortes lottery v1"


def parse_lottery(rel: str, data: bytes):
    """lottery.txt in its one canonical byte form (§12, src/lottery/mod.rs parse):
    a dict of the header values and the tickets (ids per number)."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise Failure(f"{rel}: the lottery file is not UTF-8 text") from None
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    keys = ["process", "m", "k", "pool_sha256", "quotas_sha256", "distribution_sha256"]
    if len(lines) < 7:
        raise Failure(f"{rel}: the file ends before its header is complete")
    if lines[0] != LOTTERY_MAGIC:
        raise Failure(f"{rel}: line 1: this is not a sortes lottery file")
    head = {}
    for n, key in enumerate(keys, start=2):
        if not lines[n - 1].startswith(key + "="):
            raise Failure(f"{rel}: line {n}: expected the line {key}=…")
        head[key] = lines[n - 1][len(key) + 1:]
    for n, key in ((3, "m"), (4, "k")):
        if not re.fullmatch(r"\+?[0-9]+", head[key]):
            raise Failure(f"{rel}: line {n}: {key} is not a whole number")
        head[key] = int(head[key])
    m, k = head["m"], head["k"]
    width = len(str(max(m - 1, 0)))
    tickets = []
    for n, line in enumerate(lines[7:], start=8):
        want = f"{len(tickets):0{width}d}"
        if not line.startswith(want + " "):
            raise Failure(f"{rel}: line {n}: expected panel number {want} here")
        ids = line[len(want) + 1:].split(" ")
        if len(ids) != k or "" in ids:
            raise Failure(f"{rel}: line {n}: panel {want} must list {k} pool ids separated "
                          "by single spaces")
        if any(a >= b for a, b in zip(ids, ids[1:])):
            raise Failure(f"{rel}: line {n}: panel {want}: pool ids must be sorted and distinct")
        tickets.append(ids)
    if len(tickets) != m or not text.endswith("\n"):
        raise Failure(f"{rel}: the file lists {len(tickets)} panels, m = {m}")
    return head, tickets, width


def seed_for_number(number: int) -> str:  # §13: a ceremony number without a seed
    return canonical_seed(f"text:lottery number {number}")


def reserve_order(seed: str, lottery_sha: str, number: int, pool_ids, panel):
    """§13: everyone in the pool not on the panel, sorted by the bytes of the id, in the
    order of a full Fisher-Yates walk keyed by the seed, the lottery and the number."""
    on = set(panel)
    rest = sorted({i for i in pool_ids if i not in on}, key=lambda s: s.encode("utf-8"))
    return sample(Stream(derive_key("reserve-order", seed, f"{lottery_sha}:{number}")),
                  rest, len(rest))


# ---------------------------------------------------------------- §2.1 announced seed forms
def parse_seed_form(text: str):
    """src/base/spec.rs SeedForm: ("ceremony",), ("drand", round) or ("rfc3797", counts)."""
    s = text.strip(WS)
    if s == "ceremony":
        return ("ceremony",)
    if s.startswith("drand:") and re.fullmatch("[0-9]+", s[6:]) and int(s[6:]) < 2**64:
        return ("drand", int(s[6:]))
    if s.startswith("rfc3797:"):
        parts = s[8:].split("+")
        if all(re.fullmatch("[0-9]+", p) and 0 < int(p) < 2**32 for p in parts):
            return ("rfc3797", [int(p) for p in parts])
    raise Failure(f"seed form {s!r} is not one of rfc3797:COUNTS, drand:ROUND or ceremony")


def form_text(f) -> str:
    return {"ceremony": "ceremony", "drand": f"drand:{f[-1]}",
            "rfc3797": "rfc3797:" + "+".join(map(str, f[-1]))}[f[0]]


def split_terminator(s: str, sep: str):  # Rust str::split_terminator
    parts = s.split(sep)
    return parts[:-1] if parts[-1] == "" else parts


def form_admits(f, seed: str):
    """None if the canonical seed has the announced form, else why not."""
    if f[0] == "rfc3797":
        if not seed.startswith("rfc3797:"):
            return f"the seed must be an RFC 3797 key string ({form_text(f)}), not {seed}"
        have = [len(split_terminator(g, ".")) for g in split_terminator(seed[8:], "/")]
        return None if have == f[1] else \
            f"the announced form {form_text(f)} has {'+'.join(map(str, f[1]))} numbers per " \
            f"source, the seed {'+'.join(map(str, have))}"
    if f[0] == "drand":
        rnd = seed[6:].split(":", 1)[0] if seed.startswith("drand:") and ":" in seed[6:] else None
        return None if rnd == str(f[1]) else \
            f"the seed must be the randomness of drand round {f[1]}, not {seed}"
    return f"the announced source is a number drawn at a public ceremony, not a seed ({seed})"


# ---------------------------------------------------------------- §9 application codes
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"


def application_code(key: bytes, process_id: str, register_id: str, attempt: int) -> str:
    """§9: 8 data characters from HMAC-SHA256 and a check character, XXXX-XXXXX."""
    tag = hmac.new(key, b"sortes/code/v1\0" + process_id.encode() + b"\0" + register_id.encode()
                   + b"\0" + str(attempt).encode(), hashlib.sha256).digest()
    x, v = int.from_bytes(tag[:8], "big"), []
    for _ in range(8):
        x, d = divmod(x, 31)
        v.insert(0, d)
    s = sum((i + 1) * d for i, d in enumerate(v))
    v.append((31 - s % 31) % 31 * 7 % 31)  # Σ i·v_i + 9·c ≡ 0 (mod 31); 9⁻¹ ≡ 7
    code = "".join(CODE_ALPHABET[d] for d in v)
    return code[:4] + "-" + code[4:]


def load_code_key(rel: str, data: bytes) -> bytes:
    """out/private/code-key.secret: 64 hex digits (src/draw/codes.rs)."""
    try:
        key = bytes.fromhex(data.decode("utf-8").strip(WS))
    except ValueError:
        key = b""
    if len(key) != 32:
        raise Failure(f"{rel} is not a sortes code key (64 hex digits)")
    return key


INVITEES_HEADER = ["wave", "stratum", "draw_rank", "register_id", "application_code",
                   "family_name", "given_names", "doctorate", "name_prefix", "street",
                   "house_number", "house_number_suffix", "house_number_part",
                   "address_addition", "postcode", "city", "age", "age_band", "gender",
                   "nationality", "stadtbezirk"]


def invitees_csv(proc: dict, reg: dict, pl: dict, per, codes: dict) -> bytes:
    """invitees.csv as the draw writes it: stratum by stratum, draw order within; every
    register value the canonical field value of §6.2 (gender after the map, nationality
    canonical), age the age of §6.5 rule 2, age_band its label (§7.1, never empty).
    Quoted only where needed (csv_field)."""
    edges = proc["draw"].get("age_bands", DEFAULT_AGE_BANDS)
    out = [INVITEES_HEADER]
    for s, drawn in zip(pl["strata"], per):
        for rank, p in enumerate(drawn, start=1):
            v = p["values"]
            out.append([str(pl["wave"]), s["stratum"], str(rank), p["id"], codes[p["id"]],
                        *v[FAMILY:CITY + 1], str(p["age"]), age_band_label(edges, p["age"]),
                        v[GENDER], v[NATIONALITY], v[BEZIRK]])
    return "".join(",".join(map(csv_field, r)) + "\n" for r in out).encode("utf-8")


# ---------------------------------------------------------------- the report and the context
class Report:
    """One line per check: PASS, SKIP, ACCEPTED or FAIL, two spaces, name, ': detail'."""

    def __init__(self):
        self.failed = 0

    def add(self, status: str, name: str, detail: str = ""):
        self.failed += status == "FAIL"
        print(f"{status}  {name}" + (f": {detail}" if detail else ""), flush=True)
        return status != "FAIL"

    def check(self, name: str, ok: bool, detail: str = ""):
        return self.add("PASS" if ok else "FAIL", name, detail)

    def verdict(self, name: str, bad: list, ok: str):
        """PASS with `ok` when nothing is bad, else one FAIL listing every problem."""
        return self.add("FAIL", name, "; ".join(bad)) if bad else self.add("PASS", name, ok)

    def skip(self, name: str, why: str):
        return self.add("SKIP", name, why)

    def fail(self, name: str, why: str):
        return self.add("FAIL", name, why)


def schema_checked(rep: Report, problems: list, n: int, where: str = "") -> bool:
    """Reports the journal schema: one PASS, or one FAIL per refused line. False on a
    FAIL: sortes refuses such a journal as a whole, and the replays read fields that
    only the schema guarantees, so the caller stops there."""
    if not problems:
        return rep.check("journal schema", True, f"{n} entries of {SPEC}")
    for p in problems:
        rep.check("journal schema", False, f"{where}: {p}" if where else p)
    return False


NO_POOL = ("counting attributes needs the confidential pool, which a public audit bundle "
           "leaves out (an auditor under a confidentiality agreement gets a bundle made "
           "with --confidential)")
NOT_IN_BUNDLE = "personal data, not in an audit bundle (the register office verifies it)"


class Context:
    """What every check needs (src/verify/mod.rs Context): the folder (a process folder or
    an audit bundle) and its output layout (src/base/run.rs Layout: out/public, out/audit,
    out/private), the process file, the journal's entries, the auditor's options.
    Every path printed is relative to the folder; every file is read through `read`, so
    that an unexpected error can name the file it was reading."""

    def __init__(self, root: Path, scope: str, proc_path: Path, out: Path, opts):
        self.root, self.scope, self.proc_path, self.opts = root, scope, proc_path, opts
        self.set_out(out)
        self.reading, self.entries, self.proc, self.proc_bytes = None, [], {}, b""
        self.setup = None  # (k, quota file, household rule) from [selection]

    def set_out(self, out: Path):
        self.out, self.journal = out, out / "journal.jsonl"
        self.public, self.audit, self.private = out / "public", out / "audit", out / "private"
        self.code_key = self.private / "code-key.secret"

    @property
    def pool_in_scope(self) -> bool:  # a public bundle leaves out/audit/ out
        return self.scope != "public"

    def rel(self, p: Path) -> str:
        try:
            return Path(p).relative_to(self.root).as_posix()
        except ValueError:
            return Path(p).as_posix()

    def read(self, p: Path) -> bytes:
        self.reading = p
        return Path(p).read_bytes()

    def who(self, e: dict) -> str:
        w = f" of wave {e['wave']}" if e.get("step") in ("commit", "draw", "letters") \
            and "wave" in e else ""
        return f"the {e['step']} step{w} (journal entry {e['seq']})"

    def recorded(self, path: Path, sha: str, what: str, e: dict) -> bytes:
        """The bytes of a file an entry recorded, after checking them against its hash
        (src/base/run.rs check_recorded); else Failure naming the file."""
        rel = self.rel(path)
        if not path.is_file():
            raise Failure(f"{rel}: this {what} file, recorded by {self.who(e)}, is missing")
        data = self.read(path)
        if sha256(data) != sha:
            raise Failure(f"{rel}: this {what} file has changed since {self.who(e)} recorded "
                          f"it (SHA-256 {sha256(data)}, recorded {sha})")
        return data

    def output(self, e: dict, name: str):
        """The output `name` of entry e: (its path relative to the folder, its bytes)."""
        if name not in e.get("outputs", {}):
            raise Failure(f"{self.rel(self.journal)}: {self.who(e)} records no {name} file")
        path = self.out / e["outputs"][name]
        return self.rel(path), self.recorded(path, e["output_sha256"][name], name, e)

    def absent_why(self, deleted):
        """Why a personal file (the register, the code key) that is not at hand may be
        absent: out of a bundle's scope, or deleted as a retention entry records (with the
        date). None: it should be there."""
        if self.scope != "process":
            return NOT_IN_BUNDLE
        for e in steps(self.entries, "retention"):
            if deleted(e):
                return (f"deleted on {e['date']} after its retention period, as journal entry "
                        f"{e['seq']} records ({e['reason']})")
        return None


def steps(entries, name: str):
    """The journal entries of one step, in journal order."""
    return [e for e in entries if e.get("step") == name]


def before(entries, name: str, seq: int, pred=lambda e: True):
    """The latest entry of step `name` before entry `seq` for which pred holds."""
    return next((e for e in reversed(entries) if e["step"] == name and e["seq"] < seq
                 and pred(e)), None)


def outputs(e: dict):
    """(name, path in the output folder, SHA-256) of every file the entry records."""
    return [(n, e["outputs"][n], e["output_sha256"][n]) for n in sorted(e.get("outputs", {}))]


def latest_draws(entries) -> dict:
    """The latest draw of each wave (a justified re-draw supersedes the earlier one)."""
    return {e["wave"]: e for e in steps(entries, "draw")}


def commit_of(cx: Context, draw: dict):
    """The (first) commit entry whose commitment a draw drew, or None."""
    return next((c for c in steps(cx.entries, "commit") if c["commitment"] == draw["commitment"]),
                None)


def selection_of(cx: Context, build: dict):
    """The latest select entry that recorded the distribution the lottery was built from."""
    sel = next((e for e in reversed(steps(cx.entries, "select"))
                if e["output_sha256"].get("distribution") == build["distribution_sha256"]), None)
    if sel is None:
        raise Failure(f"{cx.rel(cx.journal)}: no select entry of the journal recorded the "
                      "distribution the lottery was built from")
    return sel


# ---------------------------------------------------------------- checks: the journal (§10)
def check_journal(cx: Context, rep: Report) -> bool:
    """The chain, the canonical form of every line and the schema (src/base/journal/mod.rs
    Journal::open); the --head the auditor brought. False: nothing else can be checked."""
    j = cx.rel(cx.journal)
    if not cx.journal.is_file():
        return rep.fail("journal", f"{j} is missing: the journal is empty, nothing to verify")
    try:
        entries, bad, noncanonical, problems = read_journal(cx.journal)
    except UnicodeDecodeError:
        return rep.fail("journal chain", f"{j}: the journal is not UTF-8 text")
    rep.check("journal chain", bad is None,
              f"{j}: {len(entries)} entries, every link and hash intact" if bad is None else
              f"{j}: journal entry {bad} is broken: its prev_hash or entry_hash does not match")
    rep.check("journal lines canonical", noncanonical == 0,
              f"{j}: every line in the form of §10" if not noncanonical else
              f"{j}: {noncanonical} lines not written in the canonical form of §10")
    if not schema_checked(rep, problems, len(entries), j) or bad is not None:
        return False  # sortes refuses such a journal as a whole
    if not entries:
        return rep.fail("journal", f"{j}: the journal is empty: nothing to verify")
    cx.entries = entries
    if cx.opts.head is not None:
        check_head(cx, rep)
    return True


def parse_head(text: str):
    """--head HASH or SEQ:HASH (src/verify/mod.rs parse_head): (seq or None, hash)."""
    t = text.strip(WS)
    seq, h = t.split(":", 1) if ":" in t else (None, t)
    h = h.lower()
    if (seq is not None and not (re.fullmatch(r"\+?[0-9]+", seq) and int(seq) < 2**64)) \
            or not SHA256_RE.fullmatch(h):
        raise Failure(f"--head {text!r}: write the journal head as HASH or SEQ:HASH "
                      "(64 hex digits)")
    return (None if seq is None else int(seq)), h


def check_head(cx: Context, rep: Report):
    """The head published earlier must be an entry of the journal, at its seq: a journal
    cut after it, or rewritten, is caught."""
    j = cx.rel(cx.journal)
    seq, h = parse_head(cx.opts.head)
    e = next((e for e in cx.entries if e["entry_hash"] == h), None)
    last = len(cx.entries)
    if e is None:
        rep.fail("journal head", f"{j}: the published head {h} is not in this journal of "
                 f"{last} entries: entries were cut off after it, or the journal was rewritten")
    elif seq is not None and seq != e["seq"]:
        rep.fail("journal head", f"{j}: the published head {h[:16]} is entry {e['seq']}, not {seq}")
    else:
        rep.check("journal head", True, f"the published head {h[:16]} is entry {e['seq']} of "
                  f"{last}; {last - e['seq']} entries follow it")


# ---------------------------------------------------------------- checks: the sequence of steps
def check_inputs(cx: Context, rep: Report):
    """Every step used what the step before it recorded (src/verify/sequence.rs inputs):
    a draw draws the latest commitment of its wave; the intake linked the invitee files of
    the latest draws and is not stale; a selection read the latest intake's pool; a
    lottery rounds the latest selection with a distribution and is drawn once, after it;
    replacements follow the lottery draw in rounds 1, 2, ...; invitation letters come from
    the latest draw of their wave."""
    es, bad, lottery_draws, next_round = cx.entries, [], 0, 1
    for e in es:
        at, s, seq = f"entry {e['seq']} ({e['step']})", e["step"], e["seq"]
        if s == "commit" and e["wave"] > 1:
            if before(es, "draw", seq, lambda d: d["wave"] == e["wave"] - 1) is None:
                bad.append(f"{at}: wave {e['wave']} is committed before wave {e['wave'] - 1} was drawn")
        elif s == "draw":
            c = before(es, "commit", seq, lambda c: c["wave"] == e["wave"])
            if c is None:
                bad.append(f"{at}: no commitment of wave {e['wave']} before it")
            elif c["commitment"] != e["commitment"]:
                bad.append(f"{at}: it draws commitment {e['commitment'][:16]}, but the latest "
                           f"commitment of wave {e['wave']} before it is {c['commitment'][:16]}")
        elif s == "intake":
            want = []
            for w in sorted({d["wave"] for d in steps(es, "draw") if d["seq"] < seq}):
                d = before(es, "draw", seq, lambda d: d["wave"] == w)
                if "invitees" in d["outputs"]:
                    want.append((d["outputs"]["invitees"], d["output_sha256"]["invitees"]))
            have = [(f["file"], f["sha256"]) for f in e["invitee_files"]]
            if not want:
                bad.append(f"{at}: no draw before it")
            elif have != want:
                bad.append(f"{at}: it linked the applications to other invitee files than "
                           "the latest draws before it recorded")
            paths = {p for p, _ in have}
            later = next((d for d in steps(es, "draw") if d["seq"] > seq
                          and d["outputs"].get("invitees") in paths), None)
            if later and not any(i["seq"] > later["seq"] for i in steps(es, "intake")):
                bad.append(f"{at}: the draw in entry {later['seq']} replaced invitees the intake "
                           "used, and no intake followed it: the pool is stale")
        elif s == "select":
            i = before(es, "intake", seq)
            if i and i["outputs"].get("pool") == e["pool_file"] and \
                    i["output_sha256"].get("pool") != e["pool_sha256"]:
                bad.append(f"{at}: it read another pool than the intake in entry {i['seq']} recorded")
            if any(x["outputs"].get("pool") == e["pool_file"] for x in steps(es, "intake")) \
                    and i is None:
                bad.append(f"{at}: the intake that wrote its pool comes after it")
        elif s == "lottery":
            sel = before(es, "select", seq, lambda x: x["algorithm"] != "legacy")
            if sel is None:
                bad.append(f"{at}: no selection with a distribution before it")
            elif (sel["output_sha256"].get("distribution"), sel["pool_sha256"],
                  sel["quotas_sha256"]) != (e["distribution_sha256"], e["pool_sha256"],
                                            e["quotas_sha256"]):
                bad.append(f"{at}: it was not built from the latest selection before it "
                           f"(entry {sel['seq']})")
        elif s == "lottery-draw":
            lottery_draws += 1
            if lottery_draws > 1:
                bad.append(f"{at}: the lottery is drawn a second time")
            lot = before(es, "lottery", seq)
            if lot is None:
                bad.append(f"{at}: no lottery before it")
            elif lot["lottery_sha256"] != e["lottery_sha256"]:
                bad.append(f"{at}: it draws another lottery than the latest before it "
                           f"(entry {lot['seq']})")
            if any(x["seq"] > seq for x in steps(es, "lottery")):
                bad.append(f"{at}: a lottery was built again after the draw")
        elif s == "replace":
            if before(es, "lottery-draw", seq) is None:
                bad.append(f"{at}: a replacement before the lottery draw")
            if e["round"] != next_round:
                bad.append(f"{at}: round {e['round']}, expected round {next_round}")
            next_round = e["round"] + 1
        elif s == "letters":
            w, h = e.get("wave"), e.get("invitees_sha256")
            if w is not None and h is not None:
                d = before(es, "draw", seq, lambda d: d["wave"] == w)
                if d is None:
                    bad.append(f"{at}: invitation letters before the draw of wave {w}")
                elif d["output_sha256"].get("invitees") != h:
                    bad.append(f"{at}: the letters were written from other invitees than the "
                               f"latest draw of wave {w} before them")
            elif w is None and h is None:
                if before(es, "lottery-draw", seq) is None:
                    bad.append(f"{at}: letters after the lottery, before the lottery draw")
            else:
                bad.append(f"{at}: an invitation batch records its wave and its invitee file together")
    j = cx.rel(cx.journal)
    rep.verdict("journal sequence", [f"{j}: {b}" for b in bad],
                f"every step of the {len(es)} entries used what the step before it recorded; "
                "nothing is stale")


def check_seeds(cx: Context, rep: Report):
    """§2.1: every seed, and the lottery's number, has the form the commitment before it
    announced; the reserve order's seed is the lottery draw's own randomness (§13)."""
    bad, n = [], 0
    for d in steps(cx.entries, "draw"):
        n += 1
        c = commit_of(cx, d)
        if c is None:
            continue  # named by the sequence check
        try:
            why = "it is not written in canonical form" if canonical_seed(d["seed"]) != d["seed"] \
                else form_admits(parse_seed_form(c["seed_form"]), d["seed"])
        except Failure as e:
            why = str(e)
        if why:
            bad.append(f"entry {d['seq']} (draw of wave {d['wave']}): seed {d['seed']}: {why} "
                       f"(announced: {c['seed_form']} — {c['seed_source']})")
    for d in steps(cx.entries, "lottery-draw"):
        n += 1
        lot = next((x for x in steps(cx.entries, "lottery")
                    if x["lottery_sha256"] == d["lottery_sha256"]), None)
        if lot is None:
            continue
        try:
            f = parse_seed_form(lot["seed_form"])
            if d["source"] == "ceremony":
                why = None if f[0] == "ceremony" else \
                    "a ceremony number, but the announced form is not a ceremony"
            else:
                why = form_admits(f, canonical_seed(d["seed"]))
        except Failure as e:
            why = str(e)
        try:
            own = d["seed"] if d["source"] == "seed" else seed_for_number(d["number"])
        except Failure:
            own = None
        if why:
            bad.append(f"entry {d['seq']} (lottery draw): {why} (announced: {lot['seed_form']} "
                       f"— {lot['seed_source']})")
        elif d["reserve_seed"] != own:
            bad.append(f"entry {d['seq']} (lottery draw): the reserve order's seed "
                       f"{d['reserve_seed']} is not the draw's own randomness")
    j = cx.rel(cx.journal)
    rep.verdict("announced randomness", [f"{j}: {b}" for b in bad],
                f"{n} draws used public randomness of the form announced before them")


def check_repeats(cx: Context, rep: Report):
    """A wave committed or drawn more than once: a second commitment or draw could choose
    the invitees. FAIL, or ACCEPTED (reported in full) with --accept-repeats."""
    commits, draws = {}, {}
    for c in steps(cx.entries, "commit"):
        commits.setdefault(c["wave"], []).append(c)
    for d in steps(cx.entries, "draw"):
        draws.setdefault(d["wave"], []).append(d)
    times = {1: "once", 2: "twice"}
    for w, cs in sorted(commits.items()):
        ds = draws.get(w, [])
        if len(cs) < 2 and len(ds) < 2:
            continue
        what = f"wave {w} was committed {times.get(len(cs), f'{len(cs)} times')}"
        if len(ds) > 1:
            what += f" and drawn {times.get(len(ds), f'{len(ds)} times')}"
        what += (f" (commitments in entries {', '.join(str(c['seq']) for c in cs)}; draws in "
                 f"entries {', '.join(str(d['seq']) for d in ds)})")
        if ds:
            what += (f": the first draw was entry {ds[0]['seq']} with seed {ds[0]['seed']} "
                     f"(drawn ids SHA-256 {ds[0]['drawn_sha256']})")
        reasons = [f"entry {c['seq']}: {json.dumps(c['recommit_reason'], ensure_ascii=False)}"
                   for c in cs if "recommit_reason" in c] + \
                  [f"entry {d['seq']}: {json.dumps(d['redraw_reason'], ensure_ascii=False)}"
                   for d in ds if "redraw_reason" in d]
        what += f"; the reasons given: {'; '.join(reasons)}" if reasons else "; no reason was given"
        j = cx.rel(cx.journal)
        if cx.opts.accept_repeats:
            rep.add("ACCEPTED", f"wave {w} repeated", f"{j}: {what}")
        else:
            rep.fail(f"wave {w} repeated", f"{j}: {what}. A second commitment or draw could "
                     "choose the invitees; an auditor who has checked the reasons may accept it "
                     "with --accept-repeats")


def walk_files(d: Path, skip_bundles: bool):
    """Every file below d, sorted; with skip_bundles, not below a folder holding a
    bundle.json (a bundle written into the output folder is not its output)."""
    out = []
    for p in sorted(Path(d).iterdir()) if Path(d).is_dir() else []:
        if p.is_dir():
            if not (skip_bundles and (p / "bundle.json").exists()):
                out += walk_files(p, skip_bundles)
        else:
            out.append(p)
    return out


def check_complete(cx: Context, rep: Report):
    """Every file of the output folder (or of the bundle's) is recorded by an entry, or
    is a published commitment, the code key, the journal or its lock; a file without its
    entry means an entry was removed, or a step was interrupted."""
    known, dirs, hashes = {cx.journal, cx.out / "journal.lock"}, [], set()
    for e in cx.entries:
        known |= {cx.out / p for _, p, _ in outputs(e)}
        if e["step"] == "commit":
            known.add(cx.public / f"commitment-wave{e['wave']}.json")
            if "rejects_sha256" in e:
                hashes.add(e["rejects_sha256"])  # a file the user named: known by its hash
        elif e["step"] == "draw":
            known.add(cx.code_key)
        elif e["step"] == "select":
            known.add(cx.out / e["pool_file"])
        elif e["step"] == "letters" and e["single_files"] > 0 and "pdf" in e["outputs"]:
            dirs.append(cx.out / e["outputs"]["pdf"].removesuffix(".pdf"))
    files, bad = walk_files(cx.out, True), []
    for f in files:
        if f.name.startswith(".sortes-tmp-"):
            bad.append(f"{cx.rel(f)} is left from an interrupted write")
        elif f not in known and not any(d in f.parents for d in dirs) and \
                not (hashes and sha256(cx.read(f)) in hashes):
            bad.append(f"{cx.rel(f)} exists, but no journal entry records it: an entry was "
                       "removed, or a step was interrupted")
    where = "the output folder" if cx.scope == "process" else "the bundle's output folder"
    rep.verdict("journal complete", bad,
                f"every one of the {len(files)} files of {where} is recorded by the journal")


def commitment_file_text(e: dict) -> bytes:
    """public/commitment-waveN.json: the commit entry with its header fields, keys
    sorted, indented by two (serde_json's pretty form), LF at the end."""
    return (json.dumps(e, indent=2, sort_keys=True, ensure_ascii=False) + "\n").encode("utf-8")


def check_commitments(cx: Context, rep: Report):
    """Each published commitment is the latest commit entry of its wave, byte for byte."""
    latest = {c["wave"]: c for c in steps(cx.entries, "commit")}
    for w, c in sorted(latest.items()):
        p = cx.public / f"commitment-wave{w}.json"
        name, rel = f"wave {w} published commitment", cx.rel(p)
        if not p.is_file():
            rep.fail(name, f"{rel} is missing: it is what the office publishes before the seed")
        elif cx.read(p) != commitment_file_text(c):
            rep.fail(name, f"{rel} is not commit entry {c['seq']} of the journal "
                     f"({cx.rel(cx.journal)}): the commitment the office published was changed, "
                     "or the journal was")
        else:
            rep.check(name, True, f"{rel} is commit entry {c['seq']} of the journal")


# ---------------------------------------------------------------- checks: the recorded files
def check_recorded_files(cx: Context, rep: Report):
    """Every recorded output at the hash of the latest entry that wrote it (a justified
    re-draw replaces a file). A personal file (out/private/) that is gone passes only as
    SKIP: deleted as a retention entry records, or out of a bundle's scope; the
    confidential out/audit/ is SKIP in a public bundle."""
    latest = {}
    for e in cx.entries:
        for name, p, h in outputs(e):
            latest[p] = (e, name, h)
    for p in sorted(latest):
        e, name, h = latest[p]
        path = cx.out / p
        w = f"wave {e['wave']} " if e["step"] in ("commit", "draw", "letters") and "wave" in e else ""
        label, rel = f"{w}{e['step']}: {name} file", cx.rel(path)
        if path.exists():
            try:
                cx.recorded(path, h, name, e)
                rep.check(label, True, f"{rel} matches its recorded SHA-256")
            except Failure as err:
                rep.fail(label, str(err))
        elif not cx.pool_in_scope and cx.audit in path.parents:
            rep.skip(label, f"{rel}: confidential, not in a public audit bundle")
        elif cx.private in path.parents:
            why = cx.absent_why(lambda r: any(d["file"] == p and d["sha256"] == h
                                              for d in r["deleted"]))
            if why:
                rep.skip(label, f"{rel}: {why}")
            else:
                rep.fail(label, f"{rel} is missing, and no retention entry records its deletion")
        else:
            rep.fail(label, f"{rel}: this {name} file, recorded by {cx.who(e)}, is missing")


def check_process_file(cx: Context, rep: Report):
    """The process file against the latest hash a commit, intake or select recorded."""
    want = next((e["process_sha256"] for e in reversed(cx.entries)
                 if e["step"] in ("commit", "intake", "select")), None)
    if want is not None:
        rel = cx.rel(cx.proc_path)
        rep.check("process file", sha256(cx.proc_bytes) == want,
                  f"{rel} is the file the journal recorded" if sha256(cx.proc_bytes) == want
                  else f"{rel} differs from the process file the steps used (journal "
                  f"{cx.rel(cx.journal)})")


def check_draw_summaries(cx: Context, rep: Report):
    """Each public draw summary as its commit and draw entries imply it (beyond sortes,
    and without the register, so also in a bundle): the committed strata with residents,
    eligible, capacity, factor and allocation, drawn = allocated unless the draw records a
    shortfall."""
    for w, d in sorted(latest_draws(cx.entries).items()):
        c = commit_of(cx, d)
        if c is None:
            continue  # named by the sequence check
        short = {s["stratum"]: s["drawn"] for s in d["shortfall"]}
        text = "stratum,residents,eligible,capacity,factor,allocated,drawn\n" + "".join(
            f"{csv_field(s['stratum'])},{s['residents']},{s['eligible']},{s['capacity']},"
            f"{s['factor']},{s['allocated']},{short.get(s['stratum'], s['allocated'])}\n"
            for s in c["strata"])
        rel = cx.rel(cx.out / d["outputs"]["summary"])
        ok = sha256(text.encode("utf-8")) == d["output_sha256"]["summary"]
        rep.check(f"wave {w} draw summary", ok, f"{rel} is what commit entry {c['seq']} and draw "
                  f"entry {d['seq']} imply" if ok else f"{rel}, as draw entry {d['seq']} of "
                  f"{cx.rel(cx.journal)} records it, is not what commit entry {c['seq']} and the "
                  "draw's shortfall imply")


# ---------------------------------------------------------------- checks: the draws (§6-§9, §11)
COMMITTED = ["process_sha256", "extract_sha256", "eligible", "eligible_sha256", "excluded",
             "invitations", "household_rule", "strata"]  # §11, src/draw/step.rs COMMITTED


def check_draws(cx: Context, rep: Report, only_wave=None):
    """Every invitation draw replayed from the register extract and the seed (the latest
    draw of each wave): the commitment recomputed from the inputs (§11), the invitees
    drawn again (§8), the public summary byte for byte and, with the office's code key,
    invitees.csv byte for byte, codes included (§9). With --wave N only that wave's checks
    are shown (earlier waves are replayed silently, unless they fail)."""
    if not steps(cx.entries, "commit"):
        return
    proc, base, j = cx.proc, cx.proc_path.parent, cx.rel(cx.journal)
    reg_path = base / proc["register"]["path"]
    if not reg_path.is_file():
        recorded = {c["register_file_sha256"] for c in steps(cx.entries, "commit")}
        what = (f"the register extract {cx.rel(reg_path)} is not at hand (needed to replay "
                "the draw)")
        why = cx.absent_why(lambda r: r.get("register_sha256") in recorded)
        return rep.skip("replay", f"{what}: {why}") if why else \
            rep.fail("replay", f"{what}, and no retention entry records its deletion")
    draws = latest_draws(cx.entries)
    waves = sorted(w for w in draws if only_wave is None or w <= only_wave)
    if only_wave is not None and only_wave not in draws:
        return rep.fail("draw entries", f"{j}: wave {only_wave} is not drawn (waves {sorted(draws)})")
    key, key_problem = None, None
    if cx.code_key.is_file():
        try:
            key = load_code_key(cx.rel(cx.code_key), cx.read(cx.code_key))
        except Failure as e:
            key_problem = str(e)
    excl = set()
    for f in proc.get("eligibility", {}).get("exclude_lists", []):
        cx.reading = base / f
        excl |= read_id_list(cx.rel(base / f), cx.read(base / f))
    registers, earlier, earlier_codes = {}, set(), set()
    for w in waves:
        d = draws[w]
        show = only_wave is None or w == only_wave

        def add(status, name, detail=""):  # a hidden wave prints only its failures
            if show or status == "FAIL":
                rep.add(status, name, detail)
            return status != "FAIL"
        label = f"wave {w} draw: replay"
        commit = commit_of(cx, d)
        if commit is None or commit["seq"] >= d["seq"]:
            add("FAIL", label, f"{j}: " + ("its commitment is not in the journal" if commit is None
                                           else "the commitment was journaled after the draw"))
            continue
        try:
            seed = canonical_seed(d["seed"])
            if seed != d["seed"]:
                raise Failure("the seed is not written in canonical form")
        except Failure as e:
            add("FAIL", label, f"{j}: entry {d['seq']}: {e}")
            continue
        counts = {s["stratum"]: s["allocated"] for s in commit["strata"] if s["allocated"] > 0} \
            if commit["wave"] > 1 else None
        keep = "rejects_sha256" in commit
        try:
            if keep not in registers:
                cx.reading = reg_path
                registers[keep] = load_register(proc, base, keep)
            reg = registers[keep]
            pl = plan(proc, reg, earlier, excl, counts)
        except Unsupported as e:
            add("SKIP", label, f"{cx.rel(reg_path)}: {e}")
            continue
        except Failure as e:
            add("FAIL", label, f"{cx.rel(reg_path)}: {e}")
            continue
        pl["wave"] = commit["wave"]
        public = [{k: v for k, v in s.items() if not k.startswith("_")} for s in pl["strata"]]
        now = {"wave": commit["wave"], "process_sha256": sha256(cx.proc_bytes),
               "extract_sha256": reg["extract_sha256"], "eligible": len(pl["eligible"]),
               "eligible_sha256": pl["eligible_sha256"], "excluded": pl["excluded"],
               "invitations": pl["invitations"], "household_rule": pl["household_rule"],
               "strata": public}
        diff = next((k for k in COMMITTED if commit.get(k) != now[k]), None)
        if diff is not None:
            what = {"process_sha256": f"the process file {cx.rel(cx.proc_path)} changed",
                    "extract_sha256": f"the register extract {cx.rel(reg_path)} changed",
                    "strata": "the strata or their allocation changed"}.get(
                diff, "the set of eligible residents changed"
                if diff in ("eligible", "eligible_sha256", "excluded") else "a draw parameter changed")
            add("FAIL", f"wave {w} commitment", f"{what} since the commitment ({diff} differs; "
                f"commit entry {commit['seq']} of {j}, register {cx.rel(reg_path)})")
            continue
        digest = sha256(canonical_json(now).encode("utf-8"))  # §11
        if digest != commit["commitment"]:
            add("FAIL", f"wave {w} commitment", f"{j}: entry {commit['seq']}: the recorded "
                "commitment digest does not match the inputs")
            continue
        add("PASS", f"wave {w} commitment", "process file, extract, eligible list and allocation "
            f"are as committed ({len(reg['people'])} residents, {len(pl['eligible'])} eligible, "
            f"{pl['invitations']} invitations in {len(public)} strata)")
        # Beyond the commitment (§6.1, §6.5): what the commit entry says of the extract.
        counted = {"register_rows": reg["rows"], "blank_rows": reg["blank_rows"],
                   "rejected_rows": reg["rejected_rows"], "residents": len(reg["people"]),
                   "partial_birth_dates": reg["partial_birth_dates"],
                   "partial_birth_dates_decided": reg["partial_birth_dates_decided"],
                   "exclusion_list_ids_not_in_register": pl["list_ids_not_in_register"]}
        wrong = [f"{k} {commit.get(k)} (recomputed {v})" for k, v in counted.items()
                 if commit.get(k) != v]
        add("FAIL" if wrong else "PASS", f"wave {w} register counts",
            f"commit entry {commit['seq']} of {j} records " + "; ".join(wrong) if wrong else
            f"{reg['rows']} rows: {len(reg['people'])} residents, {reg['blank_rows']} blank, "
            f"{reg['rejected_rows']} set aside; {reg['partial_birth_dates']} partial birth "
            f"dates, {reg['partial_birth_dates_decided']} decided by the rule of §6.5, as "
            "committed")
        per, words = execute(pl, seed, digest)  # §8: the key's context is the commitment
        short = [{"stratum": s["stratum"], "allocated": s["allocated"], "drawn": len(x)}
                 for s, x in zip(pl["strata"], per) if len(x) < s["allocated"]]
        n = sum(map(len, per))
        if (drawn_digest(per), words, n, short) != (d["drawn_sha256"], d["words_used"],
                                                     d["drawn"], d["shortfall"]):
            add("FAIL", label, f"{j}: entry {d['seq']}: replaying the seed draws different "
                "persons (or other counts) than the journal records")
            continue
        add("PASS", label, f"{n} invitees drawn again from seed {seed}: same persons, same order")
        rel = cx.rel(cx.out / d["outputs"]["summary"])
        add("PASS" if sha256(summary_csv(pl, per)) == d["output_sha256"]["summary"] else "FAIL",
            f"wave {w} summary replay", f"{rel}: same bytes" if sha256(summary_csv(pl, per)) ==
            d["output_sha256"]["summary"] else f"the recomputed summary differs from {rel} as "
            f"entry {d['seq']} of {j} records it")
        inv_rel = cx.rel(cx.out / d["outputs"]["invitees"])
        if key_problem:
            add("FAIL", f"wave {w} code key", key_problem)
        elif key is not None and sha256(key) != d["code_key_sha256"]:
            add("FAIL", f"wave {w} code key", f"{cx.rel(cx.code_key)} is not the code key the "
                f"draw used (entry {d['seq']} of {j})")
        elif key is not None:
            codes, taken = {}, set(earlier_codes)  # §9: canonical order, no code issued twice
            for p in sorted((p for x in per for p in x), key=lambda p: p["id"].encode("utf-8")):
                attempt = 0
                while (c := application_code(key, proc["process"]["id"], p["id"], attempt)) in taken:
                    attempt += 1
                taken.add(c)
                codes[p["id"]] = c
            earlier_codes |= set(codes.values())
            ok = sha256(invitees_csv(proc, reg, pl, per, codes)) == d["output_sha256"]["invitees"]
            add("PASS" if ok else "FAIL", f"wave {w} invitees replay",
                f"{inv_rel}: same bytes, codes included" if ok else
                f"the recomputed invitees.csv differs from {inv_rel} as entry {d['seq']} records it")
        else:
            why = cx.absent_why(lambda r: r.get("code_key_sha256") == d["code_key_sha256"])
            add("SKIP" if why else "FAIL", f"wave {w} invitees replay",
                f"the code key is gone: {why}" if why else f"the code key {cx.rel(cx.code_key)} is "
                "missing, and no retention entry records its deletion")
        earlier |= {p["id"] for x in per for p in x}


# ---------------------------------------------------------------- checks: the selection
def load_frame(cx: Context, sel: dict) -> Instance:
    """The pool and the quota file a selection read, each checked against its hash, as
    an instance (src/lottery/step.rs frame)."""
    k, quota_path, household_rule = cx.setup
    pool = cx.recorded(cx.out / sel["pool_file"], sel["pool_sha256"], "pool", sel)
    quotas = cx.recorded(quota_path, sel["quotas_sha256"], "quota", sel)
    cats = parse_quotas(cx.rel(quota_path), quotas)
    return build_instance(cx.rel(cx.out / sel["pool_file"]), pool, cats, k, household_rule)


def check_selection(cx: Context, rep: Report):
    """The latest LEXIMIN/MAXIMIN selection, without a solver (src/verify/selection.rs):
    every panel of distribution.csv has k pool members and meets every quota and the
    household rule (integer counts; SKIP without the pool); probabilities.csv lists every
    applicant with the sum over their panels (tolerance: one unit of the 12th decimal per
    panel, plus one, as the files round to 12 decimals)."""
    sels = [e for e in steps(cx.entries, "select") if e["algorithm"] != "legacy"]
    if not sels:
        return
    sel = sels[-1]
    try:
        inst = load_frame(cx, sel) if cx.pool_in_scope else None
        rel, data = cx.output(sel, "distribution")
        panels, probs = parse_distribution(rel, data)
    except Failure as e:
        return rep.fail("selection panels", str(e))
    bad, sums = [], {}
    for n, (p, pr) in enumerate(zip(panels, probs)):
        if inst and (why := panel_problem(inst, p)):
            bad.append(f"{rel}: panel {n} (line {n + 2}): {why}")
        for i in p:
            sums[i] = sums.get(i, 0) + pr
    if inst:
        rep.verdict("selection panels", bad, f"all {len(panels)} panels of {rel} have "
                    f"{inst.k} pool members and meet every quota; the probabilities sum to 1")
    else:
        rep.skip("selection panels", NO_POOL)
    try:
        prel, pdata = cx.output(sel, "probabilities")
        listed = parse_probabilities(prel, pdata)
    except Failure as e:
        return rep.fail("selection probabilities", str(e))
    bad = [f"{prel}: {i}: listed {units_text(p)}, the panels give {units_text(sums.get(i, 0))}"
           for i, p in listed if abs(p - sums.get(i, 0)) > len(panels) + 1]
    if len(listed) != sel["applicants"]:
        bad.append(f"{prel}: {len(listed)} applicants listed, the selection had "
                   f"{sel['applicants']} (entry {sel['seq']} of {cx.rel(cx.journal)})")
    rep.verdict("selection probabilities", bad, f"{len(listed)} applicants' probabilities are "
                f"the sums over the distribution's panels (lowest "
                f"{units_text(min((p for _, p in listed), default=0))})")


# ---------------------------------------------------------------- checks: the lottery (§12-§14)
def check_lottery(cx: Context, rep: Report):
    """The lottery (src/verify/lottery.rs): the commitment before the draw, every numbered
    panel against the quotas, the rounding's largest difference as recorded, the lottery
    report, the number and the reserve order recomputed from the public randomness (§13),
    every replacement replayed (§14), and each published members file (panel.csv,
    reserves.csv, panel-after-replacement-N.csv) compared byte for byte with the one the
    journal implies. Without the pool (public bundle) what counts attributes is SKIP."""
    builds = steps(cx.entries, "lottery")
    if not builds:
        return
    build, j = builds[-1], cx.rel(cx.journal)
    # §12: the committed file, its header against the entry and the selection.
    try:
        lrel, ldata = cx.output(build, "lottery")
        if build["output_sha256"]["lottery"] != build["lottery_sha256"]:
            raise Failure(f"{j}: entry {build['seq']} records two different hashes of lottery.txt")
        head, tickets, width = parse_lottery(lrel, ldata)
        if [head[k] for k in ("pool_sha256", "quotas_sha256", "distribution_sha256")] != \
                [build[k] for k in ("pool_sha256", "quotas_sha256", "distribution_sha256")]:
            raise Failure(f"{lrel}: the lottery file names other input hashes than its journal "
                          f"entry {build['seq']}")
        if (head["m"], head["k"], head["process"]) != (build["m"], build["k"],
                                                        cx.proc["process"]["id"]) \
                or head["k"] != cx.setup[0]:
            raise Failure(f"{lrel}: m, k or the process id differ from entry {build['seq']} of "
                          f"{j} and the process file")
        sel = selection_of(cx, build)
        if (sel["pool_sha256"], sel["quotas_sha256"]) != (build["pool_sha256"], build["quotas_sha256"]):
            raise Failure(f"{j}: the lottery was built from another pool or quota file than its "
                          "selection used")
        inst = load_frame(cx, sel) if cx.pool_in_scope else None
    except Failure as e:
        return rep.fail("lottery commitment", str(e))
    lsha, m = build["lottery_sha256"], len(tickets)
    rep.check("lottery commitment", True, f"{lrel} matches the committed SHA-256 {lsha}; it "
              "names the pool, quota file and distribution its selection used")
    distinct = {tuple(t) for t in tickets}
    if inst:
        bad, seen = [], set()
        for t, ids in enumerate(tickets):
            if tuple(ids) not in seen:
                seen.add(tuple(ids))
                if why := panel_problem(inst, ids):
                    bad.append(f"{lrel}: panel {t:0{width}d}: {why}")
        rep.verdict("lottery panels", bad, f"all {m} numbered panels ({len(distinct)} "
                    f"different) have {head['k']} members and meet every quota")
    else:
        rep.skip("lottery panels", NO_POOL)
    # The rounding: each applicant's tickets/m against the distribution (integers).
    try:
        drel, ddata = cx.output(sel, "distribution")
        panels, probs = parse_distribution(drel, ddata)
        prel = None
        if inst:
            pool_ids = inst.ids
        else:  # a public bundle: the pool ids as the selection's probabilities.csv lists them
            prel, pdata = cx.output(sel, "probabilities")
            pool_ids = [i for i, _ in parse_probabilities(prel, pdata)]
    except Failure as e:
        return rep.fail("lottery fairness", str(e))
    lex, tick = {}, {}
    for p, pr in zip(panels, probs):
        for i in p:
            lex[i] = lex.get(i, 0) + pr
    for ids in tickets:
        for i in ids:
            tick[i] = tick.get(i, 0) + 1
    dev = {i: tick.get(i, 0) * UNIT - m * lex.get(i, 0) for i in set(lex) | set(tick)}
    worst = units_text(max(map(abs, dev.values()), default=0) // m)
    rep.check("lottery fairness", worst == build["max_deviation"],
              f"largest difference to the distribution's probabilities is {worst}, as recorded"
              if worst == build["max_deviation"] else f"largest difference to the "
              f"distribution's probabilities is {worst}, entry {build['seq']} of {j} says "
              f"{build['max_deviation']}")
    # lottery-report.csv and the entry's counts, recomputed (src/lottery/step.rs build).
    rrel = cx.rel(cx.out / build["outputs"]["report"])
    lot = {i: tick.get(i, 0) * UNIT // m for i in pool_ids}
    text = "pool_id,leximin_probability,lottery_tickets,lottery_probability,difference\n" + "".join(
        f"{i},{units_text(lex.get(i, 0))},{tick.get(i, 0)},{units_text(lot[i])},"
        f"{units_text(lot[i] - lex.get(i, 0))}\n" for i in pool_ids)
    bad = []
    if sha256(text.encode("utf-8")) != build["output_sha256"]["report"]:
        bad.append(f"the recomputed lottery report differs from {rrel} as entry {build['seq']} "
                   "records it")
    mins = (units_text(min((lex.get(i, 0) for i in pool_ids), default=0)),
            units_text(min(lot.values(), default=0)), len(panels))
    if mins != (build["min_probability_leximin"], build["min_probability_lottery"],
                build["panels_in_distribution"]):
        bad.append(f"{j}: entry {build['seq']}: the smallest probabilities or the number of "
                   "panels in the distribution differ from the files")
    rep.verdict("lottery report", bad, f"{rrel}: {len(pool_ids)} applicants' tickets and "
                "probabilities, recomputed from the lottery and the distribution")
    # §13: the number, the panel, the reserve order.
    draws = steps(cx.entries, "lottery-draw")
    if not draws:
        return rep.check("lottery draw", True, "not drawn yet")
    d = draws[-1]
    if d["lottery_sha256"] != lsha or d["seq"] <= build["seq"]:
        return rep.fail("lottery draw", f"{j}: entry {d['seq']}: the draw does not follow the "
                        "commitment of this lottery in the journal")
    number = d["number"]
    try:
        if d["source"] == "seed":
            seed = canonical_seed(d["seed"])
            ok, how = Stream(derive_key("lottery-number", seed, lsha)).below(m) == number, \
                f"recomputed from seed {seed}"
        else:
            ok, how = number < m, "drawn at the public ceremony"
    except Failure as e:
        ok, how = False, str(e)
    if not ok or number >= m:
        return rep.fail("lottery draw", f"{j}: entry {d['seq']}: number {number}: {how}: "
                        "does not match")
    panel, text_no = tickets[number], f"{number:0{width}d}"
    panel_rel = cx.rel(cx.out / d["outputs"]["panel"])
    ok = sha256(members_csv(panel, "seat")) == d["output_sha256"]["panel"] and d["panel"] == panel
    rep.check("lottery draw", ok and (d["m"], d["number_text"]) == (m, text_no),
              f"number {text_no} ({how}) gives panel {text_no} of the lottery: the published "
              f"panel {panel_rel}" if ok and (d["m"], d["number_text"]) == (m, text_no) else
              f"the published panel {panel_rel} (entry {d['seq']} of {j}) is not the lottery's "
              f"panel for the drawn number {text_no}")
    try:
        rseed = canonical_seed(d["reserve_seed"])
    except Failure as e:
        return rep.fail("reserve order", f"{j}: entry {d['seq']}: {e}")
    order = reserve_order(rseed, lsha, number, pool_ids, panel)
    res_rel = cx.rel(cx.out / d["outputs"]["reserves"])
    if sha256(members_csv(order, "rank")) != d["output_sha256"]["reserves"] or \
            d["reserves"] != len(order):
        return rep.fail("reserve order", f"recomputing the reserve order gives a different list "
                        f"than {res_rel} (entry {d['seq']} of {j})")
    rep.check("reserve order", True, f"{res_rel}: {len(order)} people, recomputed from {rseed}"
              + ("" if inst else f" (the pool ids as {prel} lists them)"))
    # §14: every replacement, in journal order.
    current, ever, unavailable = list(panel), set(panel), set()
    for r in steps(cx.entries, "replace"):
        label, chosen = f"replacement {r['round']}", r["replacements"]
        out_rel = cx.rel(cx.out / r["outputs"]["panel"])
        undecided = None
        if inst:
            try:
                chosen = choose_replacements(inst, current, ever, unavailable, order,
                                             r["dropped"], r["unavailable"])
            except Failure as e:
                return rep.fail(label, f"{j}: entry {r['seq']}: {e}")
            except Undecided as e:
                chosen, undecided = r["replacements"], str(e)
            if chosen != r["replacements"]:
                return rep.fail(label, f"{j}: entry {r['seq']}: the rule picks "
                                f"{', '.join(chosen)}, the journal says {', '.join(r['replacements'])}")
        gone = set(r["dropped"])
        current = [p for p in current if p not in gone] + chosen
        ever |= set(chosen)
        unavailable |= set(r["unavailable"])
        if sha256(members_csv(current, "seat")) != r["output_sha256"]["panel"]:
            return rep.fail(label, f"the published panel after this replacement ({out_rel}, entry "
                            f"{r['seq']} of {j}) differs from the panel the journal implies")
        if inst and (why := panel_problem(inst, current)):
            return rep.fail(label, f"{out_rel}: {why}")
        if undecided:
            rep.skip(label, f"{out_rel} is the panel before with {', '.join(r['dropped'])} "
                     f"replaced by {', '.join(chosen)} and meets every quota; whether the rule "
                     f"chose them could not be decided ({undecided})")
        elif inst:
            rep.check(label, True, f"{len(r['dropped'])} dropped out, {', '.join(chosen)} "
                      f"replaced from the reserve order as the rule says; {out_rel} meets every quota")
        else:
            rep.check(label, True, f"{out_rel} is the panel before with {', '.join(r['dropped'])} "
                      f"replaced by {', '.join(chosen)}; whether the rule chose them: "
                      f"skipped: {NO_POOL}")


# ---------------------------------------------------------------- checks: the audit bundle
BUNDLE_FORMAT = "sortes-audit-bundle/1"
MANIFEST_FIELDS = {"files": ("map", "sha256"), "format": "str",
                   "journal_head": {"seq": "u64", "sha256": "sha256"}, "level": "str",
                   "out_dir": "str", "process_file": "str", "quota_file": "str", "spec": "str",
                   "tool": "str"}  # src/base/run.rs Manifest (deny_unknown_fields)


def check_manifest(d: Path, rep: Report):
    """bundle.json (src/verify/bundle.rs): its schema, every file listed with its SHA-256
    and no other file, a known level, and (beyond sortes) the spec version. None if the
    manifest cannot be read."""
    try:
        man = json.loads((d / "bundle.json").read_text("utf-8"))
    except (OSError, ValueError) as e:
        rep.fail("bundle manifest", f"bundle.json: the bundle has no readable manifest "
                 f"({type(e).__name__})")
        return None
    why = struct_problem(MANIFEST_FIELDS, man, "")
    if why or man["format"] != BUNDLE_FORMAT or man["level"] not in ("public", "confidential"):
        rep.fail("bundle manifest", "bundle.json: " + (why or f"not a {BUNDLE_FORMAT} "
                 "manifest of level public or confidential"))
        return None
    bad = []
    for rel, h in sorted(man["files"].items()):
        p = d / rel
        if not p.is_file():
            bad.append(f"{rel} is missing (bundle.json lists it)")
        elif sha256(p.read_bytes()) != h:
            bad.append(f"{rel} differs from its SHA-256 in bundle.json")
    for p in walk_files(d, False):
        rel = p.relative_to(d).as_posix()
        if rel != "bundle.json" and rel not in man["files"]:
            bad.append(f"{rel} is in the bundle but not in its manifest bundle.json")
    if man["spec"] != SPEC:
        bad.append(f"bundle.json: written under {man['spec']!r}; this verifier reads {SPEC!r}")
    rep.verdict("bundle manifest", bad, f"{len(man['files'])} files match bundle.json "
                f"(spec {man['spec']}, level {man['level']})")
    return man


def check_bundle_level(cx: Context, rep: Report, man: dict):
    """bundle.json's level against the journal (beyond sortes): a confidential bundle holds
    every file of out/audit/ the journal records (the pool the selection read), a public
    bundle none (src/bundle.rs: only out/public/, and out/audit/ when confidential)."""
    audit = set()
    for e in cx.entries:
        paths = [p for _, p, _ in outputs(e)] + ([e["pool_file"]] if e["step"] == "select" else [])
        audit |= {cx.out / p for p in paths if cx.audit in (cx.out / p).parents}
    held = sorted(cx.rel(p) for p in walk_files(cx.audit, False))
    if man["level"] == "public":
        rep.verdict("bundle level", [f"bundle.json says the bundle is public, but it holds the "
                                     f"confidential {r}" for r in held],
                    "public: the bundle holds no file of out/audit/")
    else:
        missing = sorted(cx.rel(p) for p in audit if not p.is_file())
        rep.verdict("bundle level", [f"bundle.json says the bundle is confidential, but {r} "
                                     "(recorded by the journal) is not in it" for r in missing],
                    f"confidential: the {len(audit)} confidential files the journal records "
                    "are in the bundle")


def check_bundle_head(cx: Context, rep: Report, man: dict):
    """The head the bundle was made at is the journal's last entry."""
    last = cx.entries[-1]
    h = man["journal_head"]
    rep.check("bundle journal head", (last["seq"], last["entry_hash"]) == (h["seq"], h["sha256"]),
              f"the bundle was made at entry {h['seq']}, the journal's last"
              if (last["seq"], last["entry_hash"]) == (h["seq"], h["sha256"]) else
              f"bundle.json names the head entry {h['seq']} ({h['sha256'][:16]}), but the "
              f"journal {cx.rel(cx.journal)} ends at entry {last['seq']} ({last['entry_hash'][:16]})")


# ---------------------------------------------------------------- the two modes
def guarded(cx: Context, rep: Report, group: str, fn, *args):
    """Runs one group of checks; an unexpected error is a FAIL naming the file being read
    (its message only where it cannot hold a personal value), never a traceback."""
    cx.reading = None
    try:
        return fn(cx, rep, *args)
    except Exception as e:  # noqa: BLE001 - the contract: FAIL, never a traceback
        where = cx.rel(cx.reading) if cx.reading is not None else "(no file)"
        msg = f": {e}" if isinstance(e, (Failure, OSError, Undecided)) else ""
        rep.fail("verifier", f"{group}: while reading {where}: {type(e).__name__}{msg}")
        return None


def load_process(cx: Context, rep: Report) -> bool:
    """Reads the process file (TOML) into cx; a FAIL naming it if it cannot be read."""
    rel = cx.rel(cx.proc_path)
    try:
        cx.proc_bytes = cx.read(cx.proc_path)
        cx.proc = tomllib.loads(cx.proc_bytes.decode("utf-8"))
        for t in ("process", "register", "draw"):
            if type(cx.proc.get(t)) is not dict:
                raise Failure(f"no [{t}] table")
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError, Failure) as e:
        return rep.fail("process file", f"{rel}: cannot be read as a process file "
                        f"({type(e).__name__}: {e})")
    return True


def run_checks(cx: Context, rep: Report, only_wave=None):
    """Everything src/verify/mod.rs verify_at checks, in its order."""
    if not guarded(cx, rep, "journal", check_journal):
        return False
    for group, fn in [("sequence", check_inputs), ("seeds", check_seeds),
                      ("repeats", check_repeats), ("completeness", check_complete),
                      ("commitments", check_commitments), ("files", check_recorded_files),
                      ("process file", check_process_file),
                      ("draw summaries", check_draw_summaries)]:
        guarded(cx, rep, group, fn)
    guarded(cx, rep, "draws", check_draws, only_wave)
    if cx.setup is not None:
        guarded(cx, rep, "selection", check_selection)
        guarded(cx, rep, "lottery", check_lottery)
    return True


def setup_of(cx: Context, quota_path=None):
    """(k, quota file, household rule) from [selection], or None without that table."""
    sel = cx.proc.get("selection")
    if type(sel) is not dict or "k" not in sel or "quotas" not in sel:
        return None
    return (int(sel["k"]), quota_path or cx.proc_path.parent / sel["quotas"],
            bool(sel.get("household_rule", True)))


def verify_process(process_path: Path, opts) -> int:
    rep = Report()
    root = process_path.parent
    cx = Context(root, "process", process_path, root, opts)
    if not load_process(cx, rep):
        return 1
    cx.set_out(root / cx.proc.get("output", {}).get("dir", "out"))
    cx.setup = setup_of(cx)
    run_checks(cx, rep, opts.wave)
    return 1 if rep.failed else 0


def verify_bundle(d: Path, opts) -> int:
    rep = Report()
    man = check_manifest(d, rep)
    if man is None:
        return 1
    scope = man["level"]
    cx = Context(d, scope, d / man["process_file"], d / man["out_dir"], opts)
    if not load_process(cx, rep):
        return 1
    cx.setup = setup_of(cx, d / man["quota_file"])
    if cx.setup is None:
        rep.fail("process file", f"{cx.rel(cx.proc_path)} has no [selection] table (k, quotas)")
        return 1
    if run_checks(cx, rep):
        guarded(cx, rep, "bundle level", check_bundle_level, man)
        guarded(cx, rep, "bundle head", check_bundle_head, man)
    return 1 if rep.failed else 0


# ---------------------------------------------------------------- test vectors
# The inputs of docs/test-vectors.md (sortes-draw-spec/3 §6-§11); the values are printed
# by --vectors and written down there.
VECTOR_RECORD = (  # V6.3-record: one canonical record, the 19 fields of §6.2 in order
    "R-0042", "Müller-Lüdenscheidt", "Anna Zoë", "Dr.", "von der", "Hauptstraße", "12", "a",
    "1/2", "c/o Schmidt", "44135", "Dortmund", "1955-07-00", "w", "deutsch/TUR",
    "Innenstadt-West", "0", "1", "")
VECTOR_LIST_IDS = ["R2", "R10", "Ä1"]  # V6.4-list: VECTOR_RECORD with these ids, this order
VECTOR_REFERENCE = datetime.date(2026, 6, 15)
VECTOR_DATES = ["00.06.2010", "00.00.2010", "2010", "00.07.2010", "00.00.2011", "15.06.2010",
                "16.06.2010", "00.00.2001", "00.03.2001", "2010-06-00", "00.02.2000",
                "00.00.2026", "00.06.2026", "00.07.2026", "2026-06-16", "00.00.2027"]
VECTOR_DATES_MAX = ["00.00.1945", "00.00.1946", "00.06.1945", "00.07.1945", "15.06.1945"]
VECTOR_COMMIT = {  # V11-commitment: a commit body of the nine keys of §11
    "wave": 1,
    "process_sha256": hashlib.sha256(b"process").hexdigest(),
    "extract_sha256": hashlib.sha256(b"extract").hexdigest(),
    "eligible": 7,
    "eligible_sha256": hashlib.sha256(b"eligible").hexdigest(),
    "excluded": {"invited_earlier": 0, "exclusion_list": 1, "block_51": 1, "block_52": 0,
                 "under_min_age": 2, "over_max_age": 0, "nationality": 0},
    "invitations": 3,
    "household_rule": True,
    "strata": [
        {"stratum": "Eving", "residents": 4, "eligible": 3, "capacity": 3, "factor": "1",
         "allocated": 1},
        {"stratum": "Hörde", "residents": 7, "eligible": 4, "capacity": 2, "factor": "1.5",
         "allocated": 2}],
}
# V8-draw: the eligible members of the two strata of VECTOR_COMMIT in canonical order,
# with their households (None: no household).
VECTOR_DRAW = [[("E1", "h1"), ("E2", None), ("E3", "h3")],
               [("H1", "h1"), ("H2", "h2"), ("H3", "h2"), ("H4", "h1")]]


def _show(s: str) -> str:
    """A text with white space (but the space), invisible and combining characters
    written <U+XXXX>, for the vectors."""
    return "".join(c if c == " " or (c.isprintable() and not c.isspace() and c not in
                                     "\u200b\ufeff" and not unicodedata.combining(c))
                   else f"<U+{ord(c):04X}>" for c in s)


def vector_lines():
    """Every vector of docs/test-vectors.md: (id, text) pairs."""
    out = []

    def v(vid, text):
        out.append((vid, text))
    # §2-§5 (unchanged since version 1)
    seed = canonical_seed("3.12.19.27.33.41./7./")
    ctx = "0" * 64
    key = derive_key(LABEL, seed, ctx)
    v("V2-seed", f"3.12.19.27.33.41./7./ -> {seed}")
    v("V3-key", f"label {LABEL}, context 64 x '0': {key.hex()}")
    s = Stream(key)
    v("V4.1-words", " ".join(f"0x{s.next_u32():08x}" for _ in range(8)))
    s = Stream(key)
    v("V4.2-u64", " ".join(f"0x{s.next_u64():016x}" for _ in range(4)))
    s = Stream(key)
    for n in [1, 2, 3, 10, 612065, 2**63 + 1]:
        before = s.words
        v("V4.3-below", f"below({n}) = {s.below(n)} ({s.words - before} words)")
    s = Stream(key)
    v("V5.1-sample", f"5 of 0..19: {sample(s, list(range(20)), 5)}")
    z = Stream(bytes(32))
    v("V4.1-rfc8439", " ".join(f"0x{z.next_u32():08x}" for _ in range(4)))
    # §6.1 reading the file
    for cell in ["\u00a0\u3000 Müller \t", " von  der ", "\u2003Jörg\u2028", "\u200bAnna",
                 "\ufeffAnna", "Mu\u0308ller", "Mu\u0308ller\u00a0"]:
        got = canon(cell)
        v("V6.1-trim", f"'{_show(cell)}' -> '{_show(got)}' (UTF-8 {got.encode().hex()})")
    for line in ['123;"Müller; Sohn";"a""b";x"y;', '"q"r;s', ';;', '"";" "', '1;"abc', '"a""', 'a;"b";"c']:
        try:
            got = repr(split_record(line, ";"))
        except Unclosed as u:
            got = f"unterminated quote in field {u.args[0] + 1}"
        except AfterQuote as u:
            got = f"text after the closing quote of field {u.args[0] + 1}"
        v("V6.1-split", f"{line} -> {got}")
    for head in ["a;b,c,d", "a;b,c", "a\tb;c\td", '"a;b",c', "abc"]:
        v("V6.1-delimiter", f"{head!r} -> {choose_delimiter(head, {})!r}")
    for what, cell in [("a<U+0009>b", "a\tb"), ("a<U+0000>b", "a\x00b"), ("a<U+000D>b", "a\rb"),
                       ("Müller<U+0085>", "Müller\x85"), ("a<U+007F>", "a\x7f"),
                       ("a<U+009F>", "a\x9f"), ("a<U+00A0>b", "a\xa0b"),
                       ("256 x 'a'", "a" * 256), ("257 x 'a'", "a" * 257),
                       ("256 x 'ü' (U+00FC, 512 bytes)", "ü" * 256),
                       ("128 x 'u' U+0308 (256 scalar values, 128 after NFC)", "u\u0308" * 128),
                       ("129 x 'u' U+0308 (258 scalar values, 129 after NFC)", "u\u0308" * 129)]:
        v("V6.1-cell", f"{what} -> {cell_problem(cell) or 'allowed'}")
    # §6.2 canonical values
    for s in ["1980-04-30", "30.04.1980", "1.2.1980", "00.07.1955", "0.0.1950", "1950",
              "1955-07-00", "1955-00-00", "0.7.1955", "29.02.2000", "15.00.1990", "31.04.1990",
              "29.02.1900", "1799", "1955-7-01", "00.13.1990", "1980/04/30", "30.4.80",
              "2026-06-16", "00.00.2027"]:
        d = parse_date(s)
        v("V6.2-date", f"{s!r} -> {d.canonical() if d else 'refused'}")
    for s in ["0", "7", "007", "130", "131", "+5", "-1", "1 7", "\u0665", ""]:
        ok = re.fullmatch("[0-9]+", s) and int(s) <= 130
        v("V6.2-age", f"{s!r} -> {str(int(s)) if ok else 'refused'}")
    for s in ["M", "männlich", "Maennlich", "W", "F", "weiblich", "D", "divers", "X",
              "Ohne Angabe", "keine  Angabe", "", "u", "1"]:
        g = DEFAULT_GENDER_MAP.get(canon(s).lower())
        v("V6.2-gender", f"{s!r} -> {g!r}" if g is not None else f"{s!r} -> refused")
    nat_map = DEFAULT_NATIONALITY_MAP
    for s in ["000", "DEU/TUR", " türkisch , deutsch ;", "D,d", "Deutschland", "", ";/,",
              "italienisch / 000", "DEU TUR"]:
        parts = (p.strip(WS) for p in re.split("[,/;]", s))
        got = "/".join(nat_map.get(p.lower(), p) for p in parts if p)
        german = any(p.lower() in DEFAULT_GERMAN_VALUES for p in (got.split("/") if got else []))
        v("V6.2-nationality", f"{s!r} -> {got!r} (citizenship "
          f"{'deutsch' if german else 'nicht-deutsch'})")
    for s in ["J", "ja", "X", "Wahr", "y", "1", "N", "nein", "", "0", "Falsch", "vielleicht", "2"]:
        x = s.lower()
        got = "1" if x in DEFAULT_BLOCK_VALUES else "0" if x in DEFAULT_NO_BLOCK_VALUES else "refused"
        v("V6.2-block", f"{s!r} -> {got}")
    # §6.3, §6.4
    v("V6.3-record", "fields " + " | ".join(_show(f) for f in VECTOR_RECORD))
    v("V6.3-record", f"bytes {record_bytes(VECTOR_RECORD).hex()}")
    v("V6.3-record", f"record_hash {record_hash(VECTOR_RECORD).hex()}")
    recs = [(i, record_hash((i,) + VECTOR_RECORD[1:])) for i in VECTOR_LIST_IDS]
    for i, h in recs:
        v("V6.4-list", f"id {_show(i)} (UTF-8 {i.encode().hex()}): record_hash {h.hex()}")
    order = sorted(recs, key=lambda r: r[0].encode())
    v("V6.4-list", "canonical order " + ", ".join(_show(i) for i, _ in order)
      + f"; list_hash {list_hash(h for _, h in order)}")
    for st, no, suf, part, pc in [("Hauptstr.", "12", "a", "", "44135"),
                                  ("Hauptstraße", "12A", "", "", "44135"),
                                  ("Hauptstraße", "12 a", "", "", "44135"),
                                  ("HAUPTSTR.", "12", "A", "", "44135"),
                                  ("Hauptstraße", "12", "", "", "44135"),
                                  ("haupt strasse", "12", "a", "", "44135"),
                                  ("Haupt\u00a0 Strasse", "12", "a", "", "44135"),
                                  ("Hauptstraße", "12", "a", "1/2", "44135"),
                                  ("Hauptstraße", "12", "a", " 1 / 2 ", "44135"),
                                  ("Strassburger Str.", "3", "", "", "44139"),
                                  ("", "12", "", "", "44135"),
                                  ("Hauptstraße", "", "", "", "44135"),
                                  ("", "", "a", "1/2", "44135")]:
        rec = ["" for _ in FIELDS]
        rec[STREET], rec[NUMBER], rec[SUFFIX], rec[PART], rec[POSTCODE] = st, no, suf, part, pc
        got = household_key(False, rec)
        v("V6.4-household", f"street {_show(st)!r} number {no!r} suffix {suf!r} part "
          f"{part!r} postcode {pc!r} -> {_show(got) if got is not None else 'no household'}")
    for hh in ["HH-7", ""]:
        rec = ["" for _ in FIELDS]
        rec[HOUSEHOLD], rec[STREET], rec[NUMBER] = hh, "Hauptstraße", "12"
        got = household_key(True, rec)
        v("V6.4-household", f"explicit household column, cell {hh!r} (street Hauptstraße 12) -> "
          f"{got if got is not None else 'no household'}")
    # §6.5
    for dates, max_age in [(VECTOR_DATES, None), (VECTOR_DATES_MAX, 80)]:
        for s in dates:
            d = parse_date(s)
            a = age_rule(d, VECTOR_REFERENCE, 16, max_age, DEFAULT_AGE_BANDS)
            vid = "V6.5-age" if max_age is None else "V6.5-age-max"
            if a is None:
                v(vid, f"{s} ({d.canonical()}) -> refused: the earliest possible day "
                  f"{d.earliest()} lies after the reference date")
                continue
            reason = "eligible" if 16 <= a["age"] and (max_age is None or a["age"] <= max_age) \
                else "under_min_age" if a["age"] < 16 else "over_max_age"
            if a["partial"]:
                v(vid, f"{s} ({d.canonical()}): dates {d.earliest()}..{min(d.latest(), VECTOR_REFERENCE)}, "
                  f"age_old {a['age_old']}, age_young {a['age_young']}, middle {a['middle']} -> "
                  f"age {a['age']}, {reason}, band {age_band_label(DEFAULT_AGE_BANDS, a['age'])}, "
                  f"{'decided' if a['decided'] else 'not decided'}")
            else:
                v(vid, f"{s} ({d.canonical()}): full date -> age {a['age']}, {reason}, band "
                  f"{age_band_label(DEFAULT_AGE_BANDS, a['age'])}")
    for name, text in [("csv ;", "\ufeffregister_id;family_name\r\n R1 ;x\r\nR2;\r\n;z\r\n"),
                       ("csv ,", 'wave,stratum,register_id\n1,"A; B",R3\n1,B,Mu\u0308ller\n'),
                       ("text", "# earlier forum\nR1 # took part\n\n  R2\t\r\nregister_ID\n"),
                       ("text", "Register_ID\nR1\n")]:
        got = sorted(read_id_list("list", text.encode("utf-8")))
        v("V6.5-exclusion", f"{name}: {text!r} -> {[_show(i) for i in got]}")
    # §7
    keys = [("Hörde", "16-24"), ("Hombruch", "75+"), ("Hörde", "unter 16"), ("Hörde", "75+"),
            ("Innenstadt-West", "25-34"), ("Hörde", "25-34"), ("hörde", "16-24")]
    order = sorted(keys, key=lambda k: [x.encode() for x in k])
    v("V7.1-order", " < ".join(_show(" / ".join(k)) for k in order))
    for edges, ages in [([16, 25, 35, 45, 55, 65, 75], [14, 16, 24, 25, 74, 75, 99]),
                        ([18, 30, 50], [17, 18, 29, 30, 50])]:
        v("V7.1-band", f"edges {edges}: " + ", ".join(f"{a} -> {age_band_label(edges, a)}"
                                                       for a in ages))
    for factors in [["1"], ["1.5"], ["1.5", "1.3"], ["1", "1"], ["0.5", "0.2"], ["1.001", "1.001"],
                    ["2", "1.25", "0.8"], ["1.50"], [".5"], ["3."]]:
        prod = 1
        for f in factors:
            prod *= parse_factor(f)
        v("V7.2-factor", f"{' x '.join(factors)} -> product {prod} in 10^-{3 * len(factors)} "
          f"-> {factor_text(prod, len(factors))!r}")
    for f in ["0", "1.2345", "-1", "1e3", "", "1,5"]:
        v("V7.2-factor", f"{f!r} -> {'refused' if parse_factor(f) is None else parse_factor(f)}")
    cases = [("V7.2-alloc", [("A", 10, 2000, 4), ("B", 40, 1000, 15), ("C", 30, 1000, 30),
                             ("D", 24, 1000, 24), ("E", 0, 1000, 0)], 40),
             ("V7.2-alloc-two", [("A", 10, 2000, 4), ("B", 40, 1000, 11), ("C", 30, 1000, 30),
                                 ("D", 24, 1000, 24), ("E", 0, 1000, 0)], 40),
             ("V7.2-alloc-tie", [("X", 1, 1000, 1), ("Y", 1, 1000, 1), ("Z", 1, 1000, 1)], 2)]
    for vid, strata, n in cases:
        shares = [(e * f, c) for _, e, f, c in strata]
        v(vid, f"n = {n}; " + "; ".join(f"#{i} {s}: eligible {e}, factor {f}/1000, capacity {c}, "
                                       f"w = {e * f}" for i, (s, e, f, c) in enumerate(strata)))
        steps = []
        alloc = allocate(shares, n, steps)
        for line in steps:
            v(vid, line)
        v(vid, "allocation " + ", ".join(f"{s[0]} {a}" for s, a in zip(strata, alloc)))
    # §11, then §8 keyed by that commitment
    body = canonical_json(VECTOR_COMMIT)
    digest = sha256(body.encode("utf-8"))
    v("V11-commitment", f"canonical JSON {body}")
    v("V11-commitment", f"commitment {digest}")
    shares = [(s["eligible"] * f, s["capacity"]) for s, f in zip(VECTOR_COMMIT["strata"],
                                                                  [1000, 1500])]
    v("V11-commitment", f"allocation of §7.2 for these strata: {allocate(shares, 3)}")
    seed = canonical_seed("3.12.19.27.33.41./7./")
    pl = dict(household_rule=True, strata=[
        dict(stratum=s["stratum"], allocated=s["allocated"],
             _members=[dict(id=i, household=h) for i, h in m])
        for s, m in zip(VECTOR_COMMIT["strata"], VECTOR_DRAW)])
    per, words = execute(pl, seed, digest)
    v("V8-draw", f"key {derive_key(LABEL, seed, digest).hex()}")
    for s, d in zip(pl["strata"], per):
        v("V8-draw", f"{s['stratum']}: allocated {s['allocated']}, drawn "
          f"{[p['id'] for p in d]}")
    v("V8-draw", f"words_used {words}; drawn_sha256 {drawn_digest(per)}")
    short = [{"stratum": s["stratum"], "allocated": s["allocated"], "drawn": len(d)}
             for s, d in zip(pl["strata"], per) if len(d) < s["allocated"]]
    v("V8-draw", f"shortfall {canonical_json(short)}")
    # §9
    ckey = bytes(range(32))
    for rid, attempt in [("R-0042", 0), ("R-0042", 1), ("Ä1", 0)]:
        v("V9-code", f"key 000102…1f, process testforum, id {_show(rid)}, attempt {attempt} -> "
          f"{application_code(ckey, 'testforum', rid, attempt)}")
    # §10
    entry = {"seq": 1, "prev_hash": GENESIS, "time": "2027-01-16T10:00:00Z",
             "tool": "sortes 0.3.0", "spec": SPEC, "step": "retention", "date": "2028-01-31",
             "reason": "Frist \"12 Monate\"\tabgelaufen\u2028/ß",
             "deleted": [{"file": "private/invitees.csv",
                          "sha256": hashlib.sha256(b"invitees").hexdigest()}]}
    assert entry_problem({**entry, "entry_hash": entry_hash(entry)}, 1) is None
    v("V10-entry", f"canonical JSON {_show(canonical_json(entry))}")
    v("V10-entry", f"entry_hash {entry_hash(entry)}")
    # §13 (unchanged since version 1)
    for sd, lsha in [("3.12.19.27.33.41./7./", "0" * 64), ("hex:00ff", "ab" * 32)]:
        sd = canonical_seed(sd)
        v("V13-number", f"seed {sd}, L {lsha[:4]}..., m 1000 -> "
          f"{Stream(derive_key('lottery-number', sd, lsha)).below(1000)}")
    pool = [f"P{i:04d}" for i in range(1, 21)]
    v("V13-reserve", " ".join(reserve_order(seed_for_number(187), "0" * 64, 187, pool, [])))
    return out


def vectors():
    lines = vector_lines()
    width = max(len(i) for i, _ in lines)
    for vid, text in lines:
        print(f"{vid.ljust(width)}  {text}")
    z = Stream(bytes(32))
    ok = z.next_u32() == 0xADE0B876  # RFC 8439 A.1 test vector 1
    print("RFC 8439 A.1 #1 " + ("ok" if ok else "WRONG"))
    return 0 if ok else 1


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--process", "-p", type=Path, help="a process file (forum.toml)")
    ap.add_argument("--wave", type=int, help="with --process: show the replay of this wave only")
    ap.add_argument("--bundle", type=Path, help="an audit bundle folder")
    ap.add_argument("--head", help="a journal head published earlier: HASH or SEQ:HASH")
    ap.add_argument("--accept-repeats", action="store_true",
                    help="a wave committed or drawn twice is ACCEPTED instead of a FAIL")
    ap.add_argument("--vectors", action="store_true", help="print the test vectors")
    a = ap.parse_args()
    if a.vectors:
        sys.exit(vectors())
    if not a.process and not a.bundle:
        ap.error("--process is required (or --bundle, --vectors)")
    if a.head is not None:
        try:
            parse_head(a.head)
        except Failure as e:
            print(f"FAIL  journal head: {e}")
            sys.exit(1)
    try:
        sys.exit(verify_bundle(a.bundle, a) if a.bundle else verify_process(a.process, a))
    except Exception as e:  # noqa: BLE001 - never a traceback; never a register value
        msg = f": {e}" if isinstance(e, (Failure, OSError)) else ""
        print(f"FAIL  verifier: {type(e).__name__}{msg}")
        sys.exit(1)


if __name__ == "__main__":
    main()
