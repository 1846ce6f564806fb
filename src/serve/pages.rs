//! The workbench's pages and actions. Pages read the process folder and its journal;
//! actions that change the process start the CLI command (see `jobs`); read-only checks
//! call the library.

use super::App;
use super::guard::{self, Session};
use super::texts::{self, Lang};
use crate::base::journal::{Body, Entry, Journal};
use crate::base::process::Process;
use crate::base::run::Run;
use axum::Router;
use axum::extract::{Form, Path as UrlPath, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Json, Redirect, Response};
use axum::routing::{get, post};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::sync::{Arc, OnceLock};

type AppState = State<Arc<App>>;

pub fn router(app: Arc<App>) -> Router {
    Router::new()
        .route("/", get(process_page))
        .route("/verify", post(verify_action))
        .route("/pool", get(pool_page))
        .route("/pool/rejects", get(rejects_page))
        .route("/quotas", get(quotas_page))
        .route("/quotas/check", post(quotas_check))
        .route("/quotas/save", post(quotas_save))
        .route("/selection", get(selection_page))
        .route("/selection/start", post(selection_start))
        .route("/job", get(job_status))
        .route("/job/cancel", post(job_cancel))
        .route("/lottery", get(lottery_page))
        .route("/lottery/build", post(lottery_build))
        .route("/lottery/ceremony", get(ceremony_page))
        .route("/lottery/draw", post(lottery_draw))
        .route("/replace", get(replace_page))
        .route("/replace/preview", post(replace_preview))
        .route("/replace/confirm", post(replace_confirm))
        .route("/outputs", get(outputs_page))
        .route("/outputs/generate", post(outputs_generate))
        .route("/download/{seq}/{name}", get(download))
        .route("/preview/{seq}/{name}/{page}", get(preview))
        .route("/download/audit-bundle.zip", get(bundle_zip))
        .route("/lang/{lang}", get(set_lang))
        .route("/static/app.js", get(app_js))
        .route("/static/style.css", get(style_css))
        .layer(axum::middleware::from_fn_with_state(
            app.clone(),
            guard::check,
        ))
        .with_state(app)
}

// ---- rendering ----

fn templates() -> &'static tera::Tera {
    static T: OnceLock<tera::Tera> = OnceLock::new();
    T.get_or_init(|| {
        let mut t = tera::Tera::default();
        t.autoescape_on(vec![".html"]);
        // The templates are part of the binary; a syntax error is caught by the tests
        // (`templates_parse`), and shown on every page instead of a blank one.
        if let Err(e) = t.add_raw_templates(TEMPLATES.to_vec()) {
            TEMPLATE_ERROR.get_or_init(|| error_chain(&e));
        }
        t
    })
}

static TEMPLATE_ERROR: OnceLock<String> = OnceLock::new();

fn error_chain(e: &dyn std::error::Error) -> String {
    let mut msg = e.to_string();
    let mut src = e.source();
    while let Some(s) = src {
        msg.push_str(": ");
        msg.push_str(&s.to_string());
        src = s.source();
    }
    msg
}

const TEMPLATES: [(&str, &str); 10] = [
    ("base.html", include_str!("templates/base.html")),
    ("process.html", include_str!("templates/process.html")),
    ("pool.html", include_str!("templates/pool.html")),
    ("rejects.html", include_str!("templates/rejects.html")),
    ("quotas.html", include_str!("templates/quotas.html")),
    ("selection.html", include_str!("templates/selection.html")),
    ("lottery.html", include_str!("templates/lottery.html")),
    ("ceremony.html", include_str!("templates/ceremony.html")),
    ("replace.html", include_str!("templates/replace.html")),
    ("outputs.html", include_str!("templates/outputs.html")),
];

/// The context every page has: texts, language, CSRF token, the lock holder and the
/// step the workbench runs.
fn base(app: &App, s: &Session, page: &str) -> tera::Context {
    let mut c = tera::Context::new();
    c.insert("t", &texts::table(s.lang));
    c.insert("lang", s.lang.tag());
    c.insert("csrf", &s.csrf);
    c.insert("page", page);
    c.insert("personal", &false);
    c.insert("ceremony", &false);
    c.insert("error", &None::<String>);
    if let Ok(p) = Process::load(&app.process) {
        c.insert("lock", &crate::base::journal::lock::holder(&p.out_dir()));
    } else {
        c.insert("lock", &None::<String>);
    }
    c.insert("job", &app.jobs.status());
    c
}

fn render(name: &str, c: &tera::Context) -> Response {
    let t = templates();
    if let Some(e) = TEMPLATE_ERROR.get() {
        return (StatusCode::INTERNAL_SERVER_ERROR, format!("templates: {e}")).into_response();
    }
    match t.render(name, c) {
        Ok(html) => Html(html).into_response(),
        Err(e) => (
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("page {name}: {}", error_chain(&e)),
        )
            .into_response(),
    }
}

/// The session of a request (the guard has let it through, so it exists).
fn session(app: &App, headers: &HeaderMap) -> Session {
    app.guard
        .session(headers)
        .map(|(_, s)| s)
        .unwrap_or(Session {
            csrf: String::new(),
            lang: Lang::De,
        })
}

/// The process and its journal (None before the first step).
fn open(app: &App) -> crate::base::error::Result<(Process, Option<Run>)> {
    let p = Process::load(&app.process)?;
    let run = run_of(&p)?;
    Ok((p, run))
}

/// The process's journal (None before the first step).
fn run_of(p: &Process) -> crate::base::error::Result<Option<Run>> {
    let layout = p.layout();
    if layout.journal.exists() {
        Ok(Some(Run::open(layout)?))
    } else {
        Ok(None)
    }
}

fn error_page(app: &App, s: &Session, page: &str, e: &dyn std::fmt::Display) -> Response {
    let mut c = base(app, s, page);
    c.insert("error", &Some(e.to_string()));
    render("base.html", &c)
}

/// Starts a CLI command for `page` and returns to it.
fn start(app: &App, s: &Session, page: &str, args: Vec<String>) -> Response {
    match app.jobs.start(&app.exe, args, page) {
        Ok(_) => Redirect::to(&format!("/{page}")).into_response(),
        Err(e) => error_page(app, s, page, &e),
    }
}

fn process_arg(app: &App) -> Vec<String> {
    vec!["-p".into(), app.process.to_string_lossy().into_owned()]
}

// ---- 1. the process ----

#[derive(Serialize)]
struct Stage {
    key: &'static str,
    done: bool,
    date: String,
    entry: Option<u64>,
    hashes: Vec<(String, String)>,
    next: String,
}

/// The stage of a journaled step: its latest entry (`None`: not yet, then `next` says
/// the command), the entry hash and `extra` hashes to publish.
fn journal_stage(
    key: &'static str,
    e: Option<&Entry>,
    extra: Vec<(String, String)>,
    next: &str,
) -> Stage {
    let mut hashes: Vec<(String, String)> = e
        .map(|e| ("entry".to_string(), e.entry_hash.to_string()))
        .into_iter()
        .collect();
    hashes.extend(extra);
    Stage {
        key,
        done: e.is_some(),
        date: e.map(|e| e.time.clone()).unwrap_or_default(),
        entry: e.map(|e| e.seq),
        hashes,
        next: if e.is_some() {
            String::new()
        } else {
            next.to_string()
        },
    }
}

