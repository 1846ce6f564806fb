//! The quota file reader on arbitrary bytes, then the check against k.
#![no_main]
use libfuzzer_sys::fuzz_target;
use std::path::Path;

fuzz_target!(|data: &[u8]| {
    let path = Path::new("quotas.csv");
    if let Ok(q) = sortes::quotas::parse_quota_file(path, data) {
        let _ = sortes::quotas::check_against_k(&q, 50, path);
        let _ = sortes::quotas::write_quota_file(&q);
    }
});
