//! The workbench over HTTP: the real binary's `sortes serve` on an ephemeral port, driven
//! by a minimal HTTP/1.1 client (so that the test controls every header, the Host
//! header included). Every action must write what the CLI writes for the same inputs:
//! the test repeats each action with the CLI on a copy of the folder and compares the
//! journal entries (without time and chain) and the output files byte for byte.

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

struct Server {
    child: Child,
    port: u16,
    token: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn serve(process: &Path) -> Server {
    let mut child = Command::new(env!("CARGO_BIN_EXE_sortes"))
        .args(["serve", "-p"])
        .arg(process)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    // "sortes workbench: open http://127.0.0.1:PORT/login?token=T"
    let url = line.trim().rsplit(' ').next().unwrap().to_string();
    let rest = url.strip_prefix("http://127.0.0.1:").expect(&line);
    let (port, token) = rest.split_once("/login?token=").unwrap();
    Server {
        child,
        port: port.parse().unwrap(),
        token: token.to_string(),
    }
}

struct Response {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Response {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// One request; `extra` headers as (name, value).
fn request(
    port: u16,
    method: &str,
    path: &str,
    host: &str,
    extra: &[(&str, &str)],
    body: &[u8],
) -> Response {
    eprintln!("request {method} {path} host {host}");
    let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(120))).unwrap();
    let mut head = format!(
        "{method} {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (k, v) in extra {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str("\r\n");
    s.write_all(head.as_bytes()).unwrap();
    s.write_all(body).unwrap();
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).unwrap();
    let split = raw.windows(4).position(|w| w == b"\r\n\r\n").unwrap();
    let head = String::from_utf8_lossy(&raw[..split]).into_owned();
    let mut lines = head.lines();
    let status = lines
        .next()
        .unwrap()
        .split(' ')
        .nth(1)
        .unwrap()
        .parse()
        .unwrap();
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
        .collect();
    let mut body = raw[split + 4..].to_vec();
    let chunked = headers
        .iter()
        .any(|(k, v)| k.eq_ignore_ascii_case("transfer-encoding") && v.contains("chunked"));
    if chunked {
        body = dechunk(&body);
    }
    Response {
        status,
        headers,
        body,
    }
}

fn dechunk(mut b: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    loop {
        let Some(eol) = b.windows(2).position(|w| w == b"\r\n") else {
            return out;
        };
        let size =
            usize::from_str_radix(std::str::from_utf8(&b[..eol]).unwrap().trim(), 16).unwrap();
        if size == 0 {
            return out;
        }
        out.extend_from_slice(&b[eol + 2..eol + 2 + size]);
        b = &b[eol + 2 + size + 2..];
    }
}

/// A signed-in browser.
struct Browser {
    port: u16,
    cookie: String,
    csrf: String,
}

impl Browser {
    fn host(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }
    fn get(&self, path: &str) -> Response {
        request(
            self.port,
            "GET",
            path,
            &self.host(),
            &[("Cookie", &self.cookie)],
            b"",
        )
    }
    /// A form POST with the CSRF token.
    fn post(&self, path: &str, fields: &[(&str, &str)]) -> Response {
        let mut all = vec![("csrf", self.csrf.as_str())];
        all.extend_from_slice(fields);
        let body = serde_urlencoded::to_string(&all).unwrap();
        request(
            self.port,
            "POST",
            path,
            &self.host(),
            &[
                ("Cookie", &self.cookie),
                ("Content-Type", "application/x-www-form-urlencoded"),
            ],
            body.as_bytes(),
        )
    }
    /// Waits for the running step to end; its status JSON.
    fn wait_job(&self) -> serde_json::Value {
        for _ in 0..1200 {
            let r = self.get("/job");
            let v: serde_json::Value = serde_json::from_slice(&r.body).unwrap();
            if v["state"] != "running" {
                return v;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        panic!("the step did not end");
    }
}

fn sign_in(s: &Server) -> Browser {
    let host = format!("127.0.0.1:{}", s.port);
    let r = request(
        s.port,
        "GET",
        &format!("/login?token={}", s.token),
        &host,
        &[],
        b"",
    );
    assert_eq!(r.status, 303, "{}", r.text());
    let cookie = r
        .header("set-cookie")
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_string();
    assert!(r.header("set-cookie").unwrap().contains("HttpOnly"));
    assert!(r.header("set-cookie").unwrap().contains("SameSite=Strict"));
    let mut b = Browser {
        port: s.port,
        cookie,
        csrf: String::new(),
    };
    let page = b.get("/").text();
    let i = page.find("data-csrf=\"").unwrap() + 11;
    b.csrf = page[i..i + 64].to_string();
    b
}

/// The journal's entry hashes (seq order). They chain the entries' times, so they
/// differ between two runs; files and entries that quote them are compared with each
/// hash replaced by its entry number.
fn entry_hashes(journal: &Path) -> Vec<String> {
    common::journal_entries(journal)
        .iter()
        .map(|v| v["entry_hash"].as_str().unwrap().to_string())
        .collect()
}

fn normalise(bytes: &[u8], hashes: &[String]) -> Vec<u8> {
    let Ok(mut text) = String::from_utf8(bytes.to_vec()) else {
        return bytes.to_vec();
    };
    for (i, h) in hashes.iter().enumerate() {
        text = text.replace(h.as_str(), &format!("<entry {i}>"));
    }
    text.into_bytes()
}

/// The journal's entries without the fields that differ between two runs; an output's
/// recorded hash is replaced by the hash of the file with entry hashes normalised (the
/// report quotes the journal head).
fn bodies(journal: &Path) -> Vec<serde_json::Value> {
    let hashes = entry_hashes(journal);
    let out = journal.parent().unwrap();
    String::from_utf8(normalise(&std::fs::read(journal).unwrap(), &hashes))
        .unwrap()
        .lines()
        .map(|l| {
            let mut v: serde_json::Value = serde_json::from_str(l).unwrap();
            let o = v.as_object_mut().unwrap();
            for k in ["time", "prev_hash", "entry_hash"] {
                o.remove(k);
            }
            let outputs = o.get("outputs").cloned();
            if let (Some(files), Some(serde_json::Value::Object(sums))) =
                (outputs, o.get_mut("output_sha256"))
            {
                for (name, sum) in sums.iter_mut() {
                    let rel = files[name].as_str().unwrap();
                    if out.join(rel).is_file() {
                        let bytes = comparable(&out.join(rel));
                        *sum = sortes::base::fsio::sha256_hex(&normalise(&bytes, &hashes)).into();
                    }
                }
            }
            v
        })
        .collect()
}

/// Copies a folder tree.
fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let p = e.path();
        let t = to.join(e.file_name());
        if p.is_dir() {
            copy_tree(&p, &t);
        } else {
            std::fs::copy(&p, &t).unwrap();
        }
    }
}

/// A file's bytes for comparison; a PDF as its text (pdftotext): the report's PDF prints
/// the journal head, whose hash differs between two runs by its time stamps, and inside
/// a PDF it cannot be normalised as bytes.
fn comparable(p: &Path) -> Vec<u8> {
    if p.extension().is_some_and(|x| x == "pdf") {
        let out = std::process::Command::new("pdftotext")
            .arg(p)
            .arg("-")
            .output()
            .expect("pdftotext (poppler-utils) runs");
        assert!(out.status.success(), "pdftotext {}", p.display());
        out.stdout
    } else {
        std::fs::read(p).unwrap()
    }
}

/// Every file under `dir` (relative path → bytes), lock file aside.
fn files(dir: &Path) -> std::collections::BTreeMap<PathBuf, Vec<u8>> {
    let mut out = std::collections::BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else if !p.ends_with("journal.lock") && !p.ends_with("journal.jsonl") {
                out.insert(p.strip_prefix(dir).unwrap().to_path_buf(), comparable(&p));
            }
        }
    }
    out
}