fn stages(p: &Process, j: Option<&Journal>) -> Vec<Stage> {
    let last = |f: &dyn Fn(&Body) -> bool| -> Option<&Entry> {
        j.and_then(|j| j.entries().iter().rev().find(|e| f(&e.body)))
    };
    let mut out = Vec::new();
    let commit = last(&|b| matches!(b, Body::Commit(_)));
    let extra = match commit.map(|e| &e.body) {
        Some(Body::Commit(c)) => vec![("eligible".into(), c.eligible_sha256.to_string())],
        _ => vec![],
    };
    out.push(journal_stage("st_commit", commit, extra, "sortes commit"));
    out.push(journal_stage(
        "st_draw",
        last(&|b| matches!(b, Body::Draw(_))),
        vec![],
        "sortes draw",
    ));
    out.push(journal_stage(
        "st_invitations",
        last(&|b| matches!(b, Body::Letters(l) if l.kind == "invitation")),
        vec![],
        "sortes letters invitations",
    ));
    let intake = last(&|b| matches!(b, Body::Intake(_)));
    out.push(journal_stage("st_replies", intake, vec![], "sortes intake"));
    let pool_hash = intake
        .and_then(|e| e.output("pool").ok())
        .map(|r| vec![("pool".to_string(), r.sha256.to_string())])
        .unwrap_or_default();
    out.push(journal_stage("st_pool", intake, pool_hash, "sortes intake"));
    // The quota file is an input, not a journaled step: its hash as it is now.
    let quotas = p
        .file
        .selection
        .as_ref()
        .map(|s| p.resolve(&s.quotas))
        .filter(|q| q.is_file());
    out.push(Stage {
        key: "st_quotas",
        done: quotas.is_some(),
        date: String::new(),
        entry: None,
        hashes: quotas
            .and_then(|q| crate::base::fsio::sha256_file(q.as_path()).ok())
            .map(|h| vec![("quotas".to_string(), h.to_string())])
            .unwrap_or_default(),
        next: if p.file.selection.is_some() {
            String::new()
        } else {
            "[selection] quotas".into()
        },
    });
    out.push(journal_stage(
        "st_selection",
        last(&|b| matches!(b, Body::Select(_))),
        vec![],
        "sortes select",
    ));
    let lottery = last(&|b| matches!(b, Body::Lottery(_)));
    let extra = match lottery.map(|e| &e.body) {
        Some(Body::Lottery(l)) => vec![("lottery".into(), l.lottery_sha256.to_string())],
        _ => vec![],
    };
    out.push(journal_stage(
        "st_lottery",
        lottery,
        extra,
        "sortes lottery build",
    ));
    let draw = last(&|b| matches!(b, Body::LotteryDraw(_)));
    out.push(journal_stage(
        "st_public_draw",
        draw,
        vec![],
        "sortes lottery draw",
    ));
    let replace = last(&|b| matches!(b, Body::Replace(_)));
    out.push(journal_stage(
        "st_replacements",
        replace,
        vec![],
        "sortes replace",
    ));
    let letters = last(&|b| matches!(b, Body::Letters(l) if l.kind != "invitation"));
    out.push(journal_stage(
        "st_panel_letters",
        letters,
        vec![],
        "sortes letters panel",
    ));
    let report = last(&|b| matches!(b, Body::Report(_)));
    out.push(journal_stage("st_report", report, vec![], "sortes report"));
    let bundle = p.out_dir().join("audit-bundle");
    out.push(Stage {
        key: "st_bundle",
        done: bundle.join("journal.jsonl").is_file(),
        date: String::new(),
        entry: None,
        hashes: vec![],
        next: "sortes audit-bundle".into(),
    });
    out
}

async fn process_page(State(app): AppState, headers: HeaderMap) -> Response {
    let s = session(&app, &headers);
    process_with(&app, &s, None)
}

#[derive(Serialize)]
struct CheckRow {
    ok: bool,
    label: String,
    name: String,
    detail: String,
}

fn process_with(app: &App, s: &Session, checks: Option<Vec<CheckRow>>) -> Response {
    let mut c = base(app, s, "process");
    match open(app) {
        Ok((p, run)) => {
            c.insert("stages", &stages(&p, run.as_ref().map(|r| r.journal())));
            c.insert("has_journal", &run.is_some());
        }
        Err(e) => return error_page(app, s, "process", &e),
    }
    let failed = checks
        .as_ref()
        .map(|cs| cs.iter().filter(|c| !c.ok).count());
    c.insert("checks", &checks);
    c.insert("failed", &failed);
    render("process.html", &c)
}

async fn verify_action(State(app): AppState, headers: HeaderMap) -> Response {
    let s = session(&app, &headers);
    let a = app.clone();
    let checks = tokio::task::spawn_blocking(move || {
        Process::load(&a.process).map(|p| crate::verify::verify(&p, &Default::default()))
    })
    .await;
    match checks {
        Ok(Ok(cs)) => {
            let rows = cs
                .iter()
                .map(|c| CheckRow {
                    ok: c.ok(),
                    label: c.status.label().to_string(),
                    name: c.name.clone(),
                    detail: c.detail.clone(),
                })
                .collect();
            process_with(&app, &s, Some(rows))
        }
        Ok(Err(e)) => error_page(&app, &s, "process", &e),
        Err(e) => error_page(&app, &s, "process", &e),
    }
}

// ---- 2. replies and pool ----

#[derive(Serialize)]
struct SummaryRow {
    section: String,
    attribute: String,
    value: String,
    invited: String,
    applied: String,
    rate: String,
    note: String,
    low: bool,
}

/// Reads a small public CSV (headers and rows).
fn read_csv(path: &std::path::Path) -> Option<(Vec<String>, Vec<Vec<String>>)> {
    let bytes = std::fs::read(path).ok()?;
    let mut r = csv::ReaderBuilder::new().from_reader(bytes.as_slice());
    let headers = r.headers().ok()?.iter().map(str::to_string).collect();
    let rows = r
        .records()
        .filter_map(|x| x.ok())
        .map(|x| x.iter().map(str::to_string).collect())
        .collect();
    Some((headers, rows))
}

async fn pool_page(State(app): AppState, headers: HeaderMap) -> Response {
    let s = session(&app, &headers);
    let mut c = base(&app, &s, "pool");
    let p = match Process::load(&app.process) {
        Ok(p) => p,
        Err(e) => return error_page(&app, &s, "pool", &e),
    };
    let summary = read_csv(&p.layout().intake_summary());
    let mut rows = Vec::new();
    if let Some((h, data)) = &summary {
        let col = |name: &str| h.iter().position(|x| x == name);
        let get = |r: &Vec<String>, name: &str| {
            col(name)
                .and_then(|i| r.get(i))
                .cloned()
                .unwrap_or_default()
        };
        let total_rate: f64 = data
            .iter()
            .find(|r| get(r, "section") == "total")
            .and_then(|r| get(r, "rate_percent").parse().ok())
            .unwrap_or(0.0);
        for r in data {
            let rate: Option<f64> = get(r, "rate_percent").parse().ok();
            let section = get(r, "section");
            rows.push(SummaryRow {
                low: section == "stratum" && rate.is_some_and(|x| x < 0.6 * total_rate),
                attribute: get(r, "attribute"),
                value: get(r, "value"),
                invited: get(r, "invited"),
                applied: get(r, "applied"),
                rate: get(r, "rate_percent"),
                note: get(r, "note"),
                section,
            });
        }
    }
    c.insert("has_summary", &summary.is_some());
    c.insert("rows", &rows);
    render("pool.html", &c)
}

