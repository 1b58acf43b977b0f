//! Payment card numbers: 13-19 digits, contiguous or in 4-4-4-4(-3) / 4-6-5 / 4-6-4 groups
//! separated by one space or dash, first digit 2-6 (the card networks' ranges), Luhn-valid.
//!
//! Digits are everywhere in logs (timestamps, ids, hashes), so the trigger is a word-at-a-time
//! scan for what every card has and ordinary numbers rarely do: 13 or more digits inside one
//! unbroken run of digits, spaces and dashes. Only such runs are parsed.

use super::{Hit, at, prev};
use crate::kind::Rule;

fn is_region(b: u8) -> bool {
    b.is_ascii_digit() || b == b' ' || b == b'-'
}

/// Bit `i` set where `block[i]` is a digit, and where it is a space or dash.
///
/// Two steps the compiler vectorizes well: a byte-wise map to 0/1 (SIMD compares), then eight
/// 0/1 bytes at a time gathered into eight bits by one multiply (each byte's bit lands in a
/// distinct position of the top byte; no carries since every byte is 0 or 1).
fn block_masks(block: &[u8; 64]) -> (u64, u64) {
    let mut dig = [0u8; 64];
    let mut sep = [0u8; 64];
    for ((d, s), &b) in dig.iter_mut().zip(sep.iter_mut()).zip(block.iter()) {
        *d = u8::from(b.wrapping_sub(b'0') < 10);
        *s = u8::from(b == b' ' || b == b'-');
    }
    (pack(&dig), pack(&sep))
}

fn pack(bytes: &[u8; 64]) -> u64 {
    const GATHER: u64 = 0x0102_0408_1020_4080;
    let mut out = 0u64;
    for (i, chunk) in bytes.chunks_exact(8).enumerate() {
        let mut w = [0u8; 8];
        w.copy_from_slice(chunk);
        let bits = u64::from_le_bytes(w).wrapping_mul(GATHER) >> 56;
        out |= bits << (8 * i);
    }
    out
}

/// Find card numbers in `h`, pushing hits.
///
/// Per 64-byte block: `m` marks digits, and separators with a digit on both sides; a card is a
/// run of at least 13 set bits in `m` (13+ digits, separators only between digits). Runs of
/// 13 are found with shifts-and-ands; a run crossing into the block from the previous one is
/// handled by carrying the previous block's mask into the high half of a 128-bit word.
pub(crate) fn scan(h: &[u8], out: &mut Vec<Hit>) {
    let mut done = 0usize;
    let mut prev_m = 0u64;
    let mut prev_d_top = 0u64;
    let mut base = 0usize;
    let mut blocks = h.chunks_exact(64);
    for block in &mut blocks {
        let mut arr = [0u8; 64];
        arr.copy_from_slice(block);
        let m = run_mask(&arr, prev_d_top);
        if m != 0 && starts_13_run(prev_m, m) {
            done = regions(h, base.saturating_sub(64), base + 64, done, out);
        }
        prev_d_top = u64::from(block.last().is_some_and(u8::is_ascii_digit));
        prev_m = m;
        base += 64;
    }
    let tail = blocks.remainder();
    if !tail.is_empty() {
        let mut arr = [b'x'; 64];
        if let Some(dst) = arr.get_mut(..tail.len()) {
            dst.copy_from_slice(tail);
        }
        let m = run_mask(&arr, prev_d_top);
        if m != 0 && starts_13_run(prev_m, m) {
            regions(h, base.saturating_sub(64), h.len(), done, out);
        }
    }
}

/// Digits, and separators with a digit on both sides (at the block's edges: the previous
/// block's last byte on the left, and optimistically a digit on the right).
fn run_mask(block: &[u8; 64], prev_d_top: u64) -> u64 {
    let (d, s) = block_masks(block);
    d | (s & ((d << 1) | prev_d_top) & ((d >> 1) | (1 << 63)))
}

/// Whether 13 consecutive set bits end inside `m`, looking back into `prev` (the block before).
fn starts_13_run(prev: u64, m: u64) -> bool {
    let x = u128::from(prev) | (u128::from(m) << 64);
    let mut r = x & (x >> 1); // bit p: p..p+1 set
    r &= r >> 2; // p..p+3
    r &= r >> 4; // p..p+7
    r &= r >> 5; // p..p+12
    // A run starting at p reaches this block iff p + 12 >= 64.
    r >> 52 != 0
}

/// Process every digit region that has a digit in `lo..hi` and starts at or after `done`.
fn regions(h: &[u8], lo: usize, hi: usize, mut done: usize, out: &mut Vec<Hit>) -> usize {
    let mut i = lo.max(done);
    while i < hi {
        if !at(h, i).is_some_and(|b| b.is_ascii_digit()) {
            i += 1;
            continue;
        }
        let mut start = i;
        while prev(h, start).is_some_and(is_region) {
            start -= 1;
        }
        let mut end = i;
        while at(h, end).is_some_and(is_region) {
            end += 1;
        }
        if start >= done {
            region(h, start, end, out);
        }
        done = end;
        i = end;
    }
    done
}

/// Try a card at every number start inside one region of digits, spaces and dashes.
fn region(h: &[u8], start: usize, end: usize, out: &mut Vec<Hit>) {
    let mut s = start;
    while s < end {
        let starts_number = at(h, s).is_some_and(|b| b.is_ascii_digit())
            && prev(h, s).is_none_or(|b| !b.is_ascii_digit());
        let left_ok = s != start
            || prev(h, s)
                .is_none_or(|b| !(b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'/')));
        if starts_number
            && left_ok
            && let Some(e) = card_at(h, s, end)
        {
            out.push(Hit {
                start: s,
                end: e,
                rule: Rule::CreditCard,
            });
            s = e;
            continue;
        }
        s += 1;
    }
}

