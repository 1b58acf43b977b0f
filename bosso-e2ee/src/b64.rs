//! Base64 as the Paseo wire uses it: standard padded on output; on input standard or url-safe,
//! padded or not, and nothing else (whitespace and other characters are refused).

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD_NO_PAD;

use crate::error::{Error, Result};

/// Decodes standard or url-safe base64, padded or unpadded. Any other character is an error.
pub(crate) fn decode_lenient(text: &str) -> Result<Vec<u8>> {
    // The standard-alphabet decoder below refuses every character outside its alphabet
    // (whitespace included) and misplaced '='; the url-safe alphabet is mapped onto it first,
    // only when used, so the common standard form is decoded without a copy.
    let bytes = text.as_bytes();
    let url_safe = bytes.iter().any(|b| *b == b'-' || *b == b'_');
    let mapped_owned: Vec<u8>;
    let mapped: &[u8] = if url_safe {
        mapped_owned = bytes
            .iter()
            .map(|b| match b {
                b'-' => b'+',
                b'_' => b'/',
                other => *other,
            })
            .collect();
        &mapped_owned
    } else {
        bytes
    };
    // Padding is optional, but if present it must be complete: 1 or 2 '=' at the very end of a
    // multiple-of-4 text. Non-canonical trailing bits are refused by the decoder.
    let unpadded_len = mapped.iter().rposition(|b| *b != b'=').map_or(0, |p| p + 1);
    let (body, pad) = mapped.split_at(unpadded_len);
    if body.contains(&b'=') || pad.len() > 2 || (!pad.is_empty() && !mapped.len().is_multiple_of(4))
    {
        return Err(Error::Base64);
    }
    STANDARD_NO_PAD.decode(body).map_err(|_| Error::Base64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_all_four_forms_and_rejects_junk() {
        let bytes = [0xfbu8, 0xff, 0xbf, 0x01];
        for t in ["+/+/AQ==", "+/+/AQ", "-_-_AQ==", "-_-_AQ"] {
            assert_eq!(decode_lenient(t).unwrap(), bytes, "{t}");
        }
        for t in [
            "+/+/AQ=",
            "+/+/AQ===",
            "=+/+/AQ",
            "+/+/AR",
            "+/+ /AQ==",
            "+/+/AQ==\n",
            "+/+/A*==",
            "é",
        ] {
            assert!(decode_lenient(t).is_err(), "{t}");
        }
    }
}