async fn rejects_page(State(app): AppState, headers: HeaderMap) -> Response {
    let s = session(&app, &headers);
    let mut c = base(&app, &s, "pool");
    c.insert("personal", &true);
    let p = match Process::load(&app.process) {
        Ok(p) => p,
        Err(e) => return error_page(&app, &s, "pool", &e),
    };
    let (h, rows) = read_csv(&p.layout().intake_rejects()).unwrap_or_default();
    c.insert("headers", &h);
    c.insert("rows", &rows);
    render("rejects.html", &c)
}

// ---- 3. targets (quotas) ----

#[derive(Serialize, Deserialize, Clone)]
struct QuotaEdit {
    category: String,
    value: String,
    min: u32,
    max: u32,
    #[serde(default)]
    min_flex: Option<u32>,
    #[serde(default)]
    max_flex: Option<u32>,
    #[serde(default)]
    pool: u64,
    /// Share of the eligible population in percent (one decimal), where the register
    /// knows the category.
    #[serde(default)]
    population: Option<String>,
}

/// The process file's `[selection]` table.
fn selection_table(
    p: &Process,
) -> crate::base::error::Result<&crate::base::process::SelectionConfig> {
    p.file.selection.as_ref().ok_or_else(|| {
        crate::base::error::Error::refused("the process file has no [selection] table")
    })
}

/// The quota file as the page shows it.
struct QuotaFileRows {
    path: std::path::PathBuf,
    /// SHA-256 of the bytes the rows were read from.
    sha256: String,
    /// One per value, pool counts not filled in.
    rows: Vec<QuotaEdit>,
    k: usize,
}

/// The quota file, read once: its rows, their bytes' hash and k.
fn quota_rows(p: &Process) -> crate::base::error::Result<QuotaFileRows> {
    let sel = selection_table(p)?;
    let path = p.resolve(&sel.quotas);
    let bytes = crate::base::fsio::read(&path)?;
    let qf = crate::quotas::parse_quota_file(&path, &bytes)?;
    let mut rows = Vec::new();
    for cat in &qf.categories {
        for v in &cat.values {
            rows.push(QuotaEdit {
                category: cat.name.clone(),
                value: v.value.clone(),
                min: v.min,
                max: v.max,
                min_flex: v.min_flex,
                max_flex: v.max_flex,
                pool: 0,
                population: None,
            });
        }
    }
    Ok(QuotaFileRows {
        path,
        sha256: crate::base::fsio::Sha256::of(&bytes).to_string(),
        rows,
        k: sel.k,
    })
}

/// Eligible residents per register category value, read once per register file (its
/// size and time stamp) and kept for the server's life: reading a city's register takes
/// seconds. `Err` says why there is none (no register here, or it cannot be read).
fn population(
    app: &App,
    p: &Process,
    journal: Option<&Journal>,
) -> Result<Option<super::PopulationCounts>, String> {
    let path = p.register_path();
    let meta = std::fs::metadata(&path).map_err(|_| {
        "the register extract is not on this computer (population shares need it)".to_string()
    })?;
    let key = (path, meta.len(), meta.modified().ok());
    let mut cache = app
        .population
        .lock()
        .map_err(|_| "population cache poisoned".to_string())?;
    if let Some((k, counts)) = cache.as_ref()
        && *k == key
    {
        return Ok(counts.clone());
    }
    let committed = journal
        .and_then(|j| j.last::<crate::base::journal::entry::Commit>())
        .map(|(_, c)| c);
    // All register categories at once: the cache then serves a category added later.
    let all: Vec<String> = crate::quotas::REGISTER_CATEGORIES
        .iter()
        .map(|c| c.to_string())
        .collect();
    let counts = crate::quotas::population_counts(p, &all, committed)
        .map_err(|e| e.to_string())?
        .map(Arc::new);
    *cache = Some((key, counts.clone()));
    Ok(counts)
}

/// Fills each row's population share (percent of the eligible residents, one decimal).
fn with_population(rows: &mut [QuotaEdit], counts: &BTreeMap<String, BTreeMap<String, u64>>) {
    for r in rows {
        if let Some(values) = counts.get(&r.category) {
            let total: u64 = values.values().sum();
            // A value the register does not have stays unknown rather than 0.
            let Some(&n) = values.get(&r.value) else {
                continue;
            };
            if total > 0 {
                // Integer arithmetic, rounded half up, for one decimal.
                let tenths = (n * 2000 + total) / (2 * total);
                r.population = Some(format!("{}.{}", tenths / 10, tenths % 10));
            }
        }
    }
}

/// Fills each row's count of applicants in the pool (aggregates only).
fn with_pool_counts(p: &Process, rows: &mut [QuotaEdit]) {
    let mut counts: BTreeMap<(&str, &str), u64> = BTreeMap::new();
    let Some((h, pool)) = read_csv(&p.layout().pool()) else {
        return;
    };
    for r in &pool {
        for (name, v) in h.iter().zip(r) {
            *counts.entry((name, v)).or_insert(0) += 1;
        }
    }
    for row in rows {
        row.pool = counts
            .get(&(row.category.as_str(), row.value.as_str()))
            .copied()
            .unwrap_or(0);
    }
}

fn quota_text(rows: &[QuotaEdit]) -> String {
    let mut s = String::from("category,value,min,max,min_flex,max_flex\n");
    for r in rows {
        let flex = |x: Option<u32>| x.map(|v| v.to_string()).unwrap_or_default();
        s.push_str(&format!(
            "{},{},{},{},{},{}\n",
            crate::base::text::csv_field(&r.category),
            crate::base::text::csv_field(&r.value),
            r.min,
            r.max,
            flex(r.min_flex),
            flex(r.max_flex)
        ));
    }
    s
}

/// What the latest selection and the lottery used, for saving a changed quota file.
#[derive(Serialize, Default)]
struct QuotaUse {
    /// SHA-256 of the quota file the latest selection read — or, once a lottery is
    /// built, the one the lottery recorded.
    selected_with: Option<String>,
    /// Whether the lottery has been built (then the quotas are fixed: the draw and the
    /// replacements during the year check the file against the lottery's hash).
    drawn: bool,
}

/// The quota file's use from the journal.
fn quota_use_of(journal: Option<&Journal>) -> QuotaUse {
    use crate::base::journal::entry::{LotteryBuild, Select};
    let Some(j) = journal else {
        return QuotaUse::default();
    };
    match j.last::<LotteryBuild>() {
        Some((_, l)) => QuotaUse {
            selected_with: Some(l.quotas_sha256.to_string()),
            drawn: true,
        },
        None => QuotaUse {
            selected_with: j.last::<Select>().map(|(_, s)| s.quotas_sha256.to_string()),
            drawn: false,
        },
    }
}

