#!/usr/bin/env python3
"""Independent reference verifier for sortes invitation draws (sortes-draw-spec/2).

Re-implements docs/draw-spec.md with the Python 3.11 standard library only
(ChaCha20 written out below) and replays the draws recorded in the journal.

    python3 sortes_verify.py --process forum.toml [--wave N]
    python3 sortes_verify.py --bundle AUDIT_BUNDLE_DIR
    python3 sortes_verify.py --vectors

Both modes first check the journal: the hash chain, and every entry against the
schema sortes writes it with (src/base/journal/entry.rs: no unknown or missing field,
no floating-point number, spec sortes-draw-spec/2); a journal that fails the schema
is not replayed, as sortes refuses it as a whole.

With --bundle it checks an audit bundle (sortes audit-bundle): the manifest, the
journal chain, the committed lottery, every numbered panel against the quota file
(integer counts), recomputes the final panel from the number or seed (§13), the
reserve order, and the replacements (§14, by exhaustive search where that is small).

Prints one PASS/FAIL line per check and exits 1 on any failure. It prints no
personal data: register ids, names and addresses never appear, only counts and hashes.
"""
import argparse
import csv
import datetime
import hashlib
import io
import json
import re
import sys
import tomllib
import unicodedata
from pathlib import Path

SPEC = "sortes-draw-spec/2"
LABEL = "invitation-draw"
GENESIS = "0" * 64
M32 = 0xFFFFFFFF


def sha256(b: bytes) -> str:
    return hashlib.sha256(b).hexdigest()


class Failure(Exception):
    """An input that cannot be processed the way sortes would (reported as FAIL)."""


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
FIELDS = ["register_id", "family_name", "given_names", "street", "house_number", "postcode",
          "city", "birth_date", "gender", "nationality", "stadtbezirk", "block_51", "block_52",
          "household"]  # §6.2 order; field 8 is birth_date or age


def canon(v: str) -> str:  # §6.1: trimmed, NFC
    return unicodedata.normalize("NFC", v.strip(WS))


def record_hash(values: list[str]) -> bytes:  # §6.2
    h = hashlib.sha256()
    for v in values:
        b = v.encode("utf-8")
        h.update(len(b).to_bytes(4, "little") + b)
    return h.digest()


def list_hash(hashes) -> str:  # §6.3
    return sha256(b"".join(hashes))


# §6.2 birth dates: exactly YYYY-MM-DD (4-2-2 ASCII digits) or D.M.YYYY / DD.MM.YYYY
# (day and month 1-2 digits, year 4 digits); year >= 1800; a real calendar date.
_ISO = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})")
_DE = re.compile(r"([0-9]{1,2})\.([0-9]{1,2})\.([0-9]{4})")


def parse_date(s: str):
    try:
        if m := _ISO.fullmatch(s):
            d = datetime.date(int(m[1]), int(m[2]), int(m[3]))
        elif m := _DE.fullmatch(s):
            d = datetime.date(int(m[3]), int(m[2]), int(m[1]))
        else:
            return None
    except ValueError:
        return None
    return d if d.year >= 1800 else None


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


def age_on(birth: datetime.date, on: datetime.date):  # §6.4, BGB birthday rule
    if birth > on:
        return None
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


def address_key(street: str, number: str, postcode: str) -> str:  # §6.3 household key
    s = " ".join(w for w in re.split(f"[{WS}]+", street.lower()) if w)
    if s.endswith("str."):
        s = s[:-4] + "straße"
    s = s.replace("strasse", "straße")
    n = "".join(c for c in number if c not in WS).lower()
    return f"{s}|{n}|{postcode.strip(WS)}"


def household_key(mode, v):  # §6.3: None = no household (never grouped with anyone)
    if mode == "explicit":
        return v[13] or None
    if mode == "address" and (v[3] or v[4]):
        return address_key(v[3], v[4], v[5])
    return None


def age_band_label(edges, age):  # §7.1
    below = [i for i, e in enumerate(edges) if e <= age]
    if not below:
        return None
    i = below[-1]
    return f"{edges[i]}-{edges[i + 1] - 1}" if i + 1 < len(edges) else f"{edges[i]}+"


