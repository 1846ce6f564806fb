//! Every text of the report, one table per language, and number formatting.
//!
//! The keys are an enum so that a typo is a compile error; the tables are plain
//! lists so that a translator edits one language in one place. [`Strings::new`]
//! checks at run time that the chosen table has every key exactly once (and the
//! test `every_key_in_both_tables` checks both tables), so a missing translation is
//! an error, never an empty string on the page.
//!
//! Placeholders: `{t}` threshold, `{c}` category, `{n}` a number, `{v}` a value.

use serde::{Deserialize, Serialize};

/// Language of the report.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Lang {
    De,
    En,
}

impl Lang {
    pub const ALL: [Lang; 2] = [Lang::De, Lang::En];

    /// BCP 47 tag for `<html lang>`.
    pub fn tag(self) -> &'static str {
        match self {
            Lang::De => "de",
            Lang::En => "en",
        }
    }

    fn table(self) -> &'static [(Key, &'static str)] {
        match self {
            Lang::De => DE,
            Lang::En => EN,
        }
    }
}

macro_rules! keys {
    ($($k:ident),* $(,)?) => {
        /// Identifies one text of the report.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum Key { $($k),* }
        impl Key {
            /// All keys, in declaration order (index = discriminant).
            pub const ALL: &'static [Key] = &[$(Key::$k),*];
        }
    };
}

keys!(
    Title,
    Intro,
    AsOf,
    Process,
    DataNote,
    SecOverview,
    SecFunnel,
    SecCategories,
    SecQuotas,
    SecResponse,
    SecProbabilities,
    SecSeeds,
    SecLottery,
    SecReplacements,
    SecMethod,
    StageResidents,
    StageEligible,
    StageInvited,
    StageApplied,
    StagePool,
    StagePanel,
    StageOpen,
    FunnelChartTitle,
    FunnelChartDesc,
    FunnelAxis,
    FunnelPerCategory,
    SeriesPopulation,
    SeriesInvitees,
    SeriesApplicants,
    SeriesPanel,
    SeriesExpected,
    CategoryChartTitle,
    CategoryChartDesc,
    AxisSharePercent,
    ColCategory,
    ColValue,
    ColStage,
    ColCount,
    ColShareOfPrevious,
    ColPopulationShare,
    ColEligible,
    ColInvited,
    ColApplied,
    ColApplicants,
    ColPanel,
    ColExpected,
    ColExpectedShort,
    ColHashValue,
    ColRate,
    ColMin,
    ColMax,
    ColTarget,
    ColAchieved,
    ColInQuota,
    Yes,
    No,
    ExpectedNote,
    QuotaIntro,
    ResponseChartTitle,
    ResponseChartDesc,
    ResponseAxis,
    ResponseOverall,
    ColStratum,
    NoResponseData,
    ProbChartTitle,
    ProbChartDesc,
    ProbAxisX,
    ProbAxisY,
    SeriesLeximin,
    SeriesLegacy,
    SeriesUniform,
    SeriesGoldilocks,
    CompareIntro,
    ColAlgorithm,
    ColGini,
    ColMinRatio,
    ColMaxRatio,
    ProbIntroGoldilocks,
    ProbCertificate,
    ProbIntro,
    StatMin,
    StatMedian,
    StatMax,
    StatCount,
    StatPanels,
    StatUniform,
    ColStatistic,
    NoProbabilities,
    ColWhat,
    HkSeedSource,
    HkSeed,
    HkCommitment,
    HkJournalHead,
    HkProcessFile,
    HkRegisterExtract,
    HkEligibleList,
    HkInvitees,
    HkPool,
    HkQuotas,
    HkDistribution,
    HkProbabilities,
    HkLottery,
    SeedsIntro,
    LotteryNone,
    LotteryNumber,
    LotteryM,
    LotteryPanelNo,
    LotteryDate,
    LotterySeed,
    ReplacementsNone,
    ColDropped,
    ColReplaced,
    MethodSuppression,
    MethodComplement,
    MethodDerived,
    MethodExceptions,
    SuppressedLegend,
    MergedInto,
    PopulationNotInRegister,
    PopulationNoRegister,
    PopulationRegisterChanged,
    NotKnown,
    Footer,
);