async fn quotas_page(State(app): AppState, headers: HeaderMap) -> Response {
    let s = session(&app, &headers);
    let a = app.clone();
    let r = tokio::task::spawn_blocking(move || quotas_context(&a)).await;
    let mut c = base(&app, &s, "quotas");
    match r {
        Ok(Ok(extra)) => c.extend(extra),
        Ok(Err(e)) => return error_page(&app, &s, "quotas", &e),
        Err(e) => return error_page(&app, &s, "quotas", &e),
    }
    render("quotas.html", &c)
}

fn quotas_context(app: &App) -> crate::base::error::Result<tera::Context> {
    let (p, run) = open(app)?;
    let journal = run.as_ref().map(Run::journal);
    let mut c = tera::Context::new();
    match quota_rows(&p) {
        Ok(QuotaFileRows {
            path,
            sha256,
            mut rows,
            k,
        }) => {
            with_pool_counts(&p, &mut rows);
            match population(app, &p, journal) {
                Ok(Some(counts)) => {
                    with_population(&mut rows, &counts);
                    c.insert("population_note", &None::<String>);
                }
                Ok(None) => c.insert("population_note", &None::<String>),
                Err(why) => c.insert("population_note", &Some(why)),
            }
            let verdict = feasibility(&p, &rows, k);
            let quota_use = quota_use_of(journal);
            let current = Some(sha256);
            c.insert(
                "changed_since_selection",
                &(quota_use.selected_with.is_some() && quota_use.selected_with != current),
            );
            c.insert("quota_use", &quota_use);
            c.insert("file_sha256", &current);
            c.insert("rows", &rows);
            c.insert("k", &k);
            c.insert(
                "file",
                &path.file_name().map(|f| f.to_string_lossy().into_owned()),
            );
            // Tera has no JSON filter: the page's script reads these from attributes.
            c.insert(
                "proposal_json",
                &serde_json::to_string(&verdict.proposal).unwrap_or_else(|_| "[]".into()),
            );
            c.insert(
                "fault_json",
                &serde_json::to_string(&verdict.fault).unwrap_or_else(|_| "[]".into()),
            );
            c.insert("verdict", &verdict);
        }
        Err(e) => {
            c.insert("rows", &Vec::<QuotaEdit>::new());
            c.insert("k", &0);
            c.insert("file", &None::<String>);
            c.insert("population_note", &None::<String>);
            c.insert("changed_since_selection", &false);
            c.insert("quota_use", &QuotaUse::default());
            c.insert("file_sha256", &None::<String>);
            c.insert("proposal_json", "[]");
            c.insert("fault_json", "[]");
            c.insert("verdict", &Verdict::message(false, e.to_string()));
        }
    }
    Ok(c)
}

/// One row's new bounds in a proposed relaxation (`row` indexes the page's rows).
#[derive(Serialize, Clone, Debug, PartialEq)]
struct Proposed {
    row: usize,
    min: u32,
    max: u32,
}

#[derive(Serialize)]
struct Verdict {
    ok: bool,
    message: String,
    /// The rows whose values cause the conflict (the page marks them).
    fault: Vec<usize>,
    /// The smallest change that makes the quotas feasible, applicable in one click;
    /// empty when there is none (or nothing to change).
    proposal: Vec<Proposed>,
}

impl Verdict {
    fn message(ok: bool, message: String) -> Verdict {
        Verdict {
            ok,
            message,
            fault: Vec::new(),
            proposal: Vec::new(),
        }
    }
}

/// The CLI's `quotas check` on edited rows: consistent with k, then feasible with the pool.
/// Where it fails, the rows at fault and the smallest change: for a category whose
/// minimums (maximums) do not fit k, the rule of `quotas::propose_for_k`; for a conflict
/// with the pool, the selection's relaxation ILP.
fn feasibility(p: &Process, rows: &[QuotaEdit], k: usize) -> Verdict {
    let text = quota_text(rows);
    let path = std::path::Path::new("quotas (edited)");
    let row_of = |category: &str, value: &str| {
        rows.iter()
            .position(|r| r.category == category && r.value == value)
    };
    let r = (|| {
        let qf = match crate::quotas::parse_quota_file(path, text.as_bytes()) {
            Ok(qf) => qf,
            Err(e) => {
                // A bad row (say min above max) is marked at its line: the edited file
                // has a header line, then one line per row in page order.
                let mut v = Verdict::message(false, e.to_string());
                v.fault = e
                    .location()
                    .line
                    .and_then(|l| usize::try_from(l).ok()?.checked_sub(2))
                    .filter(|&r| r < rows.len())
                    .into_iter()
                    .collect();
                return Ok(v);
            }
        };
        if let Err(e) = crate::quotas::check_against_k(&qf, k, path) {
            // The first category that does not fit k is the one the message names.
            let mut v = Verdict::message(false, e.to_string());
            if let Some(c) = qf.categories.iter().find(|c| !crate::quotas::fits_k(c, k)) {
                v.fault = c
                    .values
                    .iter()
                    .filter_map(|x| row_of(&c.name, &x.value))
                    .collect();
                if let Some((min, max)) = crate::quotas::bounds_for_k(c, k) {
                    for (i, x) in c.values.iter().enumerate() {
                        if (min[i], max[i]) != (x.min, x.max)
                            && let Some(row) = row_of(&c.name, &x.value)
                        {
                            v.proposal.push(Proposed {
                                row,
                                min: min[i],
                                max: max[i],
                            });
                        }
                    }
                }
            }
            return Ok(v);
        }
        let sel = selection_table(p)?;
        let pool_path = p.layout().pool();
        if !pool_path.is_file() {
            return Ok(Verdict::message(
                true,
                format!("consistent with k = {k}; no pool yet to check against"),
            ));
        }
        let pool = crate::quotas::read_pool(
            &pool_path,
            crate::intake::files::POOL_ID,
            sel.household_rule
                .then_some(crate::intake::files::POOL_HOUSEHOLD),
        )?;
        let inst = crate::select::instance::build(&qf, k, &pool)?;
        Ok::<_, crate::base::error::Error>(
            match crate::select::feasibility_within_flex(
                &inst,
                &crate::select::instance::flex(&qf, &inst),
            ) {
                Ok(()) => Verdict::message(
                    true,
                    format!(
                        "feasible: at least one panel of {k} from the {} applicants meets every quota",
                        pool.ids.len()
                    ),
                ),
                Err(inf) => {
                    let mut v = Verdict::message(false, inf.to_string());
                    for ch in inf.relaxation.iter().flatten() {
                        if let Some(row) = row_of(&ch.category, &ch.value) {
                            v.fault.push(row);
                            v.proposal.push(Proposed {
                                row,
                                min: ch.new_min,
                                max: ch.new_max,
                            });
                        }
                    }
                    v
                }
            },
        )
    })();
    r.unwrap_or_else(|e| Verdict::message(false, e.to_string()))
}

#[derive(Deserialize)]
struct QuotaRows {
    rows: Vec<QuotaEdit>,
}

async fn quotas_check(State(app): AppState, Json(q): Json<QuotaRows>) -> Response {
    let a = app.clone();
    let v = tokio::task::spawn_blocking(move || {
        let p = Process::load(&a.process)?;
        let k = selection_table(&p)?.k;
        Ok::<_, crate::base::error::Error>(feasibility(&p, &q.rows, k))
    })
    .await;
    match v {
        Ok(Ok(v)) => Json(v).into_response(),
        Ok(Err(e)) => Json(Verdict::message(false, e.to_string())).into_response(),
        Err(e) => (StatusCode::INTERNAL_SERVER_ERROR, e.to_string()).into_response(),
    }
}