fn digits_run(h: &[u8], from: usize, end: usize) -> usize {
    h.get(from..end)
        .unwrap_or_default()
        .iter()
        .take_while(|b| b.is_ascii_digit())
        .count()
}

/// A card number starting at `s` (inside a region ending at `end`): its end.
fn card_at(h: &[u8], s: usize, end: usize) -> Option<usize> {
    let first = digits_run(h, s, end);
    if (13..=19).contains(&first) {
        let e = s + first;
        return (valid(h, s, e) && right_ok(h, e)).then_some(e);
    }
    if first != 4 {
        return None;
    }
    let sep = at(h, s + 4).filter(|&b| b == b' ' || b == b'-')?;
    // Group lengths as read; then the longest known layout that is a prefix of them.
    let mut groups = [0usize; 5];
    let mut ends = [0usize; 5];
    let mut n = 0;
    let mut i = s;
    while n < 5 {
        let len = digits_run(h, i, end);
        if len == 0 {
            break;
        }
        if let (Some(g), Some(en)) = (groups.get_mut(n), ends.get_mut(n)) {
            *g = len;
            *en = i + len;
        }
        n += 1;
        i += len;
        if at(h, i) == Some(sep) && at(h, i + 1).is_some_and(|b| b.is_ascii_digit()) {
            i += 1;
        } else {
            break;
        }
    }
    const LAYOUTS: &[&[usize]] = &[&[4, 4, 4, 4, 3], &[4, 4, 4, 4], &[4, 6, 5], &[4, 6, 4]];
    for layout in LAYOUTS {
        let Some(read) = groups.get(..layout.len()) else {
            continue;
        };
        if layout.len() > n || read != *layout {
            continue;
        }
        let e = *ends.get(layout.len() - 1)?;
        // A layout that stops inside a longer group sequence must end at a group boundary.
        if valid(h, s, e) && right_ok(h, e) {
            return Some(e);
        }
    }
    None
}

/// After the card: not glued to a word or a decimal part.
fn right_ok(h: &[u8], e: usize) -> bool {
    match at(h, e) {
        None => true,
        Some(b) if b.is_ascii_alphanumeric() || b == b'_' => false,
        Some(b'.' | b',') => !at(h, e + 1).is_some_and(|b| b.is_ascii_digit()),
        Some(_) => true,
    }
}

/// Network range (first digit 2-6), 13-19 digits, Luhn checksum.
fn valid(h: &[u8], s: usize, e: usize) -> bool {
    let Some(bytes) = h.get(s..e) else {
        return false;
    };
    let digits = bytes.iter().filter(|b| b.is_ascii_digit());
    let count = digits.clone().count();
    if !(13..=19).contains(&count) || !matches!(bytes.first(), Some(b'2'..=b'6')) {
        return false;
    }
    luhn(digits.rev().map(|b| u32::from(b - b'0')))
}

/// The Luhn checksum over digits given from the rightmost.
pub(crate) fn luhn(digits_from_right: impl Iterator<Item = u32>) -> bool {
    let sum: u32 = digits_from_right
        .enumerate()
        .map(|(i, d)| {
            if i % 2 == 1 {
                let x = d * 2;
                if x > 9 { x - 9 } else { x }
            } else {
                d
            }
        })
        .sum();
    sum.is_multiple_of(10)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn block_masks_are_exact() {
        let mut block = [0u8; 64];
        for start in (0u16..256).step_by(64) {
            for (i, b) in block.iter_mut().enumerate() {
                *b = (start + i as u16) as u8;
            }
            let (d, s) = block_masks(&block);
            for (i, &b) in block.iter().enumerate() {
                assert_eq!(d >> i & 1 == 1, b.is_ascii_digit(), "digit {b:#x}");
                assert_eq!(s >> i & 1 == 1, b == b' ' || b == b'-', "sep {b:#x}");
            }
        }
    }

    #[test]
    fn run_of_13_detection() {
        assert!(starts_13_run(0, (1 << 13) - 1));
        assert!(!starts_13_run(0, (1 << 12) - 1));
        // 6 bits at the top of the previous block and 7 at the bottom of this one.
        assert!(starts_13_run(0x3f << 58, 0x7f));
        assert!(!starts_13_run(0x3f << 58, 0x3f));
        // A run wholly inside the previous block was reported with that block.
        assert!(!starts_13_run((1 << 13) - 1, 0));
    }

    #[test]
    fn cards_across_block_edges_are_found() {
        for pad in 40..70 {
            for card in [
                "4111111111111111",
                "4111 1111 1111 1111",
                "4111-1111-1111-1111",
                "4222222222222",
            ] {
                let text = format!("{} {card} x", "a".repeat(pad));
                let mut out = Vec::new();
                scan(text.as_bytes(), &mut out);
                assert_eq!(out.len(), 1, "pad {pad} card {card}");
                assert_eq!(out[0].start, pad + 1);
            }
        }
    }

    #[test]
    fn luhn_known_values() {
        // Published test numbers (Visa/Mastercard/Amex docs) pass; off-by-one fails.
        let ok = |s: &str| luhn(s.bytes().rev().map(|b| u32::from(b - b'0')));
        assert!(ok("4111111111111111"));
        assert!(ok("5555555555554444"));
        assert!(ok("378282246310005"));
        assert!(ok("79927398713"));
        assert!(!ok("4111111111111112"));
        assert!(!ok("79927398710"));
    }
}