def read_csv_rows(path: Path, reg: dict):
    """Decodes and splits the extract like sortes: returns (header, data rows)."""
    raw = path.read_bytes()
    if not raw:
        raise Failure("the register extract is empty")
    if reg.get("encoding", "utf-8").lower() in ("windows-1252", "cp1252"):
        if raw.startswith(b"\xef\xbb\xbf"):
            raise Failure("a UTF-8 byte order mark in a file declared windows-1252")
        try:  # strict: 0x81 0x8D 0x8F 0x90 0x9D are refused, as in sortes
            text = raw.decode("cp1252")
        except UnicodeDecodeError:
            raise Failure("a byte that is not a Windows-1252 character") from None
    else:
        try:
            text = raw.decode("utf-8-sig")  # a BOM is dropped
        except UnicodeDecodeError:
            raise Failure("a byte that is not valid UTF-8") from None
    first = text.split("\n", 1)[0].rstrip("\r")

    def header_with(d):
        return [h.strip(WS) for h in next(csv.reader([first], delimiter=d), [])]

    counts = {d: len(header_with(d)) for d in ";,\t"}
    want = {";": ";", ",": ",", "tab": "\t", "\t": "\t"}.get(reg.get("delimiter", "auto"))
    if want is None:  # auto: most columns; ties ';' before ',' before tab
        want = max(";,\t", key=lambda d: (counts[d], -";,\t".index(d)))
    elif counts[want] == 1 and max(counts.values()) > 1:
        raise Failure("the configured delimiter splits the header into one column")
    header = header_with(want)
    rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=want))[1:]
    return header, rows  # as in sortes (polars), a blank line is a row (of empty cells)


def load_register(proc: dict, base: Path, keep_rejects: bool):
    """§6: valid persons in canonical order, plus counts. Rows are dicts; no value is printed."""
    reg, draw = proc["register"], proc["draw"]
    cols = reg["columns"]
    path = base / reg["path"]
    fmt = (reg.get("format") or ("parquet" if path.suffix.lower() == ".parquet" else "csv")).lower()
    if fmt != "csv":
        raise Failure("Parquet not supported by the reference verifier")
    file_sha = sha256(path.read_bytes())
    header, rows = read_csv_rows(path, reg)
    by_birth = "birth_date" in cols
    names = [cols.get(f) for f in FIELDS]
    names[7] = cols.get("birth_date") or cols.get("age")
    for n in names:
        if n is not None and n not in header:
            raise Failure(f"column {n!r} is not in the extract")
    idx = [header.index(n) if n is not None else None for n in names]
    yes = [v.lower() for v in reg.get("block_values", ["ja", "j", "x", "1", "true", "yes", "wahr"])]
    no = [v.lower() for v in reg.get("no_block_values", ["", "nein", "n", "0", "false", "no", "falsch"])]
    german = [v.lower() for v in reg.get("german_values", ["deutsch", "de", "deu", "german", "deutschland"])]
    ref = parse_reference_date(proc["process"]["reference_date"])
    if ref is None:
        raise Failure("process.reference_date is not a date")
    edges = draw.get("age_bands", [16, 25, 35, 45, 55, 65, 75])
    strata_cols = draw.get("strata", ["stadtbezirk"])
    known = proc.get("strata", {}).get("values", {})
    hh_mode = "explicit" if "household" in cols else (
        "address" if all(f in cols for f in ("street", "house_number", "postcode")) else None)

    people, rejects, blank = [], 0, 0
    for line, row in enumerate(rows, start=2):
        v = [canon(row[i]) if i is not None and i < len(row) else "" for i in idx]
        if not any(v):  # §6.1: a blank line is neither a resident nor a reject
            blank += 1
            continue
        try:
            if not v[0]:
                raise Failure("empty register id")
            if by_birth:
                d = parse_date(v[7])
                age = age_on(d, ref) if d else None
                if age is None:
                    raise Failure("birth date not a date or after the reference date")
                v[7] = d.isoformat()  # §6.2: YYYY-MM-DD
            else:  # §6.2: digits only (no sign), 0..130; hashed without leading zeros
                if not re.fullmatch(r"[0-9]+", v[7]) or int(v[7]) > 130:
                    raise Failure("age not a whole number 0..130")
                age = int(v[7])
                v[7] = str(age)
            for f in (11, 12):
                if v[f].lower() in yes:
                    v[f] = "1"
                elif v[f].lower() in no:
                    v[f] = "0"
                else:
                    raise Failure("block mark neither yes nor no")
            key = []  # §7.1 stratum key
            for s in strata_cols:
                if s == "age_band":
                    val = age_band_label(edges, age) or f"unter {edges[0]}"
                elif s == "citizenship":
                    de = any(p.strip(WS).lower() in german for p in re.split(r"[,/;]", v[9]))
                    val = "deutsch" if de else "nicht-deutsch"
                else:
                    val = v[{"stadtbezirk": 10, "gender": 8, "postcode": 5}[s]]
                    if not val:
                        raise Failure(f"empty {s} value")
                if s in known:
                    match = [k for k in known[s] if k.lower() == val.lower()]
                    if match:
                        val = match[0]
                    elif s not in ("age_band", "citizenship"):
                        raise Failure(f"{s} value not listed in strata.values")
                key.append(val)
        except Failure as e:
            if not keep_rejects:
                raise Failure(f"register line {line}: {e}")
            rejects += 1
            continue
        hh = household_key(hh_mode, v)
        people.append(dict(id=v[0], age=age, b51=v[11] == "1", b52=v[12] == "1", nat=v[9],
                           key=tuple(key), household=hh, hash=record_hash(v)))
    ids = {}
    for p in people:
        ids[p["id"]] = ids.get(p["id"], 0) + 1
    if any(n > 1 for n in ids.values()):
        if not keep_rejects:
            raise Failure("a register id appears more than once")
        dups = [p for p in people if ids[p["id"]] > 1]
        rejects += len(dups)  # every occurrence is set aside (one reject per line)
        people = [p for p in people if ids[p["id"]] == 1]
    people.sort(key=lambda p: p["id"].encode("utf-8"))  # §6.3 canonical order (ids now unique)
    if not people:
        raise Failure("no valid resident rows")
    return dict(people=people, rows=len(rows), blank_rows=blank, rejected_rows=rejects,
                file_sha256=file_sha, extract_sha256=list_hash(p["hash"] for p in people))


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