/// Saves the edited quota file atomically. A file different from the one the latest
/// selection read is saved only when the form confirms that the selection will be run
/// again (the next `select --force` journals the new file's hash beside the old entry, as
/// the CLI does after a text editor); after the public draw the quotas are fixed, since
/// replacements during the year must keep the quotas the panel was drawn under.
async fn quotas_save(
    State(app): AppState,
    headers: HeaderMap,
    Form(form): Form<Vec<(String, String)>>,
) -> Response {
    let s = session(&app, &headers);
    let r = (|| {
        let p = Process::load(&app.process)?;
        let QuotaFileRows {
            path,
            sha256: shown,
            mut rows,
            k,
        } = quota_rows(&p)?;
        let field = |name: String| -> Option<&str> {
            form.iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| v.as_str())
        };
        // The edits are by row: they belong to the file the page showed, not to one
        // changed since (a text editor, `quotas derive`, another tab).
        if field("file_sha256".into()) != Some(shown.as_str()) {
            return Err(crate::base::error::Error::refused(
                "the quota file changed since this page was loaded (or the page sent no file hash); reload the page and enter the changes again",
            ));
        }
        for (i, row) in rows.iter_mut().enumerate() {
            let num = |what: &str| -> crate::base::error::Result<Option<u32>> {
                match field(format!("{what}_{i}")).map(str::trim) {
                    None | Some("") => Ok(None),
                    Some(v) => v.parse().map(Some).map_err(|_| {
                        crate::base::error::Error::refused(format!(
                            "{} = {}: {what} {v:?} is not a whole number",
                            row.category, row.value
                        ))
                    }),
                }
            };
            row.min = num("min")?.unwrap_or(row.min);
            row.max = num("max")?.unwrap_or(row.max);
            row.min_flex = num("min_flex")?;
            row.max_flex = num("max_flex")?;
        }
        let text = quota_text(&rows);
        // The same checks as reading the file later; nothing is written if they fail.
        let qf = crate::quotas::parse_quota_file(&path, text.as_bytes())?;
        crate::quotas::check_against_k(&qf, k, &path)?;
        let new_hash = crate::base::fsio::Sha256::of(text.as_bytes()).to_string();
        // Not while a step works on the process: it may be reading this very file.
        if app
            .jobs
            .status()
            .is_some_and(|j| matches!(j.state, super::jobs::State::Running))
            || crate::base::journal::lock::holder(&p.out_dir()).is_some()
        {
            return Err(crate::base::error::Error::refused(
                "a step is working on the process; save the quotas when it has finished",
            ));
        }
        // Read after the check above; an unreadable journal is an error (a save must not
        // pass because the journal could not be read).
        let used = quota_use_of(run_of(&p)?.as_ref().map(Run::journal));
        if let Some(old) = &used.selected_with
            && *old != new_hash
        {
            if used.drawn {
                return Err(crate::base::error::Error::refused(format!(
                    "the lottery was built under the quota file with SHA-256 {old}; the draw and the replacements during the year keep those quotas, so the file is not changed"
                )));
            }
            if field("reselect".into()) != Some("1") {
                return Err(crate::base::error::Error::refused(format!(
                    "the selection used the quota file with SHA-256 {old}; tick \"the selection will be run again\" to save a different one"
                )));
            }
        }
        crate::base::fsio::write_atomic(
            &path,
            text.as_bytes(),
            crate::base::fsio::Privacy::Public,
            true,
        )?;
        Ok::<_, crate::base::error::Error>(())
    })();
    match r {
        Ok(()) => Redirect::to("/quotas").into_response(),
        Err(e) => error_page(&app, &s, "quotas", &e),
    }
}

// ---- 4. selection ----

#[derive(Deserialize)]
struct SelectionForm {
    algorithm: String,
    #[serde(default)]
    compare: Option<String>,
    #[serde(default)]
    force: Option<String>,
}

async fn selection_start(
    State(app): AppState,
    headers: HeaderMap,
    Form(f): Form<SelectionForm>,
) -> Response {
    let s = session(&app, &headers);
    if !["leximin", "goldilocks", "maximin", "legacy"].contains(&f.algorithm.as_str()) {
        return error_page(&app, &s, "selection", &"unknown algorithm");
    }
    let mut args = vec!["select".to_string()];
    args.extend(process_arg(&app));
    args.extend(["--algorithm".into(), f.algorithm, "--progress-lines".into()]);
    if f.compare.is_some() {
        args.push("--compare".into());
    }
    if f.force.is_some() {
        args.push("--force".into());
    }
    start(&app, &s, "selection", args)
}

async fn job_status(State(app): AppState) -> Response {
    Json(app.jobs.status()).into_response()
}

async fn job_cancel(State(app): AppState, headers: HeaderMap) -> Response {
    let page = app
        .jobs
        .status()
        .map(|s| s.page)
        .unwrap_or_else(|| "selection".into());
    let out = Process::load(&app.process).ok().map(|p| p.out_dir());
    app.jobs.cancel(out.as_deref());
    if headers.contains_key(guard::CSRF_HEADER) {
        Json(app.jobs.status()).into_response()
    } else {
        Redirect::to(&format!("/{page}")).into_response()
    }
}

#[derive(Serialize)]
struct SelectionView {
    algorithm: String,
    applicants: u64,
    panels: Option<u64>,
    min: String,
    max: String,
    gap: Option<String>,
    curve: String,
    quota_headers: Vec<String>,
    quota_rows: Vec<Vec<String>>,
    comparison_headers: Vec<String>,
    comparison_rows: Vec<Vec<String>>,
}

/// A small SVG of the sorted probabilities (no identifiers).
fn curve_svg(mut p: Vec<f64>) -> String {
    p.sort_by(f64::total_cmp);
    let (w, h) = (600.0, 220.0);
    let top = p.iter().copied().fold(0.0f64, f64::max).max(1e-9);
    let n = p.len().max(2) as f64 - 1.0;
    let pts: Vec<String> = p
        .iter()
        .enumerate()
        .map(|(i, v)| {
            format!(
                "{:.1},{:.1}",
                20.0 + (w - 30.0) * i as f64 / n,
                h - 20.0 - (h - 30.0) * v / top
            )
        })
        .collect();
    format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {w} {h}\" role=\"img\"><line x1=\"20\" y1=\"{y0}\" x2=\"{w}\" y2=\"{y0}\" stroke=\"#999\"/><line x1=\"20\" y1=\"10\" x2=\"20\" y2=\"{y0}\" stroke=\"#999\"/><text x=\"22\" y=\"18\" font-size=\"11\">{top:.3}</text><polyline fill=\"none\" stroke=\"#009E73\" stroke-width=\"2\" points=\"{}\"/></svg>",
        pts.join(" "),
        y0 = h - 20.0
    )
}