const DE: &[(Key, &str)] = &[
    (Key::Title, "Bericht zum Losverfahren"),
    (
        Key::Intro,
        "Dieser Bericht zeigt, wie das Gremium zustande gekommen ist: von der Einwohnerschaft über die Einladungen und Bewerbungen bis zur Auswahl – nur mit zusammengefassten Zahlen.",
    ),
    (Key::AsOf, "Stand"),
    (Key::Process, "Verfahren"),
    (
        Key::DataNote,
        "Datenschutz: Der Bericht enthält keine Namen, Anschriften oder Kennungen einzelner Personen. Zahlen unter {t} werden nicht ausgewiesen (ausgenommen die Zusammensetzung des Gremiums, die öffentlich ist).",
    ),
    (Key::SecOverview, "Überblick"),
    (Key::SecFunnel, "Von der Einwohnerschaft zum Gremium"),
    (Key::SecCategories, "Zusammensetzung nach Merkmalen"),
    (Key::SecQuotas, "Quoten"),
    (Key::SecResponse, "Rücklauf nach Losbezirk"),
    (Key::SecProbabilities, "Auswahlwahrscheinlichkeiten"),
    (Key::SecSeeds, "Zufallsquellen und Prüfsummen"),
    (Key::SecLottery, "Öffentliche Losziehung"),
    (Key::SecReplacements, "Nachbesetzungen"),
    (Key::SecMethod, "Methodik und Datenschutz"),
    (Key::StageResidents, "Einwohnerinnen und Einwohner"),
    (Key::StageEligible, "Teilnahmeberechtigt"),
    (Key::StageInvited, "Eingeladen"),
    (Key::StageApplied, "Rückmeldungen"),
    (Key::StagePool, "Gültige Bewerbungen (Pool)"),
    (Key::StagePanel, "Gremium"),
    (Key::StageOpen, "noch offen"),
    (Key::FunnelChartTitle, "Stufen des Verfahrens"),
    (
        Key::FunnelChartDesc,
        "Balkendiagramm mit logarithmischer Achse: Anzahl der Personen auf jeder Stufe, von der Einwohnerschaft bis zum Gremium.",
    ),
    (Key::FunnelAxis, "Personen (logarithmische Skala)"),
    (Key::FunnelPerCategory, "Stufen je Merkmal"),
    (Key::SeriesPopulation, "Bevölkerung"),
    (Key::SeriesInvitees, "Eingeladene"),
    (Key::SeriesApplicants, "Bewerbungen (Pool)"),
    (Key::SeriesPanel, "Gremium"),
    (Key::SeriesExpected, "Gremium (erwartet)"),
    (Key::CategoryChartTitle, "{c}: Anteile je Ausprägung"),
    (
        Key::CategoryChartDesc,
        "Gruppiertes Balkendiagramm: Anteil jeder Ausprägung von {c} an Bevölkerung, Eingeladenen, Bewerbungen und Gremium, in Prozent. Ausgeblendete Werte haben keinen Balken.",
    ),
    (Key::AxisSharePercent, "Anteil in %"),
    (Key::ColCategory, "Merkmal"),
    (Key::ColValue, "Ausprägung"),
    (Key::ColStage, "Stufe"),
    (Key::ColCount, "Anzahl"),
    (Key::ColShareOfPrevious, "Anteil der Vorstufe"),
    (Key::ColPopulationShare, "Bevölkerung"),
    (Key::ColEligible, "Berechtigt"),
    (Key::ColInvited, "Eingeladen"),
    (Key::ColApplied, "Bewerbungen"),
    (Key::ColApplicants, "Pool"),
    (Key::ColPanel, "Gremium"),
    (Key::ColExpected, "Gremium (erwartet)"),
    (Key::ColExpectedShort, "Erwartet"),
    (Key::ColHashValue, "Wert"),
    (Key::ColRate, "Rücklauf"),
    (Key::ColMin, "Min."),
    (Key::ColMax, "Max."),
    (Key::ColTarget, "Ziel"),
    (Key::ColAchieved, "Erreicht"),
    (Key::ColInQuota, "In der Quote"),
    (Key::Yes, "ja"),
    (Key::No, "nein"),
    (
        Key::ExpectedNote,
        "Das Gremium ist noch nicht ausgelost. „Gremium (erwartet)“ ist die erwartete Zahl der Mitglieder mit dieser Ausprägung: die Summe der Auswahlwahrscheinlichkeiten.",
    ),
    (
        Key::QuotaIntro,
        "Jede Ausprägung hat eine Mindest- und eine Höchstzahl von Sitzen. Jedes mögliche Gremium hält alle Quoten ein.",
    ),
    (Key::ResponseChartTitle, "Rücklaufquote je Losbezirk"),
    (
        Key::ResponseChartDesc,
        "Balkendiagramm: Anteil der Eingeladenen, die sich gültig beworben haben, je Losbezirk, in Prozent; die senkrechte Linie ist der Durchschnitt.",
    ),
    (Key::ResponseAxis, "Rücklaufquote in %"),
    (Key::ResponseOverall, "Insgesamt"),
    (Key::ColStratum, "Losbezirk"),
    (Key::NoResponseData, "Noch keine Bewerbungen erfasst."),
    (
        Key::ProbChartTitle,
        "Auswahlwahrscheinlichkeit jeder Person im Pool",
    ),
    (
        Key::ProbChartDesc,
        "Liniendiagramm: die Auswahlwahrscheinlichkeiten aller Personen im Pool, aufsteigend sortiert; eine flache Linie bedeutet gleiche Chancen für alle.",
    ),
    (
        Key::ProbAxisX,
        "Personen im Pool, nach Wahrscheinlichkeit sortiert (in %)",
    ),
    (Key::ProbAxisY, "Auswahlwahrscheinlichkeit in %"),
    (Key::SeriesLeximin, "LEXIMIN"),
    (Key::SeriesLegacy, "Herkömmliches Verfahren"),
    (Key::SeriesUniform, "Gleiche Chancen (k/n)"),
    (Key::SeriesGoldilocks, "Goldilocks"),
    (
        Key::CompareIntro,
        "Vor der Auswahl wurden die Verfahren verglichen. „Kleinste ÷ bestmögliche“ misst, wie nah die kleinste Chance an der größtmöglichen kleinsten Chance liegt (1 = bestmöglich); „größte ÷ bestmögliche“, wie nah die größte Chance an der kleinstmöglichen größten Chance liegt (1 = bestmöglich). Der Gini-Koeffizient ist 0 bei völlig gleichen Chancen.",
    ),
    (Key::ColAlgorithm, "Verfahren"),
    (Key::ColGini, "Gini-Koeffizient"),
    (Key::ColMinRatio, "kleinste ÷ bestmögliche"),
    (Key::ColMaxRatio, "größte ÷ bestmögliche"),
    (
        Key::ProbIntroGoldilocks,
        "Goldilocks (Baharav & Flanigan 2024) hält jede Auswahlwahrscheinlichkeit von beiden Seiten nahe am fairen Anteil k/n: niemandes Chance zu klein und niemandes zu groß. Das macht die Auswahl auch schwer zu steuern, wenn jemand falsche Angaben macht. Die Quoten verhindern völlig gleiche Chancen; die Linie zeigt, wie nah das Verfahren ihnen kommt.",
    ),
    (
        Key::ProbCertificate,
        "Nachweis der Optimalität: Das Ergebnis liegt höchstens {gap} vom bestmöglichen Wert entfernt (Schranke der Spaltengenerierung, im Protokoll festgehalten).",
    ),
    (
        Key::ProbIntro,
        "LEXIMIN macht die kleinste Auswahlwahrscheinlichkeit so groß wie möglich, dann die zweitkleinste und so fort. Die Quoten verhindern völlig gleiche Chancen; die Linie zeigt, wie nah das Verfahren ihnen kommt.",
    ),
    (Key::StatMin, "kleinste Wahrscheinlichkeit"),
    (Key::StatMedian, "Median"),
    (Key::StatMax, "größte Wahrscheinlichkeit"),
    (Key::StatCount, "Personen im Pool"),
    (Key::StatPanels, "Gremien in der Verteilung"),
    (Key::StatUniform, "gleiche Chancen k/n"),
    (Key::ColStatistic, "Kennzahl"),
    (
        Key::NoProbabilities,
        "Die Auswahl ist noch nicht berechnet.",
    ),
    (Key::ColWhat, "Was"),
    (Key::HkSeedSource, "Quelle des Zufalls (vorab festgelegt)"),
    (Key::HkSeed, "Zufallszahl (Seed)"),
    (Key::HkCommitment, "Festlegung (Commitment)"),
    (Key::HkJournalHead, "Letzter Eintrag des Prüfprotokolls"),
    (Key::HkProcessFile, "Verfahrensdatei"),
    (Key::HkRegisterExtract, "Melderegister-Auszug"),
    (Key::HkEligibleList, "Liste der Berechtigten"),
    (Key::HkInvitees, "Gezogene Einladungen"),
    (Key::HkPool, "Pool (pseudonym)"),
    (Key::HkQuotas, "Quotendatei"),
    (Key::HkDistribution, "Verteilung der Gremien"),
    (Key::HkProbabilities, "Auswahlwahrscheinlichkeiten"),
    (Key::HkLottery, "Losliste (vor der Ziehung festgelegt)"),
    (
        Key::SeedsIntro,
        "Mit diesen Werten kann jede und jeder das Verfahren nachrechnen (sortes verify oder das unabhängige Prüfskript). Alle Prüfsummen sind SHA-256.",
    ),
    (
        Key::LotteryNone,
        "Die öffentliche Losziehung hat noch nicht stattgefunden.",
    ),
    (Key::LotteryNumber, "Gezogene Losnummer"),
    (Key::LotteryM, "Lose insgesamt"),
    (Key::LotteryPanelNo, "Ausgewähltes Gremium (Nr.)"),
    (Key::LotteryDate, "Datum"),
    (Key::LotterySeed, "Zufallsquelle"),
    (Key::ReplacementsNone, "Bisher keine Nachbesetzungen."),
    (Key::ColDropped, "Ausgeschieden"),
    (Key::ColReplaced, "Nachbesetzt"),
    (
        Key::MethodSuppression,
        "Jede Personenzahl unter {t} (auch 0) wird als „< {t}“ ausgewiesen, damit sich niemand aus kleinen Gruppen erkennen lässt.",
    ),
    (
        Key::MethodComplement,
        "Weil die Summe jedes Merkmals bekannt ist, ließe sich eine einzelne kleine Zahl aus ihr zurückrechnen. Sie wird deshalb mit der größten Ausprägung derselben Spalte zusammengezählt, die genug Abstand zu allem hat, was der Bericht sonst über sie sagt: Diese Zeile zeigt die Summe, markiert mit „(+ …)“, die kleine Zeile „< {t} (bei …)“. So lässt sich keine ausgeblendete Zahl zurückrechnen, und keine Zahl ab {t} wird ausgeblendet; nur wenn keine Ausprägung dafür groß genug ist, wird die ganze Spalte ausgeblendet („•“).",
    ),
    (
        Key::MethodDerived,
        "Anteile, Rücklaufquoten, erwartete Zahlen und Balken werden nur aus ausgewiesenen Zahlen berechnet, bei zusammengezählten Zeilen aus der Summe (markiert „(+ …)“); für ausgeblendete Werte gibt es keinen Balken, sondern nur die Markierung „< {t}“ oder „•“. Die erwartete Zahl im Gremium wird ausgeblendet oder zusammengezählt wie die Zahl im Pool.",
    ),
    (
        Key::MethodExceptions,
        "Nicht ausgeblendet werden die Zusammensetzung des Gremiums (sie ist öffentlich und muss sich an den Quoten prüfen lassen), die Quotengrenzen (öffentliche Vorgaben), die Auswahlwahrscheinlichkeiten (ohne Kennung) und die Zahl der Nachbesetzungen (ohne Merkmale).",
    ),
    (
        Key::SuppressedLegend,
        "„< {t} (bei …)“: weniger als {t} Personen, mitgezählt in der genannten Zeile, die mit „(+ …)“ markiert ist. „•“: ausgeblendet, damit sich keine kleine Zahl zurückrechnen lässt (siehe Methodik).",
    ),
    (Key::MergedInto, "bei {v}"),
    (
        Key::PopulationNotInRegister,
        "Bevölkerungsanteile: nicht bekannt – das Melderegister enthält dieses Merkmal nicht, und keine amtliche Statistik ist hinterlegt.",
    ),
    (
        Key::PopulationNoRegister,
        "Bevölkerungsanteile: nicht bekannt – der Registerauszug lag bei der Erstellung des Berichts nicht vor (z. B. nach Ablauf der Aufbewahrungsfrist gelöscht).",
    ),
    (
        Key::PopulationRegisterChanged,
        "Bevölkerungsanteile: nicht gezeigt – der Registerauszug weicht von dem ab, der bei der Festlegung verwendet wurde.",
    ),
    (Key::NotKnown, "–"),
    (
        Key::Footer,
        "Erstellt mit sortes. Alle Zahlen stammen aus den öffentlichen Ausgaben und dem Prüfprotokoll des Verfahrens.",
    ),
];

