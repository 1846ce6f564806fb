//! Birth dates, full or partial, and the age a person is given (spec §6.2, §6.5).
//!
//! Registers write `00` for a day or month that is not known (`00.07.1955`,
//! `00.00.1950`), most often for people born abroad. Nobody loses their chance over
//! it: a person is eligible by age when *some* possible date makes them so, and
//! gets the age of the middle of their possible dates.

use chrono::{Datelike, NaiveDate};

/// A birth date as the register writes it: year, and month and day where known.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BirthDate {
    pub year: i32,
    /// 1–12, or None when unknown.
    pub month: Option<u32>,
    /// 1–31, or None when unknown (then also when the month is unknown).
    pub day: Option<u32>,
}

/// Why a date cell was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DateProblem {
    /// Not one of the accepted forms.
    Form,
    /// A known day with an unknown month.
    DayWithoutMonth,
    /// Before 1800.
    TooEarly,
    /// A day the month does not have (31.02.).
    NoSuchDay,
    /// Even the earliest possible day lies after the reference date.
    AfterReference,
}

impl DateProblem {
    /// One sentence for the clerk. The cell itself is never quoted: a birth date is
    /// personal data, and the message names line and column instead.
    pub fn sentence(self) -> String {
        match self {
            DateProblem::Form => "the birth date is not a date like 30.04.1980 or 1980-04-30 (00 for an unknown day or month, or the year alone)".into(),
            DateProblem::DayWithoutMonth => {
                "the birth date has a day but no month (a known day needs its month; write 00.00.YYYY if only the year is known)".into()
            }
            DateProblem::TooEarly => "the birth date lies before 1800".into(),
            DateProblem::NoSuchDay => "the birth date is a day its month does not have".into(),
            DateProblem::AfterReference => {
                "the birth date lies after the reference date (process.reference_date)".into()
            }
        }
    }
}

fn digits(p: &str, lo: usize, hi: usize) -> Option<u32> {
    ((lo..=hi).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_digit()))
        .then(|| p.parse().ok())
        .flatten()
}

impl BirthDate {
    /// `YYYY-MM-DD`, `D.M.YYYY` (one or two digits) or `YYYY`; `0`/`00` for unknown.
    pub fn parse(s: &str) -> Result<BirthDate, DateProblem> {
        // Fast path for the two common ten-byte forms; anything else goes the long way.
        let b = s.as_bytes();
        let num = |r: std::ops::Range<usize>| {
            b[r].iter().try_fold(0u32, |n, &c| {
                c.is_ascii_digit().then(|| n * 10 + u32::from(c - b'0'))
            })
        };
        if b.len() == 10 {
            let (y, m, d) = match (b[2], b[5], b[4], b[7]) {
                (b'.', b'.', _, _) => (num(6..10), num(3..5), num(0..2)),
                (_, _, b'-', b'-') => (num(0..4), num(5..7), num(8..10)),
                _ => (None, None, None),
            };
            if let (Some(y), Some(m), Some(d)) = (y, m, d) {
                return Self::checked(y as i32, m, d);
            }
        }
        // Exactly three parts split at '-' or at '.' (no allocation: this runs per row).
        let three = |sep: char| {
            let mut it = s.split(sep);
            let parts = (it.next()?, it.next()?, it.next()?);
            it.next().is_none().then_some(parts)
        };
        let (y, m, d) = if let Some((y, m, d)) = three('-') {
            (digits(y, 4, 4), digits(m, 2, 2), digits(d, 2, 2))
        } else if let Some((d, m, y)) = three('.') {
            (digits(y, 4, 4), digits(m, 1, 2), digits(d, 1, 2))
        } else {
            (digits(s, 4, 4), Some(0), Some(0))
        };
        let (Some(year), Some(m), Some(d)) = (y, m, d) else {
            return Err(DateProblem::Form);
        };
        Self::checked(year as i32, m, d)
    }

    /// A date from its parts (0: unknown), checked.
    fn checked(year: i32, m: u32, d: u32) -> Result<BirthDate, DateProblem> {
        if year < 1800 {
            return Err(DateProblem::TooEarly);
        }
        if m > 12 || d > 31 {
            return Err(DateProblem::Form);
        }
        if m == 0 && d != 0 {
            return Err(DateProblem::DayWithoutMonth);
        }
        let date = BirthDate {
            year,
            month: (m != 0).then_some(m),
            day: (d != 0).then_some(d),
        };
        if let (Some(m), Some(d)) = (date.month, date.day)
            && NaiveDate::from_ymd_opt(year, m, d).is_none()
        {
            return Err(DateProblem::NoSuchDay);
        }
        Ok(date)
    }