fn selection_view(run: &Run) -> Option<SelectionView> {
    let (entry, sel) = run
        .journal()
        .last::<crate::base::journal::entry::Select>()?;
    let read = |name: &str| -> Option<(Vec<String>, Vec<Vec<String>>)> {
        let (_, bytes) = run.output(entry, name).ok()?;
        let mut r = csv::ReaderBuilder::new().from_reader(bytes.as_slice());
        let headers = r.headers().ok()?.iter().map(str::to_string).collect();
        let rows = r
            .records()
            .filter_map(|x| x.ok())
            .map(|x| x.iter().map(str::to_string).collect())
            .collect();
        Some((headers, rows))
    };
    let probs: Vec<f64> = read("probabilities")
        .map(|(h, rows)| {
            let i = h.iter().position(|c| c == "probability").unwrap_or(1);
            rows.iter()
                .filter_map(|r| r.get(i).and_then(|v| v.parse().ok()))
                .collect()
        })
        .unwrap_or_default();
    let (quota_headers, quota_rows) = read("quota_table").unwrap_or_default();
    let (comparison_headers, comparison_rows) = read("comparison").unwrap_or_default();
    Some(SelectionView {
        algorithm: sel.algorithm.name().to_string(),
        applicants: sel.applicants,
        panels: sel.panels,
        min: probs
            .iter()
            .copied()
            .fold(f64::INFINITY, f64::min)
            .to_string()
            .chars()
            .take(6)
            .collect(),
        max: probs
            .iter()
            .copied()
            .fold(0.0, f64::max)
            .to_string()
            .chars()
            .take(6)
            .collect(),
        gap: sel.pricing_gap.as_ref().map(|g| g.to_string()),
        curve: curve_svg(probs),
        quota_headers,
        quota_rows,
        comparison_headers,
        comparison_rows,
    })
}

async fn selection_page(State(app): AppState, headers: HeaderMap) -> Response {
    let s = session(&app, &headers);
    let mut c = base(&app, &s, "selection");
    let view = match open(&app) {
        Ok((_, Some(run))) => selection_view(&run),
        Ok((_, None)) => None,
        Err(e) => return error_page(&app, &s, "selection", &e),
    };
    c.insert("sel", &view);
    render("selection.html", &c)
}

// ---- 5. lottery ----

#[derive(Serialize)]
struct LotteryView {
    built: bool,
    lottery_sha256: String,
    head_seq: u64,
    head_hash: String,
    m: u64,
    deviation: String,
    seed_form: String,
    drawn: bool,
    number: String,
    panel: Vec<String>,
    reserve: Vec<String>,
}

fn lottery_view(run: &Run) -> LotteryView {
    let j = run.journal();
    let sel_seq = j
        .last::<crate::base::journal::entry::Select>()
        .map(|(e, _)| e.seq);
    let build = j
        .last::<crate::base::journal::entry::LotteryBuild>()
        .filter(|(e, _)| sel_seq.is_some_and(|s| e.seq > s));
    let draw = j
        .last::<crate::base::journal::entry::LotteryDraw>()
        .filter(|(e, _)| build.is_some_and(|(b, _)| e.seq > b.seq));
    let members = |e: &Entry, name: &str| -> Vec<String> {
        run.output(e, name)
            .ok()
            .and_then(|(path, bytes)| crate::lottery::step::parse_members(&path, &bytes).ok())
            .unwrap_or_default()
    };
    // The head to publish with the lottery: the lottery entry itself.
    let (head_seq, head_hash) = build
        .map(|(e, _)| (e.seq, e.entry_hash.to_string()))
        .unwrap_or_default();
    LotteryView {
        built: build.is_some(),
        lottery_sha256: build
            .map(|(_, l)| l.lottery_sha256.to_string())
            .unwrap_or_default(),
        head_seq,
        head_hash,
        m: build.map(|(_, l)| l.m).unwrap_or(0),
        deviation: build
            .map(|(_, l)| l.max_deviation.to_string())
            .unwrap_or_default(),
        seed_form: build.map(|(_, l)| l.seed_form.clone()).unwrap_or_default(),
        drawn: draw.is_some(),
        number: draw.map(|(_, d)| d.number_text.clone()).unwrap_or_default(),
        panel: draw.map(|(e, _)| members(e, "panel")).unwrap_or_default(),
        reserve: draw.map(|(e, _)| members(e, "reserve")).unwrap_or_default(),
    }
}

async fn lottery_page(State(app): AppState, headers: HeaderMap) -> Response {
    let s = session(&app, &headers);
    let mut c = base(&app, &s, "lottery");
    let view = match open(&app) {
        Ok((_, Some(run))) => Some(lottery_view(&run)),
        Ok((_, None)) => None,
        Err(e) => return error_page(&app, &s, "lottery", &e),
    };
    c.insert("personal", &view.as_ref().is_some_and(|v| v.drawn));
    c.insert("lot", &view);
    render("lottery.html", &c)
}

#[derive(Deserialize)]
struct BuildForm {
    m: u32,
    seed_source: String,
    seed_form: String,
    #[serde(default)]
    force: Option<String>,
}

async fn lottery_build(
    State(app): AppState,
    headers: HeaderMap,
    Form(f): Form<BuildForm>,
) -> Response {
    let s = session(&app, &headers);
    let mut args = vec!["lottery".to_string(), "build".to_string()];
    args.extend(process_arg(&app));
    args.extend([
        "--m".into(),
        f.m.to_string(),
        "--seed-source".into(),
        f.seed_source,
        "--seed-form".into(),
        f.seed_form,
    ]);
    if f.force.is_some() {
        args.push("--force".into());
    }
    start(&app, &s, "lottery", args)
}

async fn ceremony_page(State(app): AppState, headers: HeaderMap) -> Response {
    let s = session(&app, &headers);
    ceremony_with(&app, &s, None)
}

fn ceremony_with(app: &App, s: &Session, error: Option<&str>) -> Response {
    let mut c = base(app, s, "lottery");
    let view = match open(app) {
        Ok((_, Some(run))) => Some(lottery_view(&run)),
        Ok((_, None)) => None,
        Err(e) => return error_page(app, s, "lottery", &e),
    };
    // The hash in groups of four for reading aloud.
    let groups: Vec<String> = view
        .as_ref()
        .map(|v| {
            v.lottery_sha256
                .as_bytes()
                .chunks(4)
                .map(|g| String::from_utf8_lossy(g).into_owned())
                .collect()
        })
        .unwrap_or_default();
    c.insert("groups", &groups);
    // A projector shows the ceremony: no step output beside it.
    c.insert("ceremony", &true);
    c.insert("lot", &view);
    c.insert("error", &error);
    render("ceremony.html", &c)
}

#[derive(Deserialize)]
struct DrawForm {
    number: String,
    number_again: String,
}

async fn lottery_draw(
    State(app): AppState,
    headers: HeaderMap,
    Form(f): Form<DrawForm>,
) -> Response {
    let s = session(&app, &headers);
    let (a, b) = (f.number.trim(), f.number_again.trim());
    if a.is_empty() || a != b {
        let t = texts::table(s.lang);
        return ceremony_with(&app, &s, t.get("numbers_differ").copied());
    }
    let mut args = vec!["lottery".to_string(), "draw".to_string()];
    args.extend(process_arg(&app));
    args.extend(["--number".into(), a.to_string()]);
    start(&app, &s, "lottery", args)
}

// ---- 6. replacements ----

#[derive(Serialize)]
struct ReplaceView {
    panel: Vec<String>,
    /// The reserve order without those already seated or unavailable.
    reserve: Vec<String>,
    /// The published reserve order, whole (places refer to it).
    published: Vec<String>,
    rounds: usize,
}

