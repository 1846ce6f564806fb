//! One step at a time per process folder: while another process holds the journal's
//! lock, a step refuses, says which step holds it, and writes nothing.

mod common;
use common::*;
use sortes::base::journal::{Lock, Step};

#[test]
fn a_step_refuses_while_another_holds_the_journal() {
    let s = setup(&register_rows(30), "", "");
    commit(&s.process).success();
    let journal = std::fs::read(s.path("out/journal.jsonl")).unwrap();
    // This test process plays the other sortes process, in the middle of a selection.
    let held = Lock::take(&s.path("out"), Step::Select).expect("lock");
    let a = draw(&s.process, "1.2.3.4.5.6./7./").failure();
    let err = stderr_of(&a);
    assert!(
        err.contains("another sortes process is working on")
            && err.contains("the select step (sortes select) holds the journal"),
        "{err}"
    );
    assert_eq!(std::fs::read(s.path("out/journal.jsonl")).unwrap(), journal);
    assert!(!s.path("out/private/invitees.csv").exists());
    // Reading is not blocked: verify runs while the lock is held.
    on(&s, &["verify"]).success();
    drop(held);
    draw(&s.process, "1.2.3.4.5.6./7./").success();
}
