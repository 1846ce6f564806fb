//! The `[letters]` table of the process file. Unknown keys are errors (serde
//! `deny_unknown_fields`), so a typo never silently prints a default.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::PathBuf;

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct LettersConfig {
    /// Template folder, relative to the process file (the caller resolves it).
    #[serde(default = "default_templates")]
    pub templates: PathBuf,
    /// Language of recipients without one (a folder name under `templates`).
    #[serde(default = "default_language")]
    pub default_language: String,
    /// Column of the recipient data that holds a language code (`de`, `en`, …).
    pub language_column: Option<String>,
    /// Order of the letters: `postcode` (postcode, then name; for postal
    /// discounts), `code` (application code) or `input` (as given).
    #[serde(default)]
    pub order: Order,
    /// DIN 5008 form: `A` (address field 27 mm from the top) or `B` (45 mm).
    #[serde(default)]
    pub form: Form,
    /// Duplex printing: every letter starts on an odd page (a blank page pads).
    #[serde(default)]
    pub duplex: bool,
    /// The invitation's reply card (what follows `[[card]]` in the text): `tear-off`, the
    /// lowest third of the one sheet with the card's questions on the back page and the
    /// return address behind them (needs `duplex`), or `separate`, a page of its own.
    /// Absent: `tear-off` when `duplex` is on with form A (whose lower fold is the cut
    /// line), else `separate` (a process file written before the tear-off card keeps
    /// its layout).
    #[serde(default)]
    pub reply_card: Option<ReplyCard>,
    /// Font family (bundled: "Libertinus Serif", "New Computer Modern",
    /// "DejaVu Sans Mono"; more from `<templates>/fonts/`).
    #[serde(default = "default_font")]
    pub font: String,
    /// A character that no bundled font has: `error` (default) or `warn` (counted).
    #[serde(default)]
    pub missing_glyphs: GlyphPolicy,
    /// An address that does not fit the window's address zone (more than six lines, or
    /// a line wider than the zone): `warn` (default; the letters are written and the
    /// terminal names the letter numbers) or `error` (nothing is written).
    #[serde(default = "warn")]
    pub address_overflow: GlyphPolicy,
    /// Date printed on the letters (ISO, YYYY-MM-DD).
    pub letter_date: String,
    /// Reply deadline (ISO date).
    pub reply_deadline: String,
    /// Personal reply link; `{code}` is replaced by the application code.
    pub reply_link: String,
    pub forum: Forum,
    pub sender: Sender,
    pub signatory: Signatory,
    /// The meetings, in order.
    #[serde(default)]
    pub meetings: Vec<Meeting>,
    pub allowance: Allowance,
    #[serde(default)]
    pub support: Support,
    pub privacy: Privacy,
    /// Which columns of the recipient data hold the address parts.
    #[serde(default)]
    pub columns: Columns,
    /// Gender values (case-insensitive) that select the female or male
    /// salutation; anything else (d, empty, unknown) gets the neutral one.
    #[serde(default)]
    pub gender_values: GenderValues,
    /// Lines under the return address in the address field (e.g. "Persönlich").
    #[serde(default)]
    pub address_notes: Vec<String>,
    /// Free values for the templates: `{{ extra.<key> }}`.
    #[serde(default)]
    pub extra: BTreeMap<String, String>,
    /// Per-language replacements of text values, by dotted name:
    /// `[letters.lang.en]` `"forum.name" = "Dortmund Citizens' Forum"`.
    #[serde(default)]
    pub lang: BTreeMap<String, BTreeMap<String, String>>,
    /// Field separator of the mail-merge CSV (default `;`, as German office software expects).
    #[serde(default = "default_delimiter")]
    pub mail_merge_delimiter: char,
    /// What the reply card asks: filled from `[intake]`, never read from the file.
    #[serde(skip_deserializing, default)]
    pub card: Card,
}

/// The reply card's questions, from the intake's configuration, so that a card typed
/// in is a row the intake accepts (the same column names and answers).
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct Card {
    /// One per `[[intake.attributes]]`: the form's column and its answers.
    pub questions: Vec<CardQuestion>,
    /// The availability column (a line to write on), if the intake reads one.
    pub availability: Option<String>,
    /// The contact columns (lines to write on).
    pub contact: Vec<String>,
    /// The consent column and the answer the intake reads as yes.
    pub consent: Option<String>,
    pub consent_yes: Option<String>,
}

/// One question of the reply card: a tick box per answer.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct CardQuestion {
    pub label: String,
    pub options: Vec<String>,
}

fn warn() -> GlyphPolicy {
    GlyphPolicy::Warn
}

fn default_templates() -> PathBuf {
    PathBuf::from("templates/letters")
}
fn default_language() -> String {
    "de".into()
}
fn default_font() -> String {
    "Libertinus Serif".into()
}
fn default_delimiter() -> char {
    ';'
}

#[derive(Debug, Clone, Copy, Deserialize, Serialize, Default, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum Order {
    #[default]
    Postcode,
    Code,
    Input,
}

