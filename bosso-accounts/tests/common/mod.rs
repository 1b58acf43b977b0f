#![allow(dead_code)]
use bosso_accounts::password::PasswordConfig;

/// Cheap Argon2 parameters: the tests are about behaviour, not cost.
pub fn cheap() -> PasswordConfig {
    PasswordConfig {
        memory_kib: 64,
        iterations: 1,
        parallelism: 1,
        ..PasswordConfig::default()
    }
}

pub fn hex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

pub fn vectors(name: &str) -> serde_json::Value {
    let path = format!(
        "{}/../../shared/vectors/rfc/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}