def read_id_list(path: Path) -> set[str]:  # exclusion lists (eligibility.exclude_lists)
    text = path.read_text("utf-8").lstrip("\ufeff")
    lines = text.split("\n")
    first = lines[0].rstrip("\r")
    if any(h.strip(WS) == "register_id" for h in re.split(r"[,;\t]", first)):
        d = header_delimiter(first, ";,\t")
        rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=d))
        i = [h.strip(WS) for h in rows[0]].index("register_id")
        return {canon(r[i]) for r in rows[1:] if len(r) > i and canon(r[i])}
    return {canon(l.split("#")[0]) for l in lines if canon(l.split("#")[0])}


# ---------------------------------------------------------------- §6.4 eligibility, §7 strata
REASONS = ["invited_earlier", "exclusion_list", "block_51", "block_52", "under_min_age",
           "over_max_age", "nationality"]


def eligibility(proc: dict, people: list, earlier: set, excluded_ids: set):
    e = proc.get("eligibility", {})
    min_age, max_age = e.get("min_age", 16), e.get("max_age")
    nats = [n.lower() for n in e.get("nationalities", [])]
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
        elif nats and not any(x.strip(WS).lower() in nats for x in re.split(r"[,/;]", p["nat"])):
            r = "nationality"
        else:
            r = None
        if r:
            excluded[r] += 1
        else:
            eligible.append(p)
    not_in_register = len(excluded_ids - {p["id"] for p in people})
    return eligible, excluded, not_in_register


def parse_factor(s: str):  # §7.2: decimal with at most 3 decimals, in thousandths
    m = re.fullmatch(r"([0-9]*)(?:\.([0-9]*))?", s.strip(WS))
    if not m or (not m[1] and not m[2]) or len(m[2] or "") > 3:
        return None
    v = int(m[1] or 0) * 1000 + int((m[2] or "").ljust(3, "0"))
    return v or None


def factor_text(product: int, ncols: int) -> str:
    digits = 3 * ncols
    i, f = divmod(product, 10**digits)
    return str(i) if f == 0 else f"{i}." + f"{f:0{digits}d}".rstrip("0")


