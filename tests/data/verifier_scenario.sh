#!/bin/bash
# End-to-end check of the reference verifier against the sortes binary:
# sortes commit + draw, then docs/verifier/sortes_verify.py must PASS every check;
# then one changed byte in the extract must make it FAIL.
#
# Scenario (fictional people): a Windows-1252 ';' extract with umlauts, § 51/§ 52
# blocks, minors, 29 February birthdays, both date forms, 4 Stadtbezirke, shared
# addresses (households), blank lines (counted as blank_rows, not residents), an
# exclusion list; strata stadtbezirk × age_band with oversampling, household rule;
# then a top-up wave 2 (persons invited in wave 1 are excluded as invited_earlier).
#
# Environment (all optional):
#   ROOT    the sortes source tree; default: two folders up from this script
#           (tests/data/verifier_scenario.sh -> the repository root)
#   SORTES  the sortes binary; default $ROOT/target/debug/sortes (build it first)
#   VERIFY  the verifier script; default $ROOT/docs/verifier/sortes_verify.py
#   WORK    scratch folder for the scenario (process file, extract, out/); default
#           a new `mktemp -d` folder. It must be empty, absent, or a folder this
#           script made before (it then clears what it wrote there).
# Needs bash and python3 (standard library only). Exits non-zero on any failure.
set -euo pipefail
ROOT=${ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
SORTES=${SORTES:-$ROOT/target/debug/sortes}
VERIFY=${VERIFY:-$ROOT/docs/verifier/sortes_verify.py}
WORK=${WORK:-$(mktemp -d)}
[ -x "$SORTES" ] || { echo "no sortes binary at $SORTES (set SORTES or ROOT)" >&2; exit 2; }
[ -f "$VERIFY" ] || { echo "no verifier at $VERIFY (set VERIFY or ROOT)" >&2; exit 2; }
MARK=.sortes-verifier-scenario
mkdir -p "$WORK"
if [ -e "$WORK/$MARK" ]; then
    rm -rf "$WORK/out" "$WORK/data" "$WORK/forum.toml" "$WORK/counts.csv" \
           "$WORK/excluded.txt" "$WORK/register.orig"
elif [ -n "$(ls -A "$WORK")" ]; then
    echo "WORK=$WORK is not empty and was not made by this script; refusing to write there" >&2
    exit 2
fi
touch "$WORK/$MARK"
mkdir -p "$WORK/data" && cd "$WORK"

python3 - <<'EOF'
import csv, io, random
r = random.Random(7)
fam = ["Müller", "Schäfer", "Höfer", "Özdemir", "Weiß", "Krüger", "Schröder", "Groß", "Süß"]
giv = ["Anna", "Jörg", "Jürgen", "Ümit", "Zoë", "Björn", "Käthe", "Sören", "Änne"]
streets = ["Hauptstr.", "Hauptstraße", "Mühlenweg", "Königsallee", "Lindenstrasse"]
bez = {"Innenstadt-West": "44135", "Eving": "44339", "Hörde": "44263", "Lütgendortmund": "44388"}
nat = ["deutsch", "deutsch", "türkisch", "polnisch", "deutsch, italienisch"]
rows, addr = [], []
for i in range(300):
    b = list(bez)[i % 4]
    if addr and r.random() < 0.35:                      # shared addresses
        st, hn, b = r.choice(addr)
    else:
        st, hn = r.choice(streets), str(r.randint(1, 60)) + r.choice(["", "a"])
        addr.append((st, hn, b))
    y, m, d = r.randint(1935, 2014), r.randint(1, 12), r.randint(1, 28)
    date = f"{y}-{m:02d}-{d:02d}" if i % 10 == 3 else f"{d}.{m}.{y}" if i % 10 == 4 \
        else f"{d:02d}.{m:02d}.{y}"
    if i in (17, 211):
        date = "29.02.2008"                              # leap-day birthday
    rows.append([f"R{(i * 7919) % 100000:06d}", r.choice(fam), r.choice(giv), st, hn, bez[b],
                 "Dortmund", date, r.choice("mw"), r.choice(nat), b,
                 "ja" if i % 37 == 5 else "", "ja" if i % 53 == 7 else ""])
r.shuffle(rows)
rows[40:40] = [[], [""] * 13, ["  "] * 13]            # blank lines: not residents
hdr = ["Ordnungsmerkmal", "Familienname", "Vornamen", "Straße", "Hausnummer", "PLZ", "Ort",
       "Geburtsdatum", "Geschlecht", "Staatsangehörigkeit", "Stadtbezirk", "Auskunftssperre",
       "Sperrvermerk"]
buf = io.StringIO()
csv.writer(buf, delimiter=";", lineterminator="\r\n").writerows([hdr] + rows + [[]])
open("data/register.csv", "wb").write(buf.getvalue().encode("cp1252"))
open("excluded.txt", "w").write("# took part in an earlier forum\n" + rows[7][0] + "\nX999999\n")
EOF

cat > forum.toml <<'EOF'
[process]
name = "Testforum"
id = "testforum"
reference_date = "2027-01-15"

[register]
path = "data/register.csv"
encoding = "windows-1252"
delimiter = ";"
block_values = ["ja"]

[register.columns]
register_id = "Ordnungsmerkmal"
family_name = "Familienname"
given_names = "Vornamen"
street = "Straße"
house_number = "Hausnummer"
postcode = "PLZ"
city = "Ort"
birth_date = "Geburtsdatum"
gender = "Geschlecht"
nationality = "Staatsangehörigkeit"
stadtbezirk = "Stadtbezirk"
block_51 = "Auskunftssperre"
block_52 = "Sperrvermerk"

[eligibility]
exclude_lists = ["excluded.txt"]

[draw]
invitations = 40
strata = ["stadtbezirk", "age_band"]
household_rule = true

[draw.oversample.age_band]
"16-24" = "1.5"

[strata.values]
stadtbezirk = ["Innenstadt-West", "Eving", "Hörde", "Lütgendortmund"]
EOF
printf 'stratum,count\nEving / 16-24,2\nhörde / 75+,3\n' > counts.csv

"$SORTES" commit -p forum.toml --seed-source "test" --seed-form rfc3797:6+1 >/dev/null
"$SORTES" draw -p forum.toml --seed "3.12.19.27.33.41./7./" >/dev/null
"$SORTES" commit -p forum.toml --wave 2 --counts counts.csv --seed-source x --seed-form rfc3797:2 >/dev/null
"$SORTES" draw -p forum.toml --seed "1.2./" >/dev/null
python3 "$VERIFY" --process forum.toml            # exits 1 on any FAIL

# Negative check: one changed byte in the extract must be detected.
cp data/register.csv register.orig
python3 -c "p='data/register.csv'; b=bytearray(open(p,'rb').read()); i=b.index(b'\xfc'); b[i]=0x75; open(p,'wb').write(b)"
if python3 "$VERIFY" --process forum.toml >/dev/null; then
    echo "FAIL  tampered extract was not detected"; exit 1
fi
cp register.orig data/register.csv
echo "run.sh: all checks passed (tampered extract detected) in $WORK"