fn replace_view(app: &App) -> crate::base::error::Result<Option<ReplaceView>> {
    let (p, run) = open(app)?;
    let Some(run) = run else { return Ok(None) };
    if crate::lottery::step::drawn(run.journal()).is_err() {
        return Ok(None);
    }
    let _ = p;
    let st = crate::lottery::step::standing(run.journal())?;
    let published = crate::lottery::step::reserves(&run)?;
    let reserve = published
        .iter()
        .filter(|r| !st.ever.contains(*r) && !st.unavailable.contains(*r))
        .cloned()
        .collect();
    Ok(Some(ReplaceView {
        panel: st.panel,
        reserve,
        published,
        rounds: st.rounds,
    }))
}

async fn replace_page(State(app): AppState, headers: HeaderMap) -> Response {
    let s = session(&app, &headers);
    replace_with(&app, &s, None)
}

#[derive(Serialize)]
struct Preview {
    dropped: Vec<String>,
    unavailable: Vec<String>,
    replacements: Vec<String>,
    error: Option<String>,
}

fn replace_with(app: &App, s: &Session, preview: Option<Preview>) -> Response {
    let mut c = base(app, s, "replace");
    c.insert("personal", &true);
    match replace_view(app) {
        Ok(v) => c.insert("rep", &v),
        Err(e) => return error_page(app, s, "replace", &e),
    }
    c.insert("preview", &preview);
    c.insert("today", &chrono::Utc::now().format("%Y-%m-%d").to_string());
    render("replace.html", &c)
}

/// `dropped` and `unavailable` from checkboxes (repeated fields) or comma lists.
fn lists(form: &[(String, String)]) -> (Vec<String>, Vec<String>) {
    let pick = |name: &str| -> Vec<String> {
        form.iter()
            .filter(|(k, _)| k == name)
            .flat_map(|(_, v)| v.split(','))
            .map(|v| v.trim().to_string())
            .filter(|v| !v.is_empty())
            .collect()
    };
    (pick("dropped"), pick("unavailable"))
}

async fn replace_preview(
    State(app): AppState,
    headers: HeaderMap,
    Form(form): Form<Vec<(String, String)>>,
) -> Response {
    let s = session(&app, &headers);
    let (dropped, unavailable) = lists(&form);
    let a = app.clone();
    let (d, u) = (dropped.clone(), unavailable.clone());
    let r = tokio::task::spawn_blocking(move || {
        let p = Process::load(&a.process)?;
        let setup = crate::lottery::step::Setup::of(&p)?;
        crate::lottery::step::replace_preview(&setup, &d, &u)
    })
    .await;
    let (replacements, error) = match r {
        Ok(Ok(r)) => (r, None),
        Ok(Err(e)) => (Vec::new(), Some(e.to_string())),
        Err(e) => (Vec::new(), Some(e.to_string())),
    };
    replace_with(
        &app,
        &s,
        Some(Preview {
            dropped,
            unavailable,
            replacements,
            error,
        }),
    )
}

async fn replace_confirm(
    State(app): AppState,
    headers: HeaderMap,
    Form(form): Form<Vec<(String, String)>>,
) -> Response {
    let s = session(&app, &headers);
    let (dropped, unavailable) = lists(&form);
    if dropped.is_empty() {
        return error_page(
            &app,
            &s,
            "replace",
            &"name at least one member who dropped out",
        );
    }
    let date = form
        .iter()
        .find(|(k, _)| k == "date")
        .map(|(_, v)| v.trim().to_string())
        .filter(|d| !d.is_empty());
    let mut args = vec!["replace".to_string()];
    args.extend(process_arg(&app));
    args.extend(["--dropped".into(), dropped.join(",")]);
    if !unavailable.is_empty() {
        args.extend(["--unavailable".into(), unavailable.join(",")]);
    }
    if let Some(d) = date {
        args.extend(["--date".into(), d]);
    }
    start(&app, &s, "replace", args)
}

// ---- 7. letters, report, bundle ----

#[derive(Serialize)]
struct Download {
    seq: u64,
    step: String,
    name: String,
    file: String,
    private: bool,
}

async fn outputs_page(State(app): AppState, headers: HeaderMap) -> Response {
    let s = session(&app, &headers);
    let mut c = base(&app, &s, "outputs");
    let (p, run) = match open(&app) {
        Ok(x) => x,
        Err(e) => return error_page(&app, &s, "outputs", &e),
    };
    let mut files = Vec::new();
    if let Some(run) = &run {
        for e in run.journal().entries().iter().rev() {
            for r in e.outputs() {
                files.push(Download {
                    seq: e.seq,
                    step: e.step().to_string(),
                    name: r.name.clone(),
                    private: r.path.starts_with("private/"),
                    file: r.path.clone(),
                });
            }
        }
    }
    // The first pages of the latest letters of each kind, as pictures.
    let mut previews: Vec<LetterPreview> = Vec::new();
    if let Some(run) = &run {
        for (e, l) in run
            .journal()
            .all::<crate::base::journal::entry::Letters>()
            .rev()
        {
            if previews.iter().any(|p| p.kind == l.kind) {
                continue;
            }
            previews.push(LetterPreview {
                kind: l.kind.clone(),
                seq: e.seq,
                letters: l.letters,
                pages: (1..=l.pages.min(PREVIEW_PAGES)).collect(),
            });
        }
    }
    c.insert("previews", &previews);
    c.insert(
        "personal",
        &(files.iter().any(|f| f.private) || !previews.is_empty()),
    );
    c.insert("files", &files);
    c.insert(
        "bundle",
        &p.out_dir()
            .join("audit-bundle")
            .join("journal.jsonl")
            .is_file(),
    );
    render("outputs.html", &c)
}

#[derive(Deserialize)]
struct GenerateForm {
    what: String,
    #[serde(default)]
    force: Option<String>,
}

async fn outputs_generate(
    State(app): AppState,
    headers: HeaderMap,
    Form(f): Form<GenerateForm>,
) -> Response {
    let s = session(&app, &headers);
    let mut args: Vec<String> = match f.what.as_str() {
        "invitations" => vec!["letters".into(), "invitations".into()],
        "panel-letters" => vec!["letters".into(), "panel".into()],
        "report" => vec!["report".into()],
        "bundle" => vec!["audit-bundle".into()],
        _ => return error_page(&app, &s, "outputs", &"unknown output"),
    };
    args.extend(process_arg(&app));
    if f.force.is_some() {
        args.push("--force".into());
    }
    start(&app, &s, "outputs", args)
}

fn attachment(bytes: Vec<u8>, file_name: &str, content_type: &'static str) -> Response {
    let mut r = bytes.into_response();
    let h = r.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    // File names of outputs are the tool's own (never personal).
    let safe: String = file_name
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || "-_.".contains(*c))
        .collect();
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{safe}\"")) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    r
}

fn content_type(file: &str) -> &'static str {
    match file.rsplit('.').next() {
        Some("pdf") => "application/pdf",
        Some("html") => "text/html; charset=utf-8",
        Some("csv") => "text/csv; charset=utf-8",
        Some("json") | Some("jsonl") => "application/json",
        Some("zip") => "application/zip",
        _ => "application/octet-stream",
    }
}