const EN: &[(Key, &str)] = &[
    (Key::Title, "Civic lottery report"),
    (
        Key::Intro,
        "This report shows how the panel came about: from the residents through the invitations and applications to the selection – in aggregate figures only.",
    ),
    (Key::AsOf, "As of"),
    (Key::Process, "Process"),
    (
        Key::DataNote,
        "Data protection: this report contains no names, addresses or identifiers of individuals. Counts below {t} are not shown (except the panel's composition, which is public).",
    ),
    (Key::SecOverview, "Overview"),
    (Key::SecFunnel, "From residents to panel"),
    (Key::SecCategories, "Composition by attribute"),
    (Key::SecQuotas, "Quotas"),
    (Key::SecResponse, "Response by draw district"),
    (Key::SecProbabilities, "Selection probabilities"),
    (Key::SecSeeds, "Sources of randomness and checksums"),
    (Key::SecLottery, "Public lottery"),
    (Key::SecReplacements, "Replacements"),
    (Key::SecMethod, "Method and data protection"),
    (Key::StageResidents, "Residents"),
    (Key::StageEligible, "Eligible"),
    (Key::StageInvited, "Invited"),
    (Key::StageApplied, "Replies received"),
    (Key::StagePool, "Valid applications (pool)"),
    (Key::StagePanel, "Panel"),
    (Key::StageOpen, "pending"),
    (Key::FunnelChartTitle, "Stages of the process"),
    (
        Key::FunnelChartDesc,
        "Bar chart on a logarithmic axis: number of people at each stage, from the residents to the panel.",
    ),
    (Key::FunnelAxis, "People (logarithmic scale)"),
    (Key::FunnelPerCategory, "Stages by attribute"),
    (Key::SeriesPopulation, "Population"),
    (Key::SeriesInvitees, "Invitees"),
    (Key::SeriesApplicants, "Applicants (pool)"),
    (Key::SeriesPanel, "Panel"),
    (Key::SeriesExpected, "Panel (expected)"),
    (Key::CategoryChartTitle, "{c}: shares per value"),
    (
        Key::CategoryChartDesc,
        "Grouped bar chart: share of each value of {c} among the population, invitees, applicants and panel, in percent. Suppressed values have no bar.",
    ),
    (Key::AxisSharePercent, "Share in %"),
    (Key::ColCategory, "Attribute"),
    (Key::ColValue, "Value"),
    (Key::ColStage, "Stage"),
    (Key::ColCount, "Count"),
    (Key::ColShareOfPrevious, "Share of previous stage"),
    (Key::ColPopulationShare, "Population"),
    (Key::ColEligible, "Eligible"),
    (Key::ColInvited, "Invited"),
    (Key::ColApplied, "Applications"),
    (Key::ColApplicants, "Pool"),
    (Key::ColPanel, "Panel"),
    (Key::ColExpected, "Panel (expected)"),
    (Key::ColExpectedShort, "Expected"),
    (Key::ColHashValue, "Value"),
    (Key::ColRate, "Response"),
    (Key::ColMin, "Min"),
    (Key::ColMax, "Max"),
    (Key::ColTarget, "Target"),
    (Key::ColAchieved, "Achieved"),
    (Key::ColInQuota, "Within quota"),
    (Key::Yes, "yes"),
    (Key::No, "no"),
    (
        Key::ExpectedNote,
        "The panel has not been drawn yet. \u{201c}Panel (expected)\u{201d} is the expected number of members with this value: the sum of the selection probabilities.",
    ),
    (
        Key::QuotaIntro,
        "Each value has a minimum and a maximum number of seats. Every possible panel meets all quotas.",
    ),
    (Key::ResponseChartTitle, "Response rate by draw district"),
    (
        Key::ResponseChartDesc,
        "Bar chart: share of invitees who applied validly, per draw district, in percent; the vertical line is the average.",
    ),
    (Key::ResponseAxis, "Response rate in %"),
    (Key::ResponseOverall, "Overall"),
    (Key::ColStratum, "Draw district"),
    (Key::NoResponseData, "No applications recorded yet."),
    (
        Key::ProbChartTitle,
        "Selection probability of each person in the pool",
    ),
    (
        Key::ProbChartDesc,
        "Line chart: the selection probabilities of everyone in the pool, sorted in ascending order; a flat line means equal chances for all.",
    ),
    (
        Key::ProbAxisX,
        "People in the pool, sorted by probability (in %)",
    ),
    (Key::ProbAxisY, "Selection probability in %"),
    (Key::SeriesLeximin, "LEXIMIN"),
    (Key::SeriesLegacy, "Legacy algorithm"),
    (Key::SeriesUniform, "Equal chances (k/n)"),
    (Key::SeriesGoldilocks, "Goldilocks"),
    (
        Key::CompareIntro,
        "The algorithms were compared before the selection. \"Smallest ÷ best possible\" measures how close the smallest chance comes to the largest possible smallest chance (1 = best possible); \"largest ÷ best possible\" how close the largest chance comes to the smallest possible largest chance (1 = best possible). The Gini coefficient is 0 for exactly equal chances.",
    ),
    (Key::ColAlgorithm, "Algorithm"),
    (Key::ColGini, "Gini coefficient"),
    (Key::ColMinRatio, "smallest ÷ best possible"),
    (Key::ColMaxRatio, "largest ÷ best possible"),
    (
        Key::ProbIntroGoldilocks,
        "Goldilocks (Baharav & Flanigan 2024) keeps every selection probability close to the fair share k/n from both sides: nobody's chance too small and nobody's too large. This also makes the selection hard to steer by giving false answers. The quotas rule out exactly equal chances; the line shows how close the selection comes.",
    ),
    (
        Key::ProbCertificate,
        "Certificate of optimality: the result is at most {gap} away from the best possible value (the column-generation bound, recorded in the journal).",
    ),
    (
        Key::ProbIntro,
        "LEXIMIN makes the smallest selection probability as large as possible, then the second smallest, and so on. The quotas rule out exactly equal chances; the line shows how close the selection comes.",
    ),
    (Key::StatMin, "smallest probability"),
    (Key::StatMedian, "median"),
    (Key::StatMax, "largest probability"),
    (Key::StatCount, "people in the pool"),
    (Key::StatPanels, "panels in the distribution"),
    (Key::StatUniform, "equal chances k/n"),
    (Key::ColStatistic, "Figure"),
    (
        Key::NoProbabilities,
        "The selection has not been computed yet.",
    ),
    (Key::ColWhat, "What"),
    (Key::HkSeedSource, "Source of randomness (fixed in advance)"),
    (Key::HkSeed, "Random seed"),
    (Key::HkCommitment, "Commitment"),
    (Key::HkJournalHead, "Last entry of the audit journal"),
    (Key::HkProcessFile, "Process file"),
    (Key::HkRegisterExtract, "Register extract"),
    (Key::HkEligibleList, "List of eligible residents"),
    (Key::HkInvitees, "Invitations drawn"),
    (Key::HkPool, "Pool (pseudonymous)"),
    (Key::HkQuotas, "Quota file"),
    (Key::HkDistribution, "Distribution over panels"),
    (Key::HkProbabilities, "Selection probabilities"),
    (Key::HkLottery, "Lottery list (fixed before the draw)"),
    (
        Key::SeedsIntro,
        "With these values anyone can replay the process (sortes verify or the independent verification script). All checksums are SHA-256.",
    ),
    (
        Key::LotteryNone,
        "The public lottery has not taken place yet.",
    ),
    (Key::LotteryNumber, "Number drawn"),
    (Key::LotteryM, "Numbers in total"),
    (Key::LotteryPanelNo, "Panel selected (no.)"),
    (Key::LotteryDate, "Date"),
    (Key::LotterySeed, "Source of randomness"),
    (Key::ReplacementsNone, "No replacements so far."),
    (Key::ColDropped, "Dropped out"),
    (Key::ColReplaced, "Replaced"),
    (
        Key::MethodSuppression,
        "Every count of people below {t} (including 0) is shown as \u{201c}< {t}\u{201d}, so that no one can be recognised from a small group.",
    ),
    (
        Key::MethodComplement,
        "Because the total of each attribute is known, a single small count could be recomputed from it. It is therefore counted together with the largest value of the same column that is far enough from everything else the report says about it: that row shows the sum, marked \u{201c}(+ …)\u{201d}, the small row \u{201c}< {t} (in …)\u{201d}. No hidden count can be recomputed, and no count of {t} or more is hidden; only where no value is large enough is the whole column hidden (\u{201c}•\u{201d}).",
    ),
    (
        Key::MethodDerived,
        "Shares, response rates, expected numbers and bars are computed from shown counts only, for a combined row from the sum (marked \u{201c}(+ …)\u{201d}); a hidden value has no bar, just the mark \u{201c}< {t}\u{201d} or \u{201c}•\u{201d}. The expected number on the panel is hidden or combined as the number in the pool is.",
    ),
    (
        Key::MethodExceptions,
        "Not hidden: the panel's composition (public, and it must be checkable against the quotas), the quota bounds (public parameters), the selection probabilities (without identifiers) and the number of replacements (without attributes).",
    ),
    (
        Key::SuppressedLegend,
        "\u{201c}< {t} (in …)\u{201d}: fewer than {t} people, counted in the row named, which is marked \u{201c}(+ …)\u{201d}. \u{201c}•\u{201d}: hidden so that no small number can be recomputed (see method).",
    ),
    (Key::MergedInto, "in {v}"),
    (
        Key::PopulationNotInRegister,
        "Population shares: not known – the population register does not hold this attribute, and no official statistics were given.",
    ),
    (
        Key::PopulationNoRegister,
        "Population shares: not known – the register extract was not available when the report was made (e.g. deleted after its retention period).",
    ),
    (
        Key::PopulationRegisterChanged,
        "Population shares: not shown – the register extract differs from the one recorded at the commitment.",
    ),
    (Key::NotKnown, "–"),
    (
        Key::Footer,
        "Made with sortes. All figures come from the process's public outputs and its audit journal.",
    ),
];

