//! Backslash escapes as bash decodes them in `$'…'`, `echo -e` and `printf` formats, so that
//! `$'\x72\x6d'` is judged as `rm`.

/// Decode the body of an ANSI-C quoted string (`$'…'`). Bash stops at a NUL.
pub(crate) fn decode_ansi_c(s: &str) -> String {
    decode(s, Dialect::AnsiC).0
}

/// Decode `echo -e` text; the flag is `false` after `\c` (no further output).
pub(crate) fn decode_echo(s: &str) -> (String, bool) {
    decode(s, Dialect::Echo)
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Dialect {
    AnsiC,
    Echo,
}

fn decode(s: &str, dialect: Dialect) -> (String, bool) {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        let Some(e) = chars.next() else {
            out.push('\\');
            break;
        };
        let decoded = match e {
            'a' => Some('\u{7}'),
            'b' => Some('\u{8}'),
            'e' | 'E' => Some('\u{1b}'),
            'f' => Some('\u{c}'),
            'n' => Some('\n'),
            'r' => Some('\r'),
            't' => Some('\t'),
            'v' => Some('\u{b}'),
            '\\' => Some('\\'),
            '\'' if dialect == Dialect::AnsiC => Some('\''),
            '"' if dialect == Dialect::AnsiC => Some('"'),
            '?' if dialect == Dialect::AnsiC => Some('?'),
            'c' if dialect == Dialect::Echo => return (out, false),
            'c' => chars.next().map(|x| char::from((x as u8) & 0x1f)),
            'x' => number(&mut chars, 16, 2),
            'u' => number(&mut chars, 16, 4),
            'U' => number(&mut chars, 16, 8),
            '0' if dialect == Dialect::Echo => number(&mut chars, 8, 3).or(Some('\0')),
            '0'..='7' if dialect == Dialect::AnsiC => {
                let mut v = e.to_digit(8).unwrap_or(0);
                for _ in 0..2 {
                    match chars.peek().and_then(|d| d.to_digit(8)) {
                        Some(d) => {
                            v = v * 8 + d;
                            chars.next();
                        }
                        None => break,
                    }
                }
                char::from_u32(v & 0xff)
            }
            _ => None,
        };
        match decoded {
            Some('\0') => return (out, dialect == Dialect::Echo),
            Some(d) => out.push(d),
            None => {
                out.push('\\');
                out.push(e);
            }
        }
    }
    (out, true)
}

fn number(
    chars: &mut std::iter::Peekable<std::str::Chars<'_>>,
    radix: u32,
    max: usize,
) -> Option<char> {
    let mut v: u32 = 0;
    let mut n = 0;
    while n < max {
        match chars.peek().and_then(|d| d.to_digit(radix)) {
            Some(d) => {
                v = v.saturating_mul(radix).saturating_add(d);
                chars.next();
                n += 1;
            }
            None => break,
        }
    }
    if n == 0 {
        return None;
    }
    // Bytes above 0x7f from \x and octal are raw bytes in bash; as text they can only be
    // approximated, which is enough to judge ASCII commands.
    char::from_u32(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ansi_c() {
        assert_eq!(decode_ansi_c(r"\x72\x6d"), "rm");
        assert_eq!(decode_ansi_c(r"\162\155"), "rm");
        assert_eq!(decode_ansi_c(r"\u0072m"), "rm");
        assert_eq!(decode_ansi_c(r"a\tb\'"), "a\tb'");
        assert_eq!(decode_ansi_c(r"ab\0cd"), "ab");
        assert_eq!(decode_ansi_c(r"\q"), r"\q");
    }

    #[test]
    fn echo() {
        assert_eq!(decode_echo(r"rm\x20-rf"), ("rm -rf".into(), true));
        assert_eq!(decode_echo(r"a\cb"), ("a".into(), false));
        assert_eq!(decode_echo(r"\0162m"), ("rm".into(), true));
    }
}