def allocate(shares: list[tuple[int, int]], total: int):  # §7.2, shares = (weight, capacity)
    if sum(c for _, c in shares) < total:
        return None
    alloc = [0] * len(shares)
    active = [i for i, (w, c) in enumerate(shares) if w > 0 and c > 0]
    rest = total
    while True:
        W = sum(shares[i][0] for i in active)
        if rest == 0:
            return alloc
        if W == 0:  # not in the spec text; unreachable while factors are > 0 (see report)
            for i, (_, c) in enumerate(shares):
                take = min(c - alloc[i], rest)
                alloc[i] += take
                rest -= take
            return alloc
        over = [i for i in active if rest * shares[i][0] > shares[i][1] * W]
        if over:
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
        for _, i in rems[: rest - sum(alloc[i] for i in active)]:
            alloc[i] += 1
        return alloc


def plan(proc: dict, reg: dict, earlier: set, excluded_ids: set, counts):
    draw = proc["draw"]
    cols = draw.get("strata", ["stadtbezirk"])
    over = draw.get("oversample", {})
    hh_rule = draw.get("household_rule", False)
    eligible, excluded, not_in_register = eligibility(proc, reg["people"], earlier, excluded_ids)
    keys = sorted({p["key"] for p in reg["people"]}, key=lambda k: [v.encode() for v in k])
    strata = []
    for key in keys:
        factor = 1
        for v, col in zip(key, cols):
            m = over.get(col, {})
            hit = [m[k] for k in sorted(m, key=str.encode) if k.lower() == v.lower()]
            factor *= (parse_factor(hit[0]) if hit else None) or 1000
        members = [p for p in eligible if p["key"] == key]
        # §7.2: distinct households, and every person without a household counts alone.
        cap = len({p["household"] for p in members if p["household"] is not None}) \
            + sum(p["household"] is None for p in members) if hh_rule else len(members)
        strata.append(dict(stratum=" / ".join(key), residents=sum(p["key"] == key for p in reg["people"]),
                           eligible=len(members), capacity=cap, factor=factor_text(factor, len(key)),
                           allocated=0, _w=len(members) * factor, _members=members))
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


def summary_csv(pl, per) -> bytes:
    def field(s):
        return '"' + s.replace('"', '""') + '"' if any(c in s for c in ',"\n') else s
    out = "stratum,residents,eligible,capacity,factor,allocated,drawn\n"
    for s, d in zip(pl["strata"], per):
        out += f"{field(s['stratum'])},{s['residents']},{s['eligible']},{s['capacity']}," \
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
        "residents": "u64", "eligible": "u64", "eligible_sha256": "sha256",
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
        "algorithm": ("enum", ("leximin", "maximin", "legacy")), "applicants": "u64",
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
    "select": (("probabilities", "quota_table"), ("distribution",)),  # see rule_problem
    "lottery": (("lottery", "report"), ()),
    "lottery-draw": (("panel", "reserves"), ()),
    "replace": (("panel",), ()),
    "letters": (("pdf", "html", "mail_merge"), ()),
    "report": (("report_de", "report_en"), ()),
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


# ---------------------------------------------------------------- verification
class Report:
    def __init__(self):
        self.failed = 0

    def check(self, name: str, ok: bool, detail: str = ""):
        self.failed += not ok
        print(f"{'PASS' if ok else 'FAIL'}  {name}" + (f": {detail}" if detail else ""))
        return ok


def schema_checked(rep: Report, problems: list, n: int) -> bool:
    """Reports the journal schema: one PASS, or one FAIL per refused line. False on a
    FAIL: sortes refuses such a journal as a whole, and the replays read fields that
    only the schema guarantees, so the caller stops there."""
    if not problems:
        return rep.check("journal schema", True, f"{n} entries of {SPEC}")
    for p in problems:
        rep.check("journal schema", False, p)
    return False