/// Where the invitation's reply card is printed.
#[derive(Debug, Clone, Copy, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum ReplyCard {
    TearOff,
    Separate,
}

impl LettersConfig {
    /// The reply card's place: as set, else tear-off exactly when printing duplex on
    /// form A.
    pub fn reply_card(&self) -> ReplyCard {
        self.reply_card
            .unwrap_or(if self.duplex && self.form == Form::A {
                ReplyCard::TearOff
            } else {
                ReplyCard::Separate
            })
    }
}

#[derive(Debug, Clone, Copy, Deserialize, Serialize, Default, PartialEq, Eq)]
pub enum Form {
    A,
    #[default]
    B,
}

#[derive(Debug, Clone, Copy, Deserialize, Serialize, Default, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum GlyphPolicy {
    #[default]
    Error,
    Warn,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Forum {
    pub name: String,
    /// Short name used in running text ("das Bürgerforum").
    pub short_name: String,
    /// One or two plain sentences: what the forum is about.
    pub description: String,
    /// Seats in the panel (the glue may take it from `[selection] k`).
    pub seats: Option<u32>,
    /// Number of invitations (the glue may take it from `[draw] invitations`).
    pub invitations: Option<u32>,
    /// Minimum age (the glue may take it from `[eligibility] min_age`).
    pub min_age: Option<u32>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Sender {
    /// Lines at the top right of page 1; the first is printed large.
    pub letterhead: Vec<String>,
    /// Organisation, first part of the return-address line.
    pub authority: String,
    /// Office that handles the replies.
    pub office: String,
    pub street: String,
    pub postcode: String,
    pub city: String,
    pub phone: String,
    pub phone_hours: Option<String>,
    pub email: String,
    pub web: String,
    /// Return-address line above the address; default "authority · street · postcode city".
    pub return_line: Option<String>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Signatory {
    pub name: String,
    pub title: String,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Meeting {
    /// ISO date.
    pub date: String,
    /// Time as printed, e.g. "10:00 – 17:00".
    pub time: String,
    pub place: String,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Allowance {
    /// Euros per meeting.
    pub per_meeting: u32,
    /// Euros in total; default per_meeting × number of meetings.
    pub total: Option<u32>,
}

/// Support offered; each switches a line of the invitation on or off.
#[derive(Debug, Clone, Deserialize, Serialize, Default)]
#[serde(deny_unknown_fields)]
pub struct Support {
    #[serde(default)]
    pub childcare: bool,
    #[serde(default)]
    pub care: bool,
    #[serde(default)]
    pub interpreters: bool,
    #[serde(default)]
    pub accessibility: bool,
    #[serde(default)]
    pub employer_note: bool,
    #[serde(default)]
    pub travel_costs: bool,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Privacy {
    /// Who is responsible (Verantwortlicher, Art. 4 Nr. 7 DSGVO).
    pub controller: String,
    /// Where the address came from, e.g. "§ 46 Bundesmeldegesetz".
    pub register_basis: String,
    pub legal_basis: String,
    /// Contact of the data protection officer.
    pub officer: String,
    pub url: String,
    /// ISO date by which the personal data is deleted.
    pub deletion_date: String,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct Columns {
    pub given_names: String,
    pub family_name: String,
    /// The optional address parts below: a column named here must be in the data;
    /// left out, the invitees.csv column of that name is used where the data has it.
    /// Doktorgrad, before the given names and in the salutation.
    pub doctorate: Option<String>,
    /// Namensvorsatz ("von der"), before the family name.
    pub name_prefix: Option<String>,
    pub street: String,
    pub house_number: String,
    /// House-number suffix, written onto the number ("12a").
    pub house_number_suffix: Option<String>,
    /// Teilnummer, after the number ("16 1/7").
    pub house_number_part: Option<String>,
    /// Address addition ("c/o …", "bei …"), a line between name and street.
    pub address_extra: Option<String>,
    pub postcode: String,
    pub city: String,
    pub gender: String,
    pub code: String,
}

impl Columns {
    /// The column of an optional address part: as configured, else its invitees.csv name.
    pub fn optional<'a>(configured: &'a Option<String>, default: &'a str) -> &'a str {
        configured.as_deref().unwrap_or(default)
    }
}

impl Default for Columns {
    fn default() -> Self {
        Columns {
            given_names: "given_names".into(),
            family_name: "family_name".into(),
            doctorate: None,
            name_prefix: None,
            street: "street".into(),
            house_number: "house_number".into(),
            house_number_suffix: None,
            house_number_part: None,
            address_extra: None,
            postcode: "postcode".into(),
            city: "city".into(),
            gender: "gender".into(),
            code: "application_code".into(),
        }
    }
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct GenderValues {
    pub female: Vec<String>,
    pub male: Vec<String>,
}

impl Default for GenderValues {
    fn default() -> Self {
        GenderValues {
            female: ["w", "f", "weiblich", "female"].map(String::from).to_vec(),
            male: ["m", "männlich", "male"].map(String::from).to_vec(),
        }
    }
}
