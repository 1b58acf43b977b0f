//! Pairing offer parsing: full URLs with `#offer=` and the JSON payload.
#![no_main]

use bosso_e2ee::PairingOffer;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = PairingOffer::from_json(data);
    if let Ok(text) = std::str::from_utf8(data) {
        if let Ok(offer) = PairingOffer::from_url(text) {
            // A parsed offer re-encodes to a URL that parses to the same offer.
            let url = offer.to_url("https://app.example").expect("encode");
            assert_eq!(PairingOffer::from_url(&url).expect("reparse"), offer);
        }
    }
});