def verify(process_path: Path, only_wave) -> int:
    rep = Report()
    proc_bytes = process_path.read_bytes()
    proc = tomllib.loads(proc_bytes.decode("utf-8"))
    base = process_path.parent
    out = base / proc.get("output", {}).get("dir", "out")
    jpath = out / "journal.jsonl"
    if not rep.check("journal present", jpath.exists(), str(jpath)):
        return 1
    entries, bad, noncanonical, problems = read_journal(jpath)
    rep.check("journal hash chain", bad is None,
              f"{len(entries)} entries" if bad is None else f"entry {bad} is broken")
    rep.check("journal lines canonical", noncanonical == 0,
              "" if not noncanonical else f"{noncanonical} lines not in the §10 form")
    if not schema_checked(rep, problems, len(entries)):
        return 1
    draws = {}
    for e in entries:
        if e.get("step") == "draw":
            draws[e.get("wave", 0)] = e  # latest draw of each wave
    waves = sorted(w for w in draws if only_wave is None or w <= only_wave)
    if not rep.check("draw entries", bool(waves) and (only_wave is None or only_wave in draws),
                     f"waves {waves}"):
        return 1
    excl_lists = set()
    for f in proc.get("eligibility", {}).get("exclude_lists", []):
        excl_lists |= read_id_list(base / f)
    earlier = set()  # ids invited in earlier waves (replayed, not read from personal files)
    for w in waves:
        d = draws[w]
        show = only_wave is None or w == only_wave
        chk = rep.check if show else (lambda n, ok, det="": ok or rep.check(n, ok, det))
        t = f"wave {w}"
        commit = next((e for e in entries if e.get("step") == "commit"
                       and e.get("commitment") == d.get("commitment")), None)
        if not chk(f"{t} commitment in journal", commit is not None and commit["seq"] < d["seq"]):
            continue
        try:
            seed = canonical_seed(d.get("seed", ""))
        except Failure as e:
            chk(f"{t} seed", False, str(e))
            continue
        chk(f"{t} seed canonical", seed == d["seed"] and d.get("key_label") == LABEL, seed)
        chk(f"{t} process_sha256", sha256(proc_bytes) == commit.get("process_sha256"))
        counts = None
        if commit.get("wave", 1) > 1:
            counts = {s["stratum"]: s["allocated"] for s in commit["strata"] if s["allocated"] > 0}
        try:
            reg = load_register(proc, base, "rejects_sha256" in commit)
            pl = plan(proc, reg, earlier, excl_lists, counts)
        except Failure as e:
            chk(f"{t} register and plan", False, str(e))
            continue
        chk(f"{t} extract_sha256", reg["extract_sha256"] == commit.get("extract_sha256"),
            f"{len(reg['people'])} residents")
        chk(f"{t} register counts", (reg["rows"], reg["blank_rows"], reg["rejected_rows"],
                                       len(reg["people"])) ==
            tuple(commit.get(k) for k in ("register_rows", "blank_rows", "rejected_rows", "residents")),
            f"{reg['rows']} rows, {reg['blank_rows']} blank, {reg['rejected_rows']} rejected")
        chk(f"{t} eligible_sha256", pl["eligible_sha256"] == commit.get("eligible_sha256")
            and len(pl["eligible"]) == commit.get("eligible"), f"{len(pl['eligible'])} eligible")
        chk(f"{t} exclusions", pl["excluded"] == commit.get("excluded") and
            pl["list_ids_not_in_register"] == commit.get("exclusion_list_ids_not_in_register"),
            ", ".join(f"{k} {n}" for k, n in pl["excluded"].items() if n))
        public = [{k: v for k, v in s.items() if not k.startswith("_")} for s in pl["strata"]]
        chk(f"{t} allocation", public == commit.get("strata")
            and pl["invitations"] == commit.get("invitations")
            and pl["household_rule"] == commit.get("household_rule"),
            f"{pl['invitations']} invitations in {len(public)} strata")
        # §11: the commitment digest is recomputed from the inputs, then it is the key context.
        digest_now = sha256(canonical_json({
            "wave": commit.get("wave"), "process_sha256": sha256(proc_bytes),
            "extract_sha256": reg["extract_sha256"], "eligible": len(pl["eligible"]),
            "eligible_sha256": pl["eligible_sha256"], "excluded": pl["excluded"],
            "invitations": pl["invitations"], "household_rule": pl["household_rule"],
            "strata": public}).encode("utf-8"))
        chk(f"{t} commitment digest", digest_now == d["commitment"], digest_now[:16])
        per, words = execute(pl, seed, digest_now)
        digest = drawn_digest(per)
        chk(f"{t} drawn_sha256 replay", digest == d.get("drawn_sha256")
            and sum(map(len, per)) == d.get("drawn"), f"{sum(map(len, per))} drawn")
        chk(f"{t} words_used", words == d.get("words_used"), str(words))
        short = [{"stratum": s["stratum"], "allocated": s["allocated"], "drawn": len(x)}
                 for s, x in zip(pl["strata"], per) if len(x) < s["allocated"]]
        chk(f"{t} shortfall", short == d.get("shortfall"), f"{len(short)} strata short")
        want = d.get("output_sha256", {})
        chk(f"{t} summary replay", sha256(summary_csv(pl, per)) == want.get("summary"))
        for name, rel in d.get("outputs", {}).items():  # hashes only; contents never printed
            p = out / rel
            chk(f"{t} {name} file hash", p.exists() and sha256(p.read_bytes()) == want.get(name))
        earlier |= {p["id"] for x in per for p in x}
    return 1 if rep.failed else 0


