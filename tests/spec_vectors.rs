//! The Rust implementation of the draw spec against the test vectors of
//! docs/test-vectors.md. Those values were computed by the Python reference
//! verifier (standard library, ChaCha20 written out) — an independent
//! implementation — and the ChaCha20 block function is also pinned by RFC 8439.

use sortes::base::spec::{Seed, Stream, derive_key, sample};

fn stream() -> Stream {
    let seed = Seed::parse("3.12.19.27.33.41./7./").unwrap();
    Stream::for_step("invitation-draw", &seed, &"0".repeat(64))
}

#[test]
fn canonical_seed_and_key() {
    let seed = Seed::parse("3.12.19.27.33.41./7./").unwrap();
    assert_eq!(seed.canonical(), "rfc3797:3.12.19.27.33.41./7./");
    assert_eq!(
        hex::encode(derive_key("invitation-draw", &seed, &"0".repeat(64))),
        "f8b1f8c5d2097ed921d1c001c70334f74e3e569c2d364a8936f7d3aa6854c7d8"
    );
}

#[test]
fn first_words() {
    let mut s = stream();
    let w: Vec<u32> = (0..8).map(|_| s.next_u32()).collect();
    assert_eq!(
        w,
        [
            0xa485ac29, 0x3f11edfc, 0xcb820d9e, 0x90938d82, 0xecb5c133, 0x820803ec, 0xea99d8ab,
            0x388a9090
        ]
    );
    let mut s = stream();
    let d: Vec<u64> = (0..4).map(|_| s.next_u64()).collect();
    assert_eq!(
        d,
        [
            0x3f11edfca485ac29,
            0x90938d82cb820d9e,
            0x820803ececb5c133,
            0x388a9090ea99d8ab
        ]
    );
}

#[test]
fn bounded_integers_in_sequence() {
    let mut s = stream();
    let got: Vec<u64> = [1u64, 2, 3, 10, 612_065, (1 << 63) + 1]
        .iter()
        .map(|&n| s.below(n))
        .collect();
    assert_eq!(got, [0, 0, 0, 1, 101_373, 4_831_169_329_288_738_394]);
    // Five calls of 2 words, and the last one rejected twice: 6 words.
    assert_eq!(s.words_used(), 16);
}

#[test]
fn sample_five_of_twenty() {
    let items: Vec<u32> = (0..20).collect();
    assert_eq!(sample(&mut stream(), &items, 5), [9, 14, 5, 18, 11]);
}

/// Lottery number and reserve order (spec §13), values from the Python reference
/// implementation in docs/verifier/sortes_verify.py.
#[test]
fn lottery_number_and_reserve_order() {
    use sortes::lottery::draw;
    let seed = Seed::parse("3.12.19.27.33.41./7./").unwrap();
    assert_eq!(draw::number_from_seed(&seed, &"0".repeat(64), 1000), 81);
    let hex = Seed::parse("hex:00ff").unwrap();
    assert_eq!(draw::number_from_seed(&hex, &"ab".repeat(32), 1000), 826);
    let pool: Vec<String> = (1..=20).map(|i| format!("P{i:04}")).collect();
    let order = draw::reserve_order(
        &draw::seed_for_number(187),
        &"0".repeat(64),
        187,
        &pool,
        &[],
    );
    let want = [
        5, 19, 3, 18, 9, 13, 8, 2, 11, 6, 12, 15, 17, 7, 1, 16, 4, 14, 10, 20,
    ];
    let want: Vec<String> = want.iter().map(|i| format!("P{i:04}")).collect();
    assert_eq!(order, want);
}
