//! Declares `cfg(fuzzing)` (set by cargo-fuzz): fuzz builds, and only they, get `Clone` on the
//! handshake and channel states so a fuzz target sets its keys up once per process.

fn main() {
    println!("cargo::rustc-check-cfg=cfg(fuzzing)");
}
