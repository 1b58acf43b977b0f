//! Scrubbing structured reports: by key name (the whole value goes) and by value (strings and
//! numbers are redacted like text), the way crash-report scrubbers do.

use crate::Redactor;
use crate::kind::Kind;
use crate::rules::keyvalue::key_rule;
use serde_json::Value;
use std::borrow::Cow;

impl Redactor {
    /// Scrub `value` in place. An object member whose key names a secret (`password`,
    /// `access_token`, `Authorization`, `apiKey`, ...) has its whole value replaced by
    /// `"[REDACTED:<kind>]"` unless it is `null`; every other string, number and key is redacted
    /// as text.
    pub fn scrub_json(&self, value: &mut Value) {
        match value {
            Value::String(s) => {
                if let Cow::Owned(o) = self.redact(s) {
                    *s = o;
                }
            }
            Value::Number(n) => {
                let text = n.to_string();
                if let Cow::Owned(o) = self.redact(&text) {
                    *value = Value::String(o);
                }
            }
            Value::Array(items) => items.iter_mut().for_each(|v| self.scrub_json(v)),
            Value::Object(map) => {
                // HAR-style pairs: `{"name": "Authorization", "value": "Basic ..."}`.
                let named = map
                    .iter()
                    .filter(|(k, _)| is_any(k, &["name", "key"]))
                    .find_map(|(_, v)| v.as_str().and_then(key_rule))
                    .filter(|r| self.enabled_rule(*r));
                let old = std::mem::take(map);
                for (key, mut v) in old {
                    let by_name = named.filter(|_| is_any(&key, &["value", "val"]));
                    match by_name.or_else(|| key_rule(&key).filter(|r| self.enabled_rule(*r))) {
                        Some(rule) if !v.is_null() => {
                            let secret = v.to_string();
                            v = Value::String(self.marker(Kind::Builtin(rule), secret.as_bytes()));
                        }
                        _ => self.scrub_json(&mut v),
                    }
                    // Two keys redacted to the same text must not overwrite each other.
                    let mut new_key = self.redact(&key).into_owned();
                    let mut n = 2;
                    while map.contains_key(&new_key) {
                        new_key = format!("{}#{n}", self.redact(&key));
                        n += 1;
                    }
                    map.insert(new_key, v);
                }
            }
            Value::Null | Value::Bool(_) => {}
        }
    }
}

fn is_any(key: &str, names: &[&str]) -> bool {
    names.iter().any(|n| key.eq_ignore_ascii_case(n))
}