    /// The canonical text (spec §6.2): `YYYY-MM-DD` with `00` for unknown parts.
    pub fn canonical(&self) -> String {
        // Years are 1800–9999 (four digits, checked by parse); written digit by digit.
        let mut out = String::with_capacity(10);
        let push = |out: &mut String, v: u32, width: u32| {
            for k in (0..width).rev() {
                out.push(char::from(b'0' + (v / 10u32.pow(k) % 10) as u8));
            }
        };
        push(&mut out, self.year.unsigned_abs(), 4);
        out.push('-');
        push(&mut out, self.month.unwrap_or(0), 2);
        out.push('-');
        push(&mut out, self.day.unwrap_or(0), 2);
        out
    }

    pub fn is_partial(&self) -> bool {
        self.day.is_none()
    }

    fn earliest(&self) -> NaiveDate {
        NaiveDate::from_ymd_opt(self.year, self.month.unwrap_or(1), self.day.unwrap_or(1))
            .unwrap_or(NaiveDate::MIN)
    }

    fn latest(&self) -> NaiveDate {
        match (self.month, self.day) {
            (Some(m), Some(d)) => NaiveDate::from_ymd_opt(self.year, m, d),
            (Some(m), None) => last_of_month(self.year, m),
            _ => NaiveDate::from_ymd_opt(self.year, 12, 31),
        }
        .unwrap_or(NaiveDate::MAX)
    }

    /// The middle date of the rule: day 15 when only the day is unknown, 1 July
    /// when day and month are.
    fn middle(&self) -> NaiveDate {
        match (self.month, self.day) {
            (Some(m), Some(d)) => NaiveDate::from_ymd_opt(self.year, m, d),
            (Some(m), None) => NaiveDate::from_ymd_opt(self.year, m, 15),
            _ => NaiveDate::from_ymd_opt(self.year, 7, 1),
        }
        .unwrap_or(NaiveDate::MIN)
    }
}

fn last_of_month(year: i32, month: u32) -> Option<NaiveDate> {
    let (y, m) = if month == 12 {
        (year + 1, 1)
    } else {
        (year, month + 1)
    };
    NaiveDate::from_ymd_opt(y, m, 1)?.pred_opt()
}

/// Age in completed years on `on` (§ 187 Abs. 2, § 188 Abs. 2 BGB: a person is a
/// year older from the start of their birthday; someone born on 29 February turns a
/// year older on 1 March in other years).
pub fn age_on(birth: NaiveDate, on: NaiveDate) -> Option<u32> {
    if birth > on {
        return None;
    }
    let mut years = on.year() - birth.year();
    if (on.month(), on.day()) < (birth.month(), birth.day()) {
        years -= 1;
    }
    u32::try_from(years).ok()
}

/// The ages a person is given (spec §6.5).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Aged {
    /// The age used for eligibility, the age band and invitees.csv.
    pub age: u32,
    /// The date was partial.
    pub partial: bool,
    /// The rule decided: eligibility or the age band differ across the possible dates.
    pub decided: bool,
}

/// The age limits and bands the rule needs.
#[derive(Debug, Clone)]
pub struct AgeRule<'a> {
    pub reference: NaiveDate,
    pub min_age: u32,
    pub max_age: Option<u32>,
    pub bands: &'a [u32],
}

