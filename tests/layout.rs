//! The module graph points one way (README, "Layout"): every module depends only on
//! the modules before it in the pipeline, and every foundation in `src/base/` only on
//! the foundations before it. So there is no cycle. Also: no file of the repository
//! that builds or tests it reads a path outside the repository.

use std::path::{Path, PathBuf};

/// The top-level modules in pipeline order (lib.rs declares them in this order).
const MODULES: [&str; 15] = [
    "base",
    "register",
    "draw",
    "intake",
    "quotas",
    "select",
    "lottery",
    "letters",
    "report",
    "retention",
    "synth",
    "bundle",
    "verify",
    "serve",
    "cli",
];

/// The foundations in `src/base/`, bottom first.
const BASE: [&str; 10] = [
    "error",
    "text",
    "apportion",
    "fsio",
    "table",
    "spec",
    "timing",
    "journal",
    "run",
    "process",
];

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).expect("read dir") {
        let p = e.expect("entry").path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// The code of a file without comment lines (doc comments name other modules freely).
fn code(path: &Path) -> String {
    std::fs::read_to_string(path)
        .expect("source")
        .lines()
        .filter(|l| !l.trim_start().starts_with("//"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Every `<prefix>name` in `text` (module names: lower case and `_`).
fn names_after<'a>(text: &'a str, prefix: &str) -> Vec<&'a str> {
    text.match_indices(prefix)
        .map(|(i, _)| {
            let rest = &text[i + prefix.len()..];
            let end = rest
                .find(|c: char| !(c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_'))
                .unwrap_or(rest.len());
            &rest[..end]
        })
        .filter(|n| !n.is_empty())
        .collect()
}

#[test]
fn dependencies_point_down_the_pipeline() {
    let src = root().join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let mut bad = Vec::new();
    for f in &files {
        let rel = f.strip_prefix(&src).expect("under src");
        let first = rel
            .components()
            .next()
            .and_then(|c| c.as_os_str().to_str())
            .expect("name");
        let module = first.trim_end_matches(".rs");
        if module == "lib" || module == "main" {
            continue;
        }
        let text = code(f);
        assert!(
            !text.contains("crate::{"),
            "{}: a grouped `crate::{{…}}` path hides its modules from this check",
            rel.display()
        );
        let Some(me) = MODULES.iter().position(|m| *m == module) else {
            bad.push(format!(
                "{}: module {module} is not in MODULES",
                rel.display()
            ));
            continue;
        };
        for dep in names_after(&text, "crate::") {
            match MODULES.iter().position(|m| *m == dep) {
                Some(d) if d > me => bad.push(format!("{}: {module} -> {dep}", rel.display())),
                None => bad.push(format!("{}: unknown module crate::{dep}", rel.display())),
                _ => {}
            }
        }
        if module != "base" {
            continue;
        }
        // Inside base: crate::base::x, and super::x in files directly in base/.
        let sub = rel
            .components()
            .nth(1)
            .and_then(|c| c.as_os_str().to_str())
            .map(|s| s.trim_end_matches(".rs"))
            .expect("base file");
        if sub == "mod" {
            continue;
        }
        let me = BASE
            .iter()
            .position(|m| *m == sub)
            .unwrap_or_else(|| panic!("base::{sub} is not in BASE"));
        let mut deps = names_after(&text, "crate::base::");
        if rel.components().count() == 2 {
            deps.extend(names_after(&text, "super::"));
        }
        for dep in deps {
            match BASE.iter().position(|m| *m == dep) {
                Some(d) if d > me => {
                    bad.push(format!("{}: base::{sub} -> base::{dep}", rel.display()))
                }
                None => bad.push(format!("{}: unknown foundation base::{dep}", rel.display())),
                _ => {}
            }
        }
    }
    assert!(
        bad.is_empty(),
        "dependencies against the pipeline order:\n{}",
        bad.join("\n")
    );
}

#[test]
fn lib_declares_the_modules_in_pipeline_order() {
    let lib = code(&root().join("src/lib.rs"));
    let declared: Vec<&str> = lib
        .lines()
        .filter_map(|l| l.trim().strip_prefix("pub mod "))
        .map(|l| l.trim_end_matches(';'))
        .collect();
    assert_eq!(declared, MODULES);
    let base = code(&root().join("src/base/mod.rs"));
    let mut declared: Vec<&str> = base
        .lines()
        .filter_map(|l| l.trim().strip_prefix("pub mod "))
        .map(|l| l.trim_end_matches(';'))
        .collect();
    declared.sort();
    let mut want = BASE.to_vec();
    want.sort();
    assert_eq!(declared, want);
}

#[test]
fn nothing_reads_a_path_outside_the_repository() {
    // Built from parts so that this file does not match itself.
    let needles = [format!("..{}shared", '/'), format!("{}work{}", '/', '/')];
    let mut files = Vec::new();
    for d in ["src", "tests", "examples", "benches"] {
        let mut all = Vec::new();
        walk(&root().join(d), &mut all);
        files.extend(all);
    }
    files.push(root().join(".ci/run"));
    files.push(root().join("Cargo.toml"));
    let mut bad = Vec::new();
    for f in files {
        let Ok(text) = std::fs::read_to_string(&f) else {
            continue;
        };
        for n in &needles {
            if text.contains(n.as_str()) {
                bad.push(format!("{} names {n}", f.display()));
            }
        }
    }
    assert!(bad.is_empty(), "{}", bad.join("\n"));
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    for e in rd.flatten() {
        let p = e.path();
        if p.is_dir() {
            walk(&p, out);
        } else {
            out.push(p);
        }
    }
}
