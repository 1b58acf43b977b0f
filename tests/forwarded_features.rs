//! The umbrella crate forwards every feature of every member crate as `<crate>-<feature>`,
//! each turning its crate on, and its docs list exactly those features.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]
#![allow(missing_docs)]

use std::collections::BTreeSet;
use std::path::Path;

fn manifest(path: &Path) -> toml::Table {
    std::fs::read_to_string(path).unwrap().parse().unwrap()
}

#[test]
fn every_crate_feature_is_forwarded_and_documented() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let umbrella = manifest(&root.join("Cargo.toml"));
    let features = umbrella["features"].as_table().unwrap();
    let docs = std::fs::read_to_string(root.join("src/lib.rs")).unwrap();
    let crates = [
        "token", "auth", "accounts", "e2ee", "vault", "redact", "bouncer",
    ];
    let mut expected = BTreeSet::new();
    for short in crates {
        let krate = format!("bosso-{short}");
        let member = manifest(&root.join(&krate).join("Cargo.toml"));
        let Some(own) = member.get("features").and_then(|f| f.as_table()) else {
            continue;
        };
        for feature in own.keys().filter(|f| *f != "default") {
            let name = format!("{short}-{feature}");
            let forwarded = features
                .get(&name)
                .unwrap_or_else(|| panic!("{krate}/{feature} is not forwarded as `{name}`"))
                .as_array()
                .unwrap();
            let items: Vec<&str> = forwarded.iter().map(|v| v.as_str().unwrap()).collect();
            assert!(
                items.contains(&short),
                "`{name}` does not turn `{short}` on"
            );
            assert!(
                items.contains(&format!("{krate}/{feature}").as_str()),
                "`{name}` does not turn {krate}/{feature} on"
            );
            assert!(
                docs.contains(&format!("`{name}`")),
                "`{name}` missing from the docs"
            );
            expected.insert(name);
        }
    }
    // Nothing forwarded that no crate has.
    let forwarded: BTreeSet<String> = features
        .keys()
        .filter(|k| k.contains('-'))
        .cloned()
        .collect();
    assert_eq!(forwarded, expected);
}
