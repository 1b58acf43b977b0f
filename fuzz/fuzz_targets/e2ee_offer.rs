//! Pairing offer parsing (full URLs with `#offer=`, bare fragments and the JSON payload) with
//! what `offer.rs` promises for every offer it accepts: the fields are valid (server id of 1 to
//! 128 visible ASCII characters, `host:port` endpoint), `to_json` is the canonical form (compact,
//! Paseo's key order) and parses back to the same offer, and `to_url` round-trips.
#![no_main]

use bosso_e2ee::{PairingOffer, PublicKey, ServerId};
use libfuzzer_sys::fuzz_target;

fn check(offer: &PairingOffer) {
    let id = offer.server_id.as_str();
    assert!((1..=ServerId::MAX_LEN).contains(&id.len()), "{id:?}");
    assert!(id.bytes().all(|b| b.is_ascii_graphic()), "{id:?}");
    assert_eq!(ServerId::parse(id).expect("server id"), offer.server_id);
    let endpoint = &offer.relay_endpoint;
    let (host, port) = endpoint.rsplit_once(':').expect("host:port");
    assert!(!host.is_empty() && port.parse::<u16>().is_ok_and(|p| p != 0));
    assert!(endpoint.bytes().all(|b| b.is_ascii_graphic()));

    let json = offer.to_json().expect("encode");
    let again = PairingOffer::from_json(json.as_bytes()).expect("reparse JSON");
    assert_eq!(&again, offer);
    assert_eq!(
        again.to_json().expect("encode"),
        json,
        "to_json is not canonical"
    );
    assert!(json.starts_with("{\"v\":2,\"serverId\":"), "{json}");

    let url = offer.to_url("https://app.example").expect("encode");
    assert_eq!(&PairingOffer::from_url(&url).expect("reparse URL"), offer);
    let fragment = url.split_once('#').expect("fragment").1;
    assert_eq!(
        &PairingOffer::from_url(fragment).expect("bare fragment"),
        offer
    );
}

/// An offer built from the input (a server id and an endpoint split at a fuzz-chosen point), so
/// the round-trip properties run on many offers, not only on the JSON the fuzzer happens to find.
fn built_offer(data: &[u8]) -> Option<PairingOffer> {
    let (&at, rest) = data.split_first()?;
    let (id, endpoint) = rest.split_at(usize::from(at).min(rest.len()));
    let id = ServerId::parse(std::str::from_utf8(id).ok()?).ok()?;
    let key = PublicKey::from_bytes([9; 32]);
    PairingOffer::new(id, key, std::str::from_utf8(endpoint).ok()?).ok()
}

fuzz_target!(|data: &[u8]| {
    if let Some(offer) = built_offer(data) {
        check(&offer);
    }
    if let Ok(offer) = PairingOffer::from_json(data) {
        check(&offer);
    }
    if let Ok(text) = std::str::from_utf8(data) {
        if let Ok(offer) = PairingOffer::from_url(text) {
            check(&offer);
        }
        if let Ok(id) = ServerId::parse(text) {
            assert_eq!(id.as_str(), text);
        }
    }
});