impl AgeRule<'_> {
    fn eligible(&self, age: u32) -> bool {
        age >= self.min_age && self.max_age.is_none_or(|m| age <= m)
    }

    fn band(&self, age: u32) -> Option<usize> {
        self.bands.iter().rposition(|&e| e <= age)
    }

    /// The age of a person born on `d` (spec §6.5).
    pub fn apply(&self, d: &BirthDate) -> Result<Aged, DateProblem> {
        let earliest = d.earliest();
        if earliest > self.reference {
            return Err(DateProblem::AfterReference);
        }
        if !d.is_partial() {
            let age = age_on(earliest, self.reference).ok_or(DateProblem::AfterReference)?;
            return Ok(Aged {
                age,
                partial: false,
                decided: false,
            });
        }
        let cap = |x: NaiveDate| x.min(self.reference);
        let on = |x: NaiveDate| age_on(cap(x), self.reference).unwrap_or(0);
        let (old, young) = (on(earliest), on(d.latest()));
        let mid = on(d.middle());
        // Rule 1: eligible if some possible date is; rule 2: the middle date's age,
        // clamped into the limits for an eligible person.
        let eligible = young <= self.max_age.unwrap_or(u32::MAX) && old >= self.min_age;
        let age = if eligible {
            mid.clamp(
                self.min_age.max(young),
                self.max_age.unwrap_or(u32::MAX).min(old),
            )
        } else {
            mid
        };
        let same = (young..=old)
            .all(|a| self.eligible(a) == self.eligible(young) && self.band(a) == self.band(young));
        Ok(Aged {
            age,
            partial: true,
            decided: !same,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn age_follows_the_bgb_birthday_rule() {
        assert_eq!(age_on(d(2010, 3, 5), d(2026, 3, 4)), Some(15));
        assert_eq!(age_on(d(2010, 3, 5), d(2026, 3, 5)), Some(16));
        assert_eq!(age_on(d(2008, 2, 29), d(2024, 2, 28)), Some(15));
        assert_eq!(age_on(d(2008, 2, 29), d(2024, 2, 29)), Some(16));
        assert_eq!(age_on(d(2008, 2, 29), d(2025, 2, 28)), Some(16));
        assert_eq!(age_on(d(2030, 1, 1), d(2026, 1, 1)), None);
    }

    #[test]
    fn dates_in_every_form() {
        let p = |s| BirthDate::parse(s).map(|b| b.canonical());
        assert_eq!(p("1980-04-30").as_deref(), Ok("1980-04-30"));
        assert_eq!(p("30.04.1980").as_deref(), Ok("1980-04-30"));
        assert_eq!(p("3.4.1980").as_deref(), Ok("1980-04-03"));
        assert_eq!(p("00.07.1955").as_deref(), Ok("1955-07-00"));
        assert_eq!(p("0.0.1950").as_deref(), Ok("1950-00-00"));
        assert_eq!(p("1955-07-00").as_deref(), Ok("1955-07-00"));
        assert_eq!(p("1950").as_deref(), Ok("1950-00-00"));
        assert_eq!(p("15.00.1950"), Err(DateProblem::DayWithoutMonth));
        assert_eq!(p("31.02.1980"), Err(DateProblem::NoSuchDay));
        assert_eq!(p("1799"), Err(DateProblem::TooEarly));
        assert_eq!(p("13.13.1980"), Err(DateProblem::Form));
        assert_eq!(p("1980-4-30"), Err(DateProblem::Form));
        assert_eq!(p(""), Err(DateProblem::Form));
    }

    /// Reference 2026-06-15, min_age 16, bands 16/25: by hand.
    #[test]
    fn the_rule_gives_the_benefit_of_the_doubt() {
        let bands = [16, 25];
        let rule = AgeRule {
            reference: d(2026, 6, 15),
            min_age: 16,
            max_age: None,
            bands: &bands,
        };
        let a = |s| rule.apply(&BirthDate::parse(s).unwrap()).unwrap();
        // June 2010: 16 if born by the 15th, else 15: eligible, decided, age 16.
        assert_eq!(
            a("00.06.2010"),
            Aged {
                age: 16,
                partial: true,
                decided: true
            }
        );
        // 2010, month unknown: 15 or 16: eligible, middle 1 July 2010 → 15 → clamped 16.
        assert_eq!(
            a("00.00.2010"),
            Aged {
                age: 16,
                partial: true,
                decided: true
            }
        );
        // July 2010: 15 whatever the day: not eligible, nothing decided.
        assert_eq!(
            a("00.07.2010"),
            Aged {
                age: 15,
                partial: true,
                decided: false
            }
        );
        // 2011: 14 or 15: not eligible.
        assert_eq!(a("2011").age, 14);
        // May 1990: 36 whatever the day.
        assert_eq!(
            a("00.05.1990"),
            Aged {
                age: 36,
                partial: true,
                decided: false
            }
        );
        // 2001: 24 or 25 — the band is decided; middle 1 July 2001 → 24.
        assert_eq!(
            a("0.0.2001"),
            Aged {
                age: 24,
                partial: true,
                decided: true
            }
        );
        // Full dates: 16 on the birthday, 15 the day after.
        assert_eq!(a("15.06.2010").age, 16);
        assert_eq!(a("16.06.2010").age, 15);
        // Born this year after the reference date: the latest is capped.
        assert_eq!(a("2026").age, 0);
        assert_eq!(
            rule.apply(&BirthDate::parse("00.07.2026").unwrap()),
            Err(DateProblem::AfterReference)
        );
    }
}
