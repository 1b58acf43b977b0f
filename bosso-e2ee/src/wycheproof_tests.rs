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
            // Vectors whose nonce has Noise's layout, 0^32 || LE64(n), also run through
            // CipherState with its counter at n: its own nonce construction must rebuild the
            // vector's IV, or seal and open disagree with Wycheproof.
            if let (Some((zeros, counter)), Ok(key32)) = (
                iv.split_first_chunk::<4>(),
                <[u8; 32]>::try_from(key.as_slice()),
            ) && *zeros == [0u8; 4]
            {
                let n = u64::from_le_bytes(counter.try_into().unwrap());
                let mut st = CipherState::with_counter(&key32, n).unwrap();
                let mut buf = ct.clone();
                let r = st.open_in_place(&aad, &mut buf);
                assert_eq!(r.is_ok(), valid, "tc {}", t["tcId"]);
                if valid {
                    assert_eq!(buf[..r.unwrap()], msg[..], "tc {}", t["tcId"]);
                    let mut st = CipherState::with_counter(&key32, n).unwrap();
                    let mut sealed = msg.clone();
                    let tag = st.seal_in_place(&aad, &mut sealed).unwrap();
                    sealed.extend_from_slice(tag.as_ref());
                    assert_eq!(sealed, ct, "tc {}", t["tcId"]);
                    // The counter advanced: the same vector no longer opens.
                    let mut again = ct.clone();
                    assert!(st.open_in_place(&aad, &mut again).is_err());
                }
                through_state += 1;
            }
            checked += 1;
        }
    }
    assert!(checked > 200, "only {checked} vectors");
    // tcId 216-225 have a Noise-shaped nonce (counted independently from the JSON file).
    assert_eq!(
        through_state, 10,
        "CipherState checked {through_state} vectors"
    );
}
