//! Pairing-offer URLs for the differential test of the Rust and JS parsers: named edge cases
//! of every check (lengths, base64 forms, JSON syntax and types as serde_json reads them,
//! server id, key, endpoint) and seeded random byte mutations of them. Deterministic.

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE, URL_SAFE_NO_PAD};

/// xorshift64*: the same cases on every run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

const KEY: [u8; 32] = [7; 32];

fn offer_json(v: &str, id: &str, key: &str, relay: &str, extra: &str) -> Vec<u8> {
    format!(r#"{{"v":{v},"serverId":{id},"daemonPublicKeyB64":{key},"relay":{relay}{extra}}}"#)
        .into_bytes()
}

/// JSON documents around one valid offer, each field and each serde_json rule varied.
fn json_cases() -> Vec<Vec<u8>> {
    let key = format!("\"{}\"", STANDARD.encode(KEY));
    let id = "\"srv_AbCdEfGhIjKl\"";
    let relay = r#"{"endpoint":"relay.example:443"}"#;
    let mut out = Vec::new();
    for v in [
        "2",
        "1",
        "3",
        "0",
        "-0",
        "2.0",
        "2e0",
        "02",
        "-2",
        "4294967298",
        "4294967296",
        "18446744073709551617",
        "1e400",
        "\"2\"",
        "null",
        "true",
        "[2]",
        "{}",
    ] {
        out.push(offer_json(v, id, &key, relay, ""));
    }
    let long = format!("\"{}\"", "x".repeat(128));
    let too_long = format!("\"{}\"", "x".repeat(129));
    for id in [
        "\"\"",
        "\"s\"",
        &long,
        &too_long,
        "\"srv x\"",
        "\"srv\\u0000\"",
        "\"srv\\u007f\"",
        "\"\\ud800\"",
        "\"\\udc00\"",
        "\"\\ud83d\\ude00\"",
        "\"\\ud800\\u0041\"",
        "\"é\"",
        "\"!~#\"",
        "\"a\\\"b\"",
        "\"a\\/b\"",
        "\"a\\x\"",
        "\"a\\u12G4\"",
        "1",
        "null",
    ] {
        out.push(offer_json("2", id, &key, relay, ""));
    }
    let no_pad = format!("\"{}\"", STANDARD.encode(KEY).trim_end_matches('='));
    let url_safe = format!("\"{}\"", URL_SAFE.encode([0xfb; 32]));
    let short = format!("\"{}\"", STANDARD.encode([7u8; 31]));
    let long_key = format!("\"{}\"", STANDARD.encode([7u8; 33]));
    let partial_pad = format!("\"{}=\"", STANDARD.encode(KEY).trim_end_matches('='));
    for key in [
        no_pad.as_str(),
        &url_safe,
        &short,
        &long_key,
        &partial_pad,
        "\"\"",
        "\" \"",
        "\"AAAA\"",
        "32",
        "null",
    ] {
        out.push(offer_json("2", id, key, relay, ""));
    }
    for relay in [
        r#"{"endpoint":"h:1"}"#,
        r#"{"endpoint":"h:65535"}"#,
        r#"{"endpoint":"h:65536"}"#,
        r#"{"endpoint":"h:0"}"#,
        r#"{"endpoint":"h:+1"}"#,
        r#"{"endpoint":"h:-1"}"#,
        r#"{"endpoint":"h:00001"}"#,
        r#"{"endpoint":":1"}"#,
        r#"{"endpoint":"h"}"#,
        r#"{"endpoint":"h:"}"#,
        r#"{"endpoint":"[::1]:443"}"#,
        r#"{"endpoint":"a:b:1"}"#,
        r#"{"endpoint":"h :1"}"#,
        r#"{"endpoint":"é:1"}"#,
        r#"{"endpoint":""}"#,
        r#"{"endpoint":"h:1","endpoint":"h:2"}"#,
        r#"{"endpoint":"h:1","x":[1,{"y":null}]}"#,
        r#"["h:1"]"#,
        r#"["h:1",2]"#,
        "[]",
        "{}",
        "null",
        r#""h:1""#,
    ] {
        out.push(offer_json("2", id, &key, relay, ""));
    }
    let deep = format!(",\"x\":{}{}", "[".repeat(300), "]".repeat(300));
    for extra in [
        r#","v":2"#,
        r#","serverId":"s""#,
        r#","x":1,"x":2"#,
        r#","x":"\ud800""#,
        r#","x":"\udc00\u0041""#,
        r#","x":1e400"#,
        r#","x":-0.0e-5"#,
        r#","x":01"#,
        r#","x":1."#,
        r#","x":tru"#,
        r#","x":"a\x""#,
        ",\"x\":\"a\tb\"",
        ",\"x\":\"a\u{7f}b\"",
        ",",
        r#","":1"#,
        r#","\u0076":2"#,
        r#","\ud800":1"#,
        r#","\udc00x":1"#,
        r#","\ud83d\ude00":1"#,
        &deep,
    ] {
        out.push(offer_json("2", id, &key, relay, extra));
    }
    let base = offer_json("2", id, &key, relay, "");
    let text = String::from_utf8(base.clone()).unwrap();
    out.push(format!(" \n\t\r{text} \n").into_bytes());
    out.push(format!("\u{feff}{text}").into_bytes());
    out.push(format!("{text} x").into_bytes());
    out.push(format!("{text}{text}").into_bytes());
    out.push(text.replace("\"v\"", "\"\\u0076\"").into_bytes());
    out.push(text.replace("\"v\"", "\"V\"").into_bytes());
    out.push(format!(r#"[2,{id},{key},{relay}]"#).into_bytes());
    out.push(format!(r#"[2,{id},{key},["h:1"]]"#).into_bytes());
    out.push(format!(r#"[2,{id},{key}]"#).into_bytes());
    out.push(format!(r#"[2,{id},{key},{relay},5]"#).into_bytes());
    // Invalid UTF-8: inside an ignored string, inside the server id, outside any string.
    let mut bad = offer_json("2", id, &key, relay, r#","x":"ZZ""#);
    let at = bad.len() - 3;
    bad[at] = 0xff;
    out.push(bad);
    out.push(text.replace("srv_AbCdEfGhIjKl", "srv_\u{1}").into_bytes());
    let mut bad_id = base.clone();
    let at = text.find("srv_").unwrap();
    bad_id[at] = 0xc3;
    out.push(bad_id);
    out.push([&base[..5], &[0xff], &base[5..]].concat());
    out.push(Vec::new());
    out.push(b"null".to_vec());
    out.push(b"[]".to_vec());
    out.push(base);
    out
}

/// One random byte-level change: flip, delete, insert a JSON-significant or random byte.
fn mutate(rng: &mut Rng, doc: &[u8]) -> Vec<u8> {
    let mut d = doc.to_vec();
    if d.is_empty() {
        return vec![b'{'];
    }
    let at = rng.below(d.len());
    const SPECIAL: &[u8] = b"{}[]\",:\\ 0123456789-+.eEtfnu\x00\x1f\x7f\xc3\xff";
    match rng.below(4) {
        0 => d[at] ^= 1 << rng.below(8),
        1 => {
            d.remove(at);
        }
        2 => d.insert(at, SPECIAL[rng.below(SPECIAL.len())]),
        _ => d.insert(at, rng.next() as u8),
    }
    d
}

/// Every JSON case encoded as an offer URL, in several URL and base64 forms, plus mutations.
pub fn generate() -> Vec<String> {
    let docs = json_cases();
    let mut rng = Rng(0x0ffe_2101_b055_0001);
    let mut urls = Vec::new();
    for doc in &docs {
        urls.push(format!(
            "https://app.example/#offer={}",
            URL_SAFE_NO_PAD.encode(doc)
        ));
    }
    let good = docs.last().unwrap();
    let enc = URL_SAFE_NO_PAD.encode(good);
    for url in [
        format!("#offer={enc}"),
        format!("offer={enc}"),
        format!("https://a/#x#offer={enc}"),
        format!("https://a/#Offer={enc}"),
        format!("https://a/?offer={enc}"),
        format!("https://a/#offer={}", STANDARD.encode(good)),
        format!("https://a/#offer={}", URL_SAFE.encode(good)),
        format!("https://a/#offer={enc}="),
        format!("https://a/#offer={enc}===="),
        format!("https://a/#offer= {enc}"),
        format!("https://a/#offer={enc}\n"),
        format!("https://a/#offer={}", &enc[..enc.len() - 1]),
        format!("https://a/#offer={}", enc.replace('-', "+")),
        "https://a/#offer=".to_owned(),
        "https://a/".to_owned(),
        String::new(),
        format!("https://é/#offer={enc}"),
    ] {
        urls.push(url);
    }
    // Around the 4096-byte cap: a padded server id makes the URL exactly 4096 and 4097 bytes.
    for target in [4095usize, 4096, 4097] {
        let prefix = "https://a/#offer=";
        let mut id_len = 1;
        let url = loop {
            let doc = offer_json(
                "2",
                &format!("\"{}\"", "x".repeat(id_len)),
                &format!("\"{}\"", STANDARD.encode(KEY)),
                r#"{"endpoint":"h:1"}"#,
                &format!(",\"pad\":\"{}\"", "p".repeat(2900)),
            );
            let url = format!("{prefix}{}", URL_SAFE_NO_PAD.encode(&doc));
            if url.len() >= target || id_len > 200 {
                break url;
            }
            id_len += 1;
        };
        urls.push(format!(
            "{url}{}",
            "A".repeat(target.saturating_sub(url.len()))
        ));
    }
    for _ in 0..4000 {
        let doc = &docs[rng.below(docs.len())];
        let mut m = mutate(&mut rng, doc);
        if rng.below(3) == 0 {
            m = mutate(&mut rng, &m);
        }
        urls.push(format!(
            "https://app.example/#offer={}",
            URL_SAFE_NO_PAD.encode(&m)
        ));
    }
    for _ in 0..500 {
        let mut u = format!("https://app.example/#offer={enc}").into_bytes();
        let at = 20 + rng.below(u.len() - 20);
        u[at] = b"AZaz09-_+/=.!# "[rng.below(15)];
        urls.push(String::from_utf8(u).unwrap());
    }
    urls
}