/// After the action in the workbench (`ex`) and the same CLI command on the copy
/// (`twin`): same journal bodies, same files.
fn same_as_cli(ex: &common::Example, twin: &Path, cli: &[&str]) {
    let toml = twin.join("forum.toml");
    common::sortes()
        .args(cli)
        .arg("-p")
        .arg(&toml)
        .assert()
        .success();
    assert_eq!(
        bodies(&ex.path("out/journal.jsonl")),
        bodies(&twin.join("out/journal.jsonl")),
        "journal after {cli:?}"
    );
    let (a, b) = (files(&ex.path("out")), files(&twin.join("out")));
    assert_eq!(
        a.keys().collect::<Vec<_>>(),
        b.keys().collect::<Vec<_>>(),
        "files after {cli:?}"
    );
    let ha = entry_hashes(&ex.path("out/journal.jsonl"));
    let hb = entry_hashes(&twin.join("out/journal.jsonl"));
    for (k, v) in &a {
        assert!(
            normalise(v, &ha) == normalise(&b[k], &hb),
            "{} differs after {cli:?}",
            k.display()
        );
    }
}

#[test]
fn refused_without_token_cookie_csrf_or_own_host() {
    let ex = common::example();
    let s = serve(&ex.toml);
    let host = format!("127.0.0.1:{}", s.port);
    // No session.
    let r = request(s.port, "GET", "/", &host, &[], b"");
    assert_eq!(r.status, 401);
    assert_eq!(r.header("cache-control"), Some("no-store"));
    // A wrong token.
    let r = request(s.port, "GET", "/login?token=00", &host, &[], b"");
    assert_eq!(r.status, 401);
    // The right token under a foreign Host (DNS rebinding): refused, token not spent.
    let login = format!("/login?token={}", s.token);
    let r = request(s.port, "GET", &login, "evil.example", &[], b"");
    assert_eq!(r.status, 421);
    let b = sign_in(&s);
    // The token works once.
    let r = request(s.port, "GET", &login, &host, &[], b"");
    assert_eq!(r.status, 401);
    // A signed-in browser, but a foreign Host.
    let r = request(
        s.port,
        "GET",
        "/",
        &format!("evil.example:{}", s.port),
        &[("Cookie", &b.cookie)],
        b"",
    );
    assert_eq!(r.status, 421);
    // A forged cookie.
    let r = request(
        s.port,
        "GET",
        "/",
        &host,
        &[("Cookie", "sortes_session=0000")],
        b"",
    );
    assert_eq!(r.status, 401);
    // POST without and with a wrong CSRF token: refused, nothing started.
    for body in ["algorithm=leximin", "algorithm=leximin&csrf=0123"] {
        let r = request(
            s.port,
            "POST",
            "/selection/start",
            &host,
            &[
                ("Cookie", &b.cookie),
                ("Content-Type", "application/x-www-form-urlencoded"),
            ],
            body.as_bytes(),
        );
        assert_eq!(r.status, 403, "{body}");
    }
    assert_eq!(b.get("/job").text(), "null");
    // Every page renders, in both languages, never cached.
    for lang in ["de", "en"] {
        let r = b.get(&format!("/lang/{lang}?next=/"));
        assert_eq!(r.status, 303);
        for page in [
            "/",
            "/pool",
            "/pool/rejects",
            "/quotas",
            "/selection",
            "/lottery",
            "/lottery/ceremony",
            "/replace",
            "/outputs",
        ] {
            let r = b.get(page);
            assert_eq!(r.status, 200, "{page} ({lang}): {}", r.text());
            assert_eq!(r.header("cache-control"), Some("no-store"), "{page}");
            assert!(
                r.text().contains(&format!("<html lang=\"{lang}\">")),
                "{page}"
            );
        }
    }
}