/// An output recorded in the journal, read only after its hash checks.
async fn download(
    State(app): AppState,
    headers: HeaderMap,
    UrlPath((seq, name)): UrlPath<(u64, String)>,
) -> Response {
    let s = session(&app, &headers);
    let r = journal_output(&app, seq, &name);
    match r {
        Ok((path, bytes)) => {
            let file = path
                .file_name()
                .map(|f| f.to_string_lossy().into_owned())
                .unwrap_or_else(|| "output".into());
            attachment(bytes, &file, content_type(&file))
        }
        Err(e) => error_page(&app, &s, "outputs", &e),
    }
}

/// Output `name` of journal entry `seq`, read after its recorded hash is checked.
fn journal_output(
    app: &App,
    seq: u64,
    name: &str,
) -> crate::base::error::Result<(std::path::PathBuf, Vec<u8>)> {
    let run = journaled_run(app)?;
    run.output(journal_entry(&run, seq)?, name)
}

/// The run's handle; refused while it has no journal.
fn journaled_run(app: &App) -> crate::base::error::Result<Run> {
    let (_, run) = open(app)?;
    run.ok_or_else(|| crate::base::error::Error::refused("no journal yet"))
}

fn journal_entry(run: &Run, seq: u64) -> crate::base::error::Result<&Entry> {
    run.journal()
        .entries()
        .iter()
        .find(|e| e.seq == seq)
        .ok_or_else(|| crate::base::error::Error::refused("no such journal entry"))
}

/// Pages shown of a letters PDF: a letter and its reply card.
const PREVIEW_PAGES: u64 = 3;

#[derive(Serialize)]
struct LetterPreview {
    kind: String,
    seq: u64,
    letters: u64,
    pages: Vec<u64>,
}

/// A page of a journaled PDF output as a PNG (the file checked against its recorded
/// hash first, as for a download). Personal: the first letters carry names and addresses,
/// so the response is never cached (the guard's headers).
async fn preview(
    State(app): AppState,
    headers: HeaderMap,
    UrlPath((seq, name, page)): UrlPath<(u64, String, usize)>,
) -> Response {
    let s = session(&app, &headers);
    let a = app.clone();
    let r = tokio::task::spawn_blocking(move || {
        if page == 0 || page as u64 > PREVIEW_PAGES {
            return Err(crate::base::error::Error::refused(
                "only the first pages are shown as pictures",
            ));
        }
        let run = journaled_run(&a)?;
        let recorded = journal_entry(&run, seq)?.output(&name)?;
        let path = run.path_of(&recorded);
        if path.extension().and_then(|x| x.to_str()) != Some("pdf") {
            return Err(crate::base::error::Error::refused(
                "only a PDF has pages to show",
            ));
        }
        let meta = std::fs::metadata(&path).map_err(|e| crate::base::error::Error::io(&path, e))?;
        let (key, file) = ((seq, name.clone()), (meta.len(), meta.modified().ok()));
        // Held while rendering: the page's other pictures wait and then find the pages.
        let mut cache = a
            .previews
            .lock()
            .map_err(|_| crate::base::error::Error::internal("preview cache poisoned"))?;
        let fresh = cache.get(&key).is_some_and(|(f, _)| *f == file);
        if !fresh {
            let bytes = run.read(&recorded)?;
            let pages = PREVIEW_PAGES as usize;
            let pngs = crate::letters::preview::first_pages_png(bytes, pages, 96)?;
            cache.insert(key.clone(), (file, pngs));
        }
        let pngs = cache
            .get(&key)
            .map(|(_, p)| p.as_slice())
            .unwrap_or_default();
        pngs.get(page - 1).cloned().ok_or_else(|| {
            crate::base::error::Error::refused(format!(
                "the PDF has {} pages, there is no page {page}",
                pngs.len()
            ))
        })
    })
    .await;
    match r {
        Ok(Ok(png)) => ([(header::CONTENT_TYPE, "image/png")], png).into_response(),
        Ok(Err(e)) => (StatusCode::NOT_FOUND, e.to_string()).into_response(),
        Err(e) => error_page(&app, &s, "outputs", &e),
    }
}

/// The public audit bundle folder as one zip file.
async fn bundle_zip(State(app): AppState, headers: HeaderMap) -> Response {
    let s = session(&app, &headers);
    let r = (|| {
        let p = Process::load(&app.process)?;
        zip_dir(&p.out_dir().join("audit-bundle"))
    })();
    match r {
        Ok(bytes) => attachment(bytes, "audit-bundle.zip", "application/zip"),
        Err(e) => error_page(&app, &s, "outputs", &e),
    }
}

/// The files under `dir` (sorted, relative names) in a zip archive.
fn zip_dir(dir: &std::path::Path) -> crate::base::error::Result<Vec<u8>> {
    use std::io::Write;
    let mut files = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let rd = std::fs::read_dir(&d).map_err(|e| crate::base::error::Error::io(&d, e))?;
        for e in rd.flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else {
                files.push(p);
            }
        }
    }
    files.sort();
    let mut out = std::io::Cursor::new(Vec::new());
    {
        let mut z = zip::ZipWriter::new(&mut out);
        let opts = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated);
        for f in files {
            let rel = f
                .strip_prefix(dir)
                .unwrap_or(&f)
                .to_string_lossy()
                .replace('\\', "/");
            let bytes = std::fs::read(&f).map_err(|e| crate::base::error::Error::io(&f, e))?;
            z.start_file(format!("audit-bundle/{rel}"), opts)
                .map_err(|e| crate::base::error::Error::internal(e.to_string()))?;
            z.write_all(&bytes)
                .map_err(|e| crate::base::error::Error::internal(e.to_string()))?;
        }
        z.finish()
            .map_err(|e| crate::base::error::Error::internal(e.to_string()))?;
    }
    Ok(out.into_inner())
}

// ---- language and static files ----

#[derive(Deserialize)]
struct Next {
    next: Option<String>,
}

async fn set_lang(
    State(app): AppState,
    headers: HeaderMap,
    UrlPath(lang): UrlPath<String>,
    axum::extract::Query(n): axum::extract::Query<Next>,
) -> Response {
    if let (Some(l), Some((id, _))) = (Lang::parse(&lang), app.guard.session(&headers)) {
        app.guard.set_lang(&id, l);
    }
    // Only our own pages as the target.
    let next = n
        .next
        .filter(|p| {
            p.starts_with('/')
                && !p.starts_with("//")
                && p.chars()
                    .all(|c| c.is_ascii_alphanumeric() || "/-_".contains(c))
        })
        .unwrap_or_else(|| "/".into());
    Redirect::to(&next).into_response()
}

async fn app_js() -> Response {
    (
        [(header::CONTENT_TYPE, "text/javascript; charset=utf-8")],
        include_str!("static/app.js"),
    )
        .into_response()
}

async fn style_css() -> Response {
    (
        [(header::CONTENT_TYPE, "text/css; charset=utf-8")],
        include_str!("static/style.css"),
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    #[test]
    fn templates_parse() {
        let mut t = tera::Tera::default();
        if let Err(e) = t.add_raw_templates(super::TEMPLATES.to_vec()) {
            panic!("{}", super::error_chain(&e));
        }
    }
}
