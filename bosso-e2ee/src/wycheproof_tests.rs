//! Wycheproof vectors through the exact layers this crate uses: X25519 through `keys::agree`
//! (x25519-dalek plus the contributory check) and ChaCha20-Poly1305 through ring's
//! `LessSafeKey` and through `CipherState` where the vector's nonce has Noise's shape.

use ring::aead::{Aad, CHACHA20_POLY1305, LessSafeKey, Nonce, UnboundKey};

use crate::keys::{PublicKey, agree};
use crate::symmetric::CipherState;

fn unhex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

fn load(name: &str) -> serde_json::Value {
    let path = format!(
        "{}/../../shared/vectors/wycheproof/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

#[test]
fn wycheproof_x25519_through_agree() {
    let v = load("x25519_test.json");
    let mut checked = 0;
    for group in v["testGroups"].as_array().unwrap() {
        for t in group["tests"].as_array().unwrap() {
            let private: [u8; 32] = unhex(t["private"].as_str().unwrap()).try_into().unwrap();
            let public = PublicKey::from_slice(&unhex(t["public"].as_str().unwrap())).unwrap();
            let shared = unhex(t["shared"].as_str().unwrap());
            let result = t["result"].as_str().unwrap();
            let got = agree(&x25519_dalek::StaticSecret::from(private), &public);
            if shared.iter().all(|b| *b == 0) {
                // Low-order / zero-shared cases: we must refuse, never agree on a known value.
                assert!(
                    got.is_err(),
                    "tc {} accepted a zero shared secret",
                    t["tcId"]
                );
            } else if result == "invalid" {
                assert!(got.is_err(), "tc {}", t["tcId"]);
            } else {
                assert_eq!(got.unwrap().as_slice(), &shared[..], "tc {}", t["tcId"]);
            }
            checked += 1;
        }
    }
    assert!(checked > 500, "only {checked} vectors");
}

#[test]
fn wycheproof_chacha20_poly1305_through_ring_and_cipher_state() {
    let v = load("chacha20_poly1305_test.json");
    let (mut checked, mut through_state) = (0, 0);
    for group in v["testGroups"].as_array().unwrap() {
        for t in group["tests"].as_array().unwrap() {
            let key = unhex(t["key"].as_str().unwrap());
            let iv = unhex(t["iv"].as_str().unwrap());
            let aad = unhex(t["aad"].as_str().unwrap());
            let msg = unhex(t["msg"].as_str().unwrap());
            let mut ct = unhex(t["ct"].as_str().unwrap());
            ct.extend(unhex(t["tag"].as_str().unwrap()));
            let valid = t["result"].as_str().unwrap() == "valid";
            let Ok(unbound) = UnboundKey::new(&CHACHA20_POLY1305, &key) else {
                assert!(!valid, "tc {}", t["tcId"]);
                continue;
            };
            let Ok(nonce) = Nonce::try_assume_unique_for_key(&iv) else {
                assert!(!valid, "tc {}", t["tcId"]);
                continue;
            };
            let k = LessSafeKey::new(unbound);
            let mut buf = ct.clone();
            let opened = k
                .open_in_place(nonce, Aad::from(&aad), &mut buf)
                .map(|p| p.to_vec());
            if valid {
                assert_eq!(opened.unwrap(), msg, "tc {}", t["tcId"]);
                let mut sealed = msg.clone();
                let n = Nonce::try_assume_unique_for_key(&iv).unwrap();
                k.seal_in_place_append_tag(n, Aad::from(&aad), &mut sealed)
                    .unwrap();
                assert_eq!(sealed, ct, "tc {}", t["tcId"]);
            } else {
                assert!(opened.is_err(), "tc {}", t["tcId"]);
            }
            // Vectors whose nonce is 0^32 || LE64(0) also run through CipherState at n = 0.
            if iv == [0u8; 12] && key.len() == 32 {
                let mut st = CipherState::new(&key.clone().try_into().unwrap()).unwrap();
                let mut buf = ct.clone();
                let r = st.open_in_place(&aad, &mut buf);
                assert_eq!(r.is_ok(), valid, "tc {}", t["tcId"]);
                through_state += 1;
            }
            checked += 1;
        }
    }
    assert!(checked > 200, "only {checked} vectors");
    let _ = through_state;
}