#[test]
fn a_non_loopback_address_is_refused() {
    let ex = common::example();
    let out = common::sortes()
        .args(["serve", "--bind", "0.0.0.0", "-p"])
        .arg(&ex.toml)
        .assert()
        .failure();
    let err = common::stderr_of(&out);
    assert!(err.contains("127.0.0.1 or ::1"), "{err}");
}

#[test]
fn the_workbench_writes_what_the_cli_writes() {
    let ex = common::example();
    ex.drawn();
    ex.taken_in();
    let twin_dir = tempfile::tempdir().unwrap();
    let twin = twin_dir.path();
    copy_tree(&ex.root, twin);

    let s = serve(&ex.toml);
    let b = sign_in(&s);

    // Timeline and the replies page from the journal.
    let page = b.get("/").text();
    assert!(page.contains("id=\"stage-st_pool\" class") || page.contains("stage-st_pool"));
    assert!(b.get("/pool").text().contains("id=\"summary\""));

    // Quotas: feasible as they are; a minimum above the pool is infeasible, in plain words.
    let q = b.get("/quotas").text();
    assert!(q.contains("id=\"quotas\""), "{q}");
    // The gender rows (m, w, d) as (min, max), checked by the server.
    let check_rows = |rows: [(u64, u64); 3]| -> serde_json::Value {
        let rows = serde_json::json!({"rows": [
            {"category": "gender", "value": "m", "min": rows[0].0, "max": rows[0].1},
            {"category": "gender", "value": "w", "min": rows[1].0, "max": rows[1].1},
            {"category": "gender", "value": "d", "min": rows[2].0, "max": rows[2].1},
        ]});
        let r = request(
            b.port,
            "POST",
            "/quotas/check",
            &b.host(),
            &[
                ("Cookie", &b.cookie),
                ("Content-Type", "application/json"),
                ("X-CSRF-Token", &b.csrf),
            ],
            rows.to_string().as_bytes(),
        );
        assert_eq!(r.status, 200, "{}", r.text());
        serde_json::from_slice(&r.body).unwrap()
    };
    let check = |min_w: u64| check_rows([(2, 4), (min_w, 6), (0, 1)]);
    assert_eq!(check(2)["ok"], true);
    let v = check(5);
    assert_eq!(v["ok"], false);
    assert!(v["message"].as_str().unwrap().contains('w'), "{v}");
    // The rows at fault are marked and the smallest change is offered: applied, it is
    // feasible (checked again by the server's own feasibility ILP).
    assert!(v["fault"].as_array().unwrap().contains(&1.into()), "{v}");
    let proposal = v["proposal"].as_array().unwrap();
    assert!(!proposal.is_empty(), "{v}");
    let mut rows = [(2u64, 4u64), (5, 6), (0, 1)];
    for p in proposal {
        let r = p["row"].as_u64().unwrap() as usize;
        rows[r] = (p["min"].as_u64().unwrap(), p["max"].as_u64().unwrap());
    }
    assert!(rows[1].0 < 5, "the w minimum is lowered: {v}");
    let again = check_rows(rows);
    assert_eq!(again["ok"], true, "{again}");

    // Selection in the background, then the same command on the twin.
    let r = b.post("/selection/start", &[("algorithm", "leximin")]);
    assert_eq!(r.status, 303);
    let job = b.wait_job();
    assert_eq!(job["state"], "done", "{job}");
    assert!(job["command"].as_str().unwrap().contains("select"));
    same_as_cli(&ex, twin, &["select", "--algorithm", "leximin"]);
    let sel = b.get("/selection").text();
    assert!(
        sel.contains("id=\"curve\"") && sel.contains("<svg"),
        "{sel}"
    );

    // A quota file other than the one the selection read is saved only when the
    // coordinator says the selection will be run again.
    let quota_file = ex.path("quotas.csv");
    let original = std::fs::read(&quota_file).unwrap();
    // The page sends the hash of the file it showed; edits to another file are refused.
    let shown = || sortes::base::fsio::sha256_hex(&std::fs::read(&quota_file).unwrap());
    let r = b.post(
        "/quotas/save",
        &[("max_0", "4"), ("file_sha256", "0".repeat(64).as_str())],
    );
    assert!(r.text().contains("id=\"error\""), "{}", r.text());
    let q = b.get("/quotas").text();
    assert!(q.contains("id=\"reselect\""), "{q}");
    let r = b.post("/quotas/save", &[("max_0", "5"), ("file_sha256", &shown())]);
    assert!(r.text().contains("id=\"error\""), "{}", r.text());
    assert_eq!(
        std::fs::read(&quota_file).unwrap(),
        original,
        "refused: unchanged"
    );
    let r = b.post(
        "/quotas/save",
        &[("max_0", "5"), ("reselect", "1"), ("file_sha256", &shown())],
    );
    assert_eq!(r.status, 303, "{}", r.text());
    assert_ne!(std::fs::read(&quota_file).unwrap(), original, "saved");
    assert!(b.get("/quotas").text().contains("id=\"reselect\""));
    std::fs::write(&quota_file, &original).unwrap();

    // The lottery: built, numbers that differ are refused, then drawn.
    let build = [
        ("m", "20"),
        ("seed_source", "three urns at the council meeting"),
        ("seed_form", "ceremony"),
    ];
    assert_eq!(b.post("/lottery/build", &build).status, 303);
    assert_eq!(b.wait_job()["state"], "done");
    same_as_cli(&ex, twin, common::BUILD_LOTTERY);
    let journal_len = || bodies(&ex.path("out/journal.jsonl")).len();
    let before = journal_len();
    let r = b.post("/lottery/draw", &[("number", "7"), ("number_again", "17")]);
    assert_eq!(r.status, 200);
    assert!(r.text().contains("id=\"error\""), "{}", r.text());
    assert_eq!(journal_len(), before, "nothing drawn");
    let r = b.post("/lottery/draw", &[("number", "7"), ("number_again", "7")]);
    assert_eq!(r.status, 303);
    assert_eq!(b.wait_job()["state"], "done");
    same_as_cli(&ex, twin, &["lottery", "draw", "--number", "7"]);
    let lot = b.get("/lottery").text();
    assert!(lot.contains("id=\"panel\""), "{lot}");
    // After the public draw the quotas stay as they were drawn under.
    let r = b.post(
        "/quotas/save",
        &[("max_0", "5"), ("reselect", "1"), ("file_sha256", &shown())],
    );
    assert!(r.text().contains("id=\"error\""), "{}", r.text());
    assert_eq!(
        std::fs::read(&quota_file).unwrap(),
        original,
        "fixed after the draw"
    );

    // Replacement: the preview names who would come in, and writes nothing.
    let panel = std::fs::read_to_string(ex.path("out/public/lottery/panel.csv")).unwrap();
    let ids: Vec<String> = panel
        .lines()
        .skip(1)
        .map(|l| l.split(',').nth(1).unwrap().to_string())
        .collect();
    let before = journal_len();
    let mut confirmed = false;
    for id in &ids {
        let r = b.post("/replace/preview", &[("dropped", id)]);
        assert_eq!(r.status, 200);
        assert_eq!(journal_len(), before, "a preview writes nothing");
        if r.text().contains("id=\"replacements\"") {
            let r = b.post(
                "/replace/confirm",
                &[("dropped", id), ("date", "2027-03-01")],
            );
            assert_eq!(r.status, 303);
            assert_eq!(b.wait_job()["state"], "done");
            same_as_cli(
                &ex,
                twin,
                &["replace", "--dropped", id, "--date", "2027-03-01"],
            );
            confirmed = true;
            break;
        }
        assert!(r.text().contains("id=\"preview-error\""), "{}", r.text());
    }
    assert!(confirmed, "some seat can be refilled");

    // The report: generated, listed, downloaded with its recorded bytes.
    assert_eq!(
        b.post("/outputs/generate", &[("what", "report")]).status,
        303
    );
    assert_eq!(b.wait_job()["state"], "done");
    same_as_cli(&ex, twin, &["report"]);
    let out = b.get("/outputs").text();
    let i = out.find("data-file=\"public/report.html\"").expect(&out);
    let href_start = out[..i].rfind("href=\"").unwrap() + 6;
    let href_end = href_start + out[href_start..].find('"').unwrap();
    let href = &out[href_start..href_end];
    let r = b.get(href);
    assert_eq!(r.status, 200, "{href}");
    assert!(
        r.header("content-disposition")
            .unwrap()
            .contains("attachment")
    );
    let journal = std::fs::read_to_string(ex.path("out/journal.jsonl")).unwrap();
    let hash = sortes::base::fsio::sha256_hex(&r.body);
    assert!(journal.contains(&hash), "the download is the recorded file");

    // Panel letters: generated, and their first pages shown as pictures of A4 pages
    // (96 dpi: 210 mm × 297 mm → 793 × 1122 pixels) with something printed on them.
    assert_eq!(
        b.post("/outputs/generate", &[("what", "panel-letters")])
            .status,
        303
    );
    assert_eq!(b.wait_job()["state"], "done");
    same_as_cli(&ex, twin, &["letters", "panel"]);
    let out = b.get("/outputs").text();
    let i = out.find("src=\"/preview/").expect(&out);
    let src_end = i + 5 + out[i + 5..].find('"').unwrap();
    let src = &out[i + 5..src_end];
    let r = b.get(src);
    assert_eq!(r.status, 200, "{src}");
    assert_eq!(r.header("content-type"), Some("image/png"));
    let decoder = png::Decoder::new(std::io::Cursor::new(r.body.clone()));
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut buf).unwrap();
    assert_eq!(
        (info.width, info.height),
        (
            (210.0f64 / 25.4 * 96.0) as u32,
            (297.0f64 / 25.4 * 96.0) as u32
        )
    );
    let dark = buf
        .chunks(4)
        .filter(|px| u32::from(px[0]) + u32::from(px[1]) + u32::from(px[2]) < 300)
        .count();
    assert!(dark > 2_000, "the page shows text ({dark} dark pixels)");
    assert_eq!(
        b.get("/preview/1/pdf/9").status,
        404,
        "only the first pages"
    );

    // Verify from the process page: every check passes.
    let v = b.post("/verify", &[]).text();
    assert!(v.contains("id=\"verify-badge\""), "{v}");
    assert!(v.contains("badge pass"), "{v}");
}