/// The texts of one language, checked complete.
pub struct Strings {
    lang: Lang,
    by_key: Vec<&'static str>,
}

impl Strings {
    /// Fails if the language's table lacks a key, has one twice, or has an empty text.
    pub fn new(lang: Lang) -> crate::base::error::Result<Strings> {
        let mut by_key: Vec<Option<&'static str>> = vec![None; Key::ALL.len()];
        for (key, text) in lang.table() {
            let slot = &mut by_key[*key as usize];
            if slot.is_some() {
                return Err(super::strings_error(format!(
                    "{lang:?}: key {key:?} is given twice"
                )));
            }
            if text.trim().is_empty() {
                return Err(super::strings_error(format!(
                    "{lang:?}: key {key:?} is empty"
                )));
            }
            *slot = Some(text);
        }
        let mut out = Vec::with_capacity(by_key.len());
        for (i, t) in by_key.into_iter().enumerate() {
            match t {
                Some(t) => out.push(t),
                None => {
                    return Err(super::strings_error(format!(
                        "{lang:?}: key {:?} has no text",
                        Key::ALL[i]
                    )));
                }
            }
        }
        Ok(Strings { lang, by_key: out })
    }

    pub fn lang(&self) -> Lang {
        self.lang
    }

    /// The text of `key`. Indexing is safe: `new` filled one slot per key.
    pub fn get(&self, key: Key) -> &'static str {
        self.by_key[key as usize]
    }

    /// The text with `{t}` replaced by the suppression threshold.
    pub fn with_t(&self, key: Key, t: u64) -> String {
        self.get(key).replace("{t}", &t.to_string())
    }

    /// Thousands-grouped integer: 612.065 (de), 612,065 (en).
    pub fn int(&self, n: u64) -> String {
        let digits = n.to_string();
        let sep = match self.lang {
            Lang::De => '.',
            Lang::En => ',',
        };
        let mut out = String::with_capacity(digits.len() + digits.len() / 3);
        for (i, ch) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i).is_multiple_of(3) {
                out.push(sep);
            }
            out.push(ch);
        }
        out
    }

    /// Decimal with a fixed number of places and the language's decimal mark.
    pub fn dec(&self, x: f64, places: usize) -> String {
        // Avoid printing "-0.0" for tiny negative solver noise.
        let x = if x.abs() < 0.5 * 10f64.powi(-(places as i32)) {
            0.0
        } else {
            x
        };
        let s = format!("{x:.places$}");
        match self.lang {
            Lang::De => s.replace('.', ","),
            Lang::En => s,
        }
    }

    /// A fraction 0..=1 as percent: "11,0 %" (de, with narrow no-break space), "11.0%" (en).
    pub fn pct(&self, fraction: f64, places: usize) -> String {
        let n = self.dec(fraction * 100.0, places);
        match self.lang {
            Lang::De => format!("{n}\u{202f}%"),
            Lang::En => format!("{n}%"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_localised() {
        let de = Strings::new(Lang::De).map_err(|e| e.to_string());
        let en = Strings::new(Lang::En).map_err(|e| e.to_string());
        let (Ok(de), Ok(en)) = (de, en) else {
            panic!("tables incomplete")
        };
        assert_eq!(de.int(612065), "612.065");
        assert_eq!(en.int(612065), "612,065");
        assert_eq!(de.int(50), "50");
        assert_eq!(de.int(2000), "2.000");
        assert_eq!(de.pct(0.11, 1), "11,0\u{202f}%");
        assert_eq!(en.pct(0.11, 1), "11.0%");
        assert_eq!(en.dec(-0.0000001, 3), "0.000");
    }
}