# ---------------------------------------------------------------- §12-§14 lottery (audit bundle)
def dict_rows(path: Path, enc: str = "utf-8"):
    """A CSV file with a header line, as a list of dicts."""
    return list(csv.DictReader(io.StringIO(path.read_text(enc))))


def steps(entries, name: str):
    """The journal entries of one step, in journal order."""
    return [e for e in entries if e.get("step") == name]


def quota_key(s: str) -> str:  # values match after NFC, whitespace folding, lower case
    return " ".join(unicodedata.normalize("NFC", s).split()).lower()


def read_quotas(path: Path):
    rows = dict_rows(path, "utf-8-sig")
    q = {}
    for r in rows:
        q.setdefault(r["category"].strip(), {})[quota_key(r["value"])] = (int(r["min"]), int(r["max"]))
    return q


def read_pool(path: Path):
    rows = dict_rows(path, "utf-8-sig")
    return {r["pool_id"]: r for r in rows}


def panel_problem(ids, pool, quotas, k, households: bool):
    """None if the panel has k distinct members, meets every quota and (if asked) the
    household rule; else a sentence. Integer counts only."""
    if len(ids) != k or len(set(ids)) != k:
        return f"{len(ids)} members, {len(set(ids))} distinct, k = {k}"
    if any(i not in pool for i in ids):
        return "a member is not in the pool"
    for cat, vals in quotas.items():
        counts = {v: 0 for v in vals}
        for i in ids:
            v = quota_key(pool[i].get(cat, ""))
            if v not in counts:
                return f"{i} has no valid {cat}"
            counts[v] += 1
        for v, (lo, hi) in vals.items():
            if not lo <= counts[v] <= hi:
                return f"{cat}={v}: {counts[v]} members, quota {lo}..{hi}"
    if households:
        hh = [pool[i].get("household", "") for i in ids if pool[i].get("household", "")]
        if len(hh) != len(set(hh)):
            return "two members of one household"
    return None


def first_feasible(staying, need, cands, pool, quotas, k, households, limit=300_000):
    """§14 rule by exhaustive search: walk the reserve order, take a person if some
    set of later people completes the panel. None if the search would be too large."""
    from itertools import combinations
    from math import comb
    chosen = []
    for pos, c in enumerate(cands):
        if len(chosen) == need:
            break
        left = need - len(chosen) - 1
        later = cands[pos + 1:]
        if comb(len(later), left) > limit:
            return None
        base = staying + chosen + [c]
        if any(panel_problem(base + list(rest), pool, quotas, k, households) is None
               for rest in combinations(later, left)):
            chosen.append(c)
    return chosen


def units(text: str) -> int:
    """A probability written with at most 12 decimals, as an integer number of 1e-12."""
    whole, _, frac = text.strip().partition(".")
    if not whole.isdigit() or (frac and not frac.isdigit()) or len(frac) > 12:
        raise ValueError(f"{text!r} is not a probability")
    return int(whole) * 10**12 + int(frac.ljust(12, "0") or "0")


