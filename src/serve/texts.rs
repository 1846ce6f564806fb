//! Every text of the workbench, German and English side by side (one line per text, so
//! that a translator sees both). Pages reach them as `t.<key>`; a key missing here is a
//! rendering error, which the tests catch for every page in both languages.

use std::collections::BTreeMap;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lang {
    De,
    En,
}

impl Lang {
    pub fn tag(self) -> &'static str {
        match self {
            Lang::De => "de",
            Lang::En => "en",
        }
    }

    pub fn parse(s: &str) -> Option<Lang> {
        match s {
            "de" => Some(Lang::De),
            "en" => Some(Lang::En),
            _ => None,
        }
    }
}

/// (key, German, English).
const TEXTS: &[(&str, &str, &str)] = &[
    ("app", "sortes · Werkbank", "sortes · workbench"),
    ("nav_process", "Verfahren", "Process"),
    ("nav_pool", "Rückmeldungen", "Replies"),
    ("nav_quotas", "Quoten", "Targets"),
    ("nav_selection", "Auswahl", "Selection"),
    ("nav_lottery", "Losziehung", "Lottery"),
    ("nav_replace", "Nachrücken", "Replacements"),
    ("nav_outputs", "Briefe & Bericht", "Letters & report"),
    (
        "personal",
        "Diese Seite zeigt personenbezogene Daten (Pseudonyme). Nicht weitergeben, nicht fotografieren.",
        "This page shows personal data (pseudonyms). Do not pass on or photograph.",
    ),
    (
        "lock_held",
        "Ein Schritt arbeitet gerade am Verfahren",
        "A step is working on the process",
    ),
    ("running", "läuft", "running"),
    ("done", "erledigt", "done"),
    ("failed", "fehlgeschlagen", "failed"),
    ("cancelled", "abgebrochen", "cancelled"),
    ("open", "offen", "open"),
    ("cancel", "Abbrechen", "Cancel"),
    ("step_running", "Schritt läuft", "Step running"),
    ("last_step", "Letzter Schritt", "Last step"),
    ("seconds", "Sekunden", "seconds"),
    ("command", "Befehl", "Command"),
    ("process_title", "Das Verfahren", "The process"),
    (
        "process_intro",
        "Jede Stufe, wie sie im Journal steht. Die Prüfsummen sind zu veröffentlichen; wer sie nachrechnet, sieht, dass niemand nachträglich etwas geändert hat.",
        "Every stage as the journal records it. Publish the hashes: whoever recomputes them sees that nothing was changed afterwards.",
    ),
    ("stage", "Stufe", "Stage"),
    ("state", "Stand", "State"),
    ("date", "Datum", "Date"),
    ("publish", "Zu veröffentlichen", "To publish"),
    ("next", "Als Nächstes", "Next"),
    ("verify", "Prüfen", "Verify"),
    (
        "verify_all",
        "Alle Prüfungen jetzt ausführen",
        "Run every check now",
    ),
    (
        "checks_passed",
        "alle Prüfungen bestanden",
        "all checks passed",
    ),
    ("checks_failed", "Prüfungen fehlgeschlagen", "checks failed"),
    (
        "no_journal",
        "Noch kein Journal: das Verfahren beginnt mit der Festlegung (sortes commit).",
        "No journal yet: the process starts with the commitment (sortes commit).",
    ),
    ("st_commit", "Festlegung", "Commitment"),
    ("st_draw", "Ziehung der Eingeladenen", "Draw of invitees"),
    ("st_invitations", "Einladungsbriefe", "Invitation letters"),
    ("st_replies", "Rückmeldungen", "Replies"),
    ("st_pool", "Pool", "Pool"),
    ("st_quotas", "Quoten", "Targets"),
    ("st_selection", "Auswahl", "Selection"),
    ("st_lottery", "Lotterie", "Lottery"),
    ("st_public_draw", "Öffentliche Ziehung", "Public draw"),
    ("st_replacements", "Nachrücken", "Replacements"),
    (
        "st_panel_letters",
        "Briefe nach der Ziehung",
        "Letters after the draw",
    ),
    ("st_report", "Bericht", "Report"),
    ("st_bundle", "Prüfpaket", "Audit bundle"),
    ("entry", "Journaleintrag", "Journal entry"),
    ("pool_title", "Rückmeldungen und Pool", "Replies and pool"),
    (
        "pool_intro",
        "Wer geantwortet hat, je Schicht und Merkmal (nur Zahlen).",
        "Who replied, per stratum and attribute (counts only).",
    ),
    (
        "no_intake",
        "Noch keine Rückmeldungen aufgenommen (sortes intake).",
        "No replies taken in yet (sortes intake).",
    ),
    ("invited", "eingeladen", "invited"),
    ("applied", "gemeldet", "applied"),
    ("rate", "Quote", "rate"),
    (
        "low_reply",
        "Diese Schicht antwortet deutlich seltener: eine zweite Welle (sortes commit --wave 2) kann sie stärken.",
        "This stratum replies much less often: a second wave (sortes commit --wave 2) can top it up.",
    ),
    ("rejects", "Abgewiesene Rückmeldungen", "Rejected replies"),
    (
        "rejects_link",
        "Liste der abgewiesenen Rückmeldungen (personenbezogen)",
        "List of rejected replies (personal)",
    ),
    ("reason", "Grund", "Reason"),
    ("count", "Anzahl", "Count"),
    ("quotas_title", "Quoten", "Targets"),
    (
        "quotas_intro",
        "Eine Zeile je Merkmalswert. Die Machbarkeit wird beim Tippen geprüft; Speichern schreibt die Quotendatei.",
        "One row per value. Feasibility is checked as you type; saving writes the quota file.",
    ),
    ("category", "Merkmal", "Category"),
    ("value", "Wert", "Value"),
    ("in_pool", "im Pool", "in pool"),
    ("share_k", "% von k", "% of k"),
    ("save", "Speichern", "Save"),
    ("population", "Bevölkerung", "Population"),
    (
        "population_help",
        "Anteil an den wahlberechtigten Einwohnerinnen und Einwohnern laut Melderegister",
        "Share of the eligible residents in the population register",
    ),
    (
        "population_not_in_register",
        "Das Melderegister kennt dieses Merkmal nicht",
        "The population register does not hold this category",
    ),
    (
        "population_unknown",
        "Bevölkerungsanteile fehlen",
        "Population shares missing",
    ),
    (
        "apply_proposal",
        "Kleinste Änderung übernehmen",
        "Apply the smallest change",
    ),
    (
        "quotas_used",
        "Die Auswahl hat diese Quotendatei verwendet, SHA-256",
        "The selection used this quota file, SHA-256",
    ),
    (
        "quotas_changed",
        "Die Quotendatei wurde seit der Auswahl geändert; die Auswahl verwendete SHA-256",
        "The quota file changed since the selection; the selection used SHA-256",
    ),
    (
        "quotas_reselect",
        "Die Auswahl wird danach neu berechnet (die bisherige bleibt im Journal)",
        "The selection will be run again afterwards (the earlier one stays in the journal)",
    ),
    (
        "quotas_fixed",
        "Die Lotterie ist festgelegt; Ziehung und Nachrücken behalten ihre Quoten. Quotendatei SHA-256",
        "The lottery has been built; the draw and the replacements keep its quotas. Quota file SHA-256",
    ),
    ("feasible", "machbar", "feasible"),
    ("infeasible", "nicht machbar", "infeasible"),
    ("checking", "wird geprüft …", "checking …"),
    ("saved", "Gespeichert", "Saved"),
    (
        "no_quotas",
        "Keine Quotendatei im Verfahren ([selection] quotas).",
        "No quota file in the process ([selection] quotas).",
    ),
    ("selection_title", "Auswahl", "Selection"),
    (
        "selection_intro",
        "Berechnet, mit welcher Wahrscheinlichkeit jede Person in das Gremium kommt, so dass jede Quote eingehalten wird.",
        "Computes each person's chance of joining the panel such that every quota holds.",
    ),
    ("algorithm", "Verfahren", "Algorithm"),
    (
        "alg_leximin",
        "LEXIMIN: niemandes Chance zu klein",
        "LEXIMIN: nobody's chance too small",
    ),
    (
        "alg_goldilocks",
        "Goldilocks: niemandes Chance zu klein oder zu groß",
        "Goldilocks: nobody's chance too small or too large",
    ),
    (
        "alg_maximin",
        "Maximin: nur die kleinste Chance",
        "Maximin: the smallest chance only",
    ),
    (
        "alg_legacy",
        "Legacy: das bisherige Verfahren (zum Vergleich)",
        "Legacy: the old method (for comparison)",
    ),
    (
        "compare",
        "Alle Verfahren vergleichen",
        "Compare all algorithms",
    ),
    (
        "replace_existing",
        "Vorhandene Auswahl ersetzen",
        "Replace the existing selection",
    ),
    ("start", "Starten", "Start"),
    (
        "min_prob",
        "kleinste Wahrscheinlichkeit",
        "minimum probability",
    ),
    (
        "max_prob",
        "größte Wahrscheinlichkeit",
        "maximum probability",
    ),
    ("applicants", "Bewerbungen", "applicants"),
    (
        "panels",
        "Gremien in der Verteilung",
        "panels in the distribution",
    ),
    (
        "certificate",
        "Zertifikat (Abstand zum Optimum höchstens)",
        "Certificate (distance from the optimum at most)",
    ),
    (
        "curve",
        "Auswahlwahrscheinlichkeit, aufsteigend",
        "Selection probability, ascending",
    ),
    (
        "quota_table",
        "Quoten und erwartete Sitze",
        "Quotas and expected seats",
    ),
    (
        "comparison",
        "Vergleich der Verfahren",
        "Comparison of algorithms",
    ),
    ("no_selection", "Noch keine Auswahl.", "No selection yet."),
    ("progress", "Fortschritt", "Progress"),
    ("lottery_title", "Öffentliche Losziehung", "Public lottery"),
    (
        "lottery_intro",
        "Die Auswahl wird zu m nummerierten Gremien gerundet; die Liste wird vor der Ziehung veröffentlicht, dann entscheidet eine öffentlich gezogene Zahl.",
        "The selection is rounded to m numbered panels; the list is published before the draw, then a number drawn in public decides.",
    ),
    (
        "m",
        "Anzahl nummerierter Gremien (m)",
        "Number of numbered panels (m)",
    ),
    (
        "seed_source",
        "Quelle der Zufallszahl",
        "Source of the random number",
    ),
    (
        "seed_form",
        "Form der Zufallszahl",
        "Form of the random number",
    ),
    ("build", "Lotterie bilden", "Build the lottery"),
    (
        "rebuild",
        "Lotterie neu bilden (ersetzt die nicht veröffentlichte)",
        "Build again (replaces the unpublished one)",
    ),
    (
        "commitment",
        "Festlegung (vor der Ziehung veröffentlichen)",
        "Commitment (publish before the draw)",
    ),
    (
        "lottery_hash",
        "SHA-256 der Lotterie-Datei",
        "SHA-256 of the lottery file",
    ),
    ("journal_head", "Journal-Kopf", "Journal head"),
    (
        "deviation",
        "größte Abweichung einer Wahrscheinlichkeit",
        "largest change of a probability",
    ),
    (
        "ceremony",
        "Ansicht für die Ziehung (Beamer)",
        "Ceremony view (projector)",
    ),
    ("number", "Gezogene Zahl", "Number drawn"),
    ("number_again", "Zahl noch einmal", "Number again"),
    (
        "numbers_differ",
        "Die beiden Zahlen stimmen nicht überein; nichts wurde gezogen.",
        "The two numbers differ; nothing was drawn.",
    ),
    ("draw", "Gremium ziehen", "Draw the panel"),
    ("panel", "Gremium", "Panel"),
    ("reserve", "Nachrückliste", "Reserve order"),
    ("seat", "Sitz", "Seat"),
    ("no_lottery", "Noch keine Lotterie.", "No lottery yet."),
    ("replace_title", "Nachrücken", "Replacements"),
    (
        "replace_intro",
        "Wer ausscheidet, wird aus der veröffentlichten Nachrückliste ersetzt, so dass jede Quote hält. Erst ansehen, dann bestätigen.",
        "Whoever drops out is replaced from the published reserve order so that every quota holds. Look first, then confirm.",
    ),
    ("dropped", "scheidet aus", "drops out"),
    ("unavailable", "nicht verfügbar", "unavailable"),
    ("preview", "Vorschau", "Preview"),
    ("leaving", "Es scheiden aus", "Leaving"),
    ("reserve_place", "Platz", "place"),
    (
        "replace_why",
        "Warum: Es rückt nach, wer in der veröffentlichten Nachrückliste zuerst steht und mit wem jede Quote und die Haushaltsregel eingehalten bleiben. Wer davor steht, ist schon nachgerückt, nicht verfügbar oder würde eine Quote verletzen. Niemand wählt aus; die Reihenfolge stand mit der Losziehung fest.",
        "Why: the replacement is whoever comes first in the published reserve order with whom every quota and the household rule still hold. Those before have already moved up, are unavailable or would break a quota. Nobody chooses; the order was fixed by the public draw.",
    ),
    ("letters", "Briefe", "letters"),
    ("page", "Seite", "Page"),
    ("would_replace", "Es rücken nach", "Would replace them"),
    ("confirm", "Bestätigen", "Confirm"),
    (
        "no_draw",
        "Noch keine öffentliche Ziehung.",
        "No public draw yet.",
    ),
    (
        "outputs_title",
        "Briefe, Bericht, Prüfpaket",
        "Letters, report, audit bundle",
    ),
    (
        "outputs_intro",
        "Erzeugen und herunterladen. Jede Datei wird vor dem Herunterladen gegen ihre Prüfsumme im Journal geprüft.",
        "Generate and download. Every file is checked against its hash in the journal before download.",
    ),
    (
        "gen_invitations",
        "Einladungsbriefe (Welle 1)",
        "Invitation letters (wave 1)",
    ),
    (
        "gen_panel_letters",
        "Briefe nach der Ziehung",
        "Letters after the draw",
    ),
    ("gen_report", "Bericht", "Report"),
    (
        "gen_bundle",
        "Prüfpaket (öffentlich)",
        "Audit bundle (public)",
    ),
    (
        "replace_files",
        "Vorhandene Dateien ersetzen",
        "Replace existing files",
    ),
    ("generate", "Erzeugen", "Generate"),
    ("downloads", "Dateien", "Files"),
    ("file", "Datei", "File"),
    ("private_file", "personenbezogen", "personal"),
    ("bundle_zip", "Prüfpaket als ZIP", "Audit bundle as ZIP"),
    ("error", "Fehler", "Error"),
];

/// The texts of `lang` by key.
pub fn table(lang: Lang) -> BTreeMap<&'static str, &'static str> {
    TEXTS
        .iter()
        .map(|&(k, de, en)| (k, if lang == Lang::De { de } else { en }))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_unique_and_texts_non_empty() {
        let mut seen = std::collections::BTreeSet::new();
        for (k, de, en) in TEXTS {
            assert!(seen.insert(k), "{k} twice");
            assert!(!de.trim().is_empty() && !en.trim().is_empty(), "{k} empty");
        }
    }
}
