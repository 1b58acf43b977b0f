//! Placeholder: replaced by the bosso-bouncer bench.
fn main() {}