def verify_selection(d: Path, man, out: Path, entries, k: int, households: bool, rep) -> None:
    """The latest LEXIMIN/MAXIMIN selection: every panel of distribution.csv has k pool
    members and meets every quota and the household rule; the probabilities sum to 1;
    probabilities.csv lists every applicant with the sum over their panels. Tolerance:
    half a unit of the 12th decimal per panel (the files round to 12 decimals)."""
    sels = [e for e in steps(entries, "select") if e.get("algorithm") != "legacy"]
    if not sels:
        return
    dist_path = out / sels[-1]["outputs"]["distribution"]  # where the selection wrote it
    if not dist_path.exists():
        return
    pool = read_pool(out / sels[-1]["pool_file"])
    quotas = read_quotas(d / man["quota_file"])
    rows = dict_rows(dist_path)
    bad, sums, total = [], {}, 0
    for n, r in enumerate(rows):
        ids = r["members"].split(" ")
        p = units(r["probability"])
        total += p
        problem = panel_problem(ids, pool, quotas, k, households)
        if problem:
            bad.append(f"panel {n}: {problem}")
        for i in ids:
            sums[i] = sums.get(i, 0) + p
    if 2 * abs(total - 10**12) > len(rows):
        bad.append(f"probabilities sum to {total / 1e12}")
    rep.check("selection panels meet the quotas", not bad,
              f"{len(rows)} panels, probabilities sum to 1" if not bad else bad[0])
    prob_path = out / "public/selection/probabilities.csv"
    if prob_path.exists():
        listed = dict_rows(prob_path)
        wrong = [r["pool_id"] for r in listed
                 if 2 * abs(units(r["probability"]) - sums.get(r["pool_id"], 0)) > len(rows) + 1]
        ok = not wrong and len(listed) == len(pool)
        rep.check("selection probabilities are the panel sums", ok,
                  f"{len(listed)} applicants" if ok else
                  (f"{wrong[0]} differs" if wrong else f"{len(listed)} listed, pool has {len(pool)}"))


def verify_bundle(d: Path) -> int:
    rep = Report()
    man = json.loads((d / "bundle.json").read_text("utf-8"))
    bad = [r for r, h in man["files"].items()
           if not (d / r).exists() or sha256((d / r).read_bytes()) != h]
    rep.check("bundle manifest", not bad, f"{len(man['files'])} files" if not bad else ", ".join(bad))
    proc = tomllib.loads((d / man["process_file"]).read_text("utf-8"))
    sel = proc.get("selection", {})
    k, households = int(sel.get("k", 0)), bool(sel.get("household_rule", False))
    out = d / man["out_dir"]
    entries, broken, _, problems = read_journal(out / "journal.jsonl")
    rep.check("journal hash chain", broken is None, f"{len(entries)} entries")
    if not schema_checked(rep, problems, len(entries)):
        return 1
    verify_selection(d, man, out, entries, k, households, rep)
    lots = steps(entries, "lottery")
    if not rep.check("lottery in journal", bool(lots)):
        return 1
    le = lots[-1]
    lpath = out / "public/lottery/lottery.txt"
    lbytes = lpath.read_bytes()
    lsha = sha256(lbytes)
    rep.check("lottery commitment", lsha == le["lottery_sha256"], lsha)
    lines = lbytes.decode("utf-8").split("\n")[:-1]
    head = dict(l.split("=", 1) for l in lines[1:7])
    m = int(head["m"])
    tickets = [l.split(" ")[1:] for l in lines[7:]]
    width = len(str(m - 1))
    rep.check("lottery format", lines[0] == "sortes lottery v1" and len(tickets) == m
              and all(l.split(" ")[0] == f"{t:0{width}d}" for t, l in enumerate(lines[7:])),
              f"m = {m}")
    sels = [e for e in steps(entries, "select") if e.get("algorithm") != "legacy"]
    pool_path, quota_path = out / sels[-1]["pool_file"], d / man["quota_file"]
    rep.check("lottery inputs", sha256(pool_path.read_bytes()) == head["pool_sha256"]
              and sha256(quota_path.read_bytes()) == head["quotas_sha256"])
    pool, quotas = read_pool(pool_path), read_quotas(quota_path)
    problems = {}
    for t, ids in enumerate(tickets):
        key = tuple(ids)
        if key not in problems:
            problems[key] = panel_problem(ids, pool, quotas, k, households)
    badp = [p for p in problems.values() if p]
    rep.check("lottery panels meet the quotas", not badp,
              f"{m} numbered, {len(problems)} different" if not badp else badp[0])
    draws = steps(entries, "lottery-draw")
    if not rep.check("lottery drawn", bool(draws)):
        return 1 if rep.failed else 0
    de = draws[-1]
    if de["source"] == "seed":
        seed = canonical_seed(de["seed"])
        number = Stream(derive_key("lottery-number", seed, lsha)).below(m)
        how = f"from seed {seed}"
    else:
        number, how = de["number"], "ceremony"
    panel = tickets[number]
    rep.check("final panel", number == de["number"] and panel == de["panel"],
              f"number {number:0{width}d} ({how})")
    rseed = canonical_seed(de["reserve_seed"])
    rest = sorted(i for i in pool if i not in set(panel))
    order = sample(Stream(derive_key("reserve-order", rseed, f"{lsha}:{number}")), rest, len(rest))
    pub = out / "public/lottery"
    listed = [r["pool_id"] for r in dict_rows(pub / "reserves.csv")]
    rep.check("reserve order", order == listed, f"{len(order)} people")
    current, ever, unavailable = list(panel), set(panel), set()
    for e in steps(entries, "replace"):
        gone = set(e["dropped"])
        staying = [p for p in current if p not in gone]
        unavailable |= set(e.get("unavailable", []))
        cands = [r for r in order if r not in ever and r not in unavailable]
        got = first_feasible(staying, len(gone), cands, pool, quotas, k, households)
        new = staying + e["replacements"]
        ok = panel_problem(new, pool, quotas, k, households) is None and gone <= set(current)
        if got is None:
            rep.check(f"replacement {e['round']}", ok,
                      "panel meets the quotas (the choice itself needs an ILP to recheck)")
        else:
            rep.check(f"replacement {e['round']}", ok and got == e["replacements"],
                      f"{len(gone)} dropped, rule picks {', '.join(got)}")
        current, ever = new, ever | set(e["replacements"])
    return 1 if rep.failed else 0


# ---------------------------------------------------------------- test vectors
def vectors():
    seed = canonical_seed("3.12.19.27.33.41./7./")
    ctx = "0" * 64
    key = derive_key(LABEL, seed, ctx)
    print(f"seed input        3.12.19.27.33.41./7./")
    print(f"canonical seed    {seed}")
    print(f"context           {ctx}")
    print(f"label             {LABEL}")
    print(f"key               {key.hex()}")
    s = Stream(key)
    print("first 8 u32       " + " ".join(f"0x{s.next_u32():08x}" for _ in range(8)))
    s = Stream(key)
    print("first 4 u64       " + " ".join(f"0x{s.next_u64():016x}" for _ in range(4)))
    s = Stream(key)
    for n in [1, 2, 3, 10, 612065, 2**63 + 1]:
        before = s.words
        print(f"below({n})".ljust(27) + f"{s.below(n)}  ({s.words - before} words)")
    s = Stream(key)
    print(f"sample(5 of 0..19) {sample(s, list(range(20)), 5)}")
    z = Stream(bytes(32))
    first = [z.next_u32() for _ in range(4)]
    print("RFC 8439 A.1 #1   " + " ".join(f"0x{w:08x}" for w in first)
          + ("  ok" if first[0] == 0xADE0B876 else "  WRONG"))
    return 0 if first[0] == 0xADE0B876 else 1


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--process", "-p", type=Path)
    ap.add_argument("--wave", type=int)
    ap.add_argument("--bundle", type=Path)
    ap.add_argument("--vectors", action="store_true")
    a = ap.parse_args()
    if a.vectors:
        sys.exit(vectors())
    if a.bundle:
        try:
            sys.exit(verify_bundle(a.bundle))
        except (Failure, OSError, ValueError, KeyError) as e:
            print(f"FAIL  verifier: {type(e).__name__}: {e}")
            sys.exit(1)
    if not a.process:
        ap.error("--process is required (or --bundle, --vectors)")
    try:
        sys.exit(verify(a.process, a.wave))
    except (Failure, OSError, ValueError, KeyError) as e:  # never echoes register values
        print(f"FAIL  verifier: {type(e).__name__}: {e}")
        sys.exit(1)


if __name__ == "__main__":
    main()
