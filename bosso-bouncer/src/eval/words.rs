//! Turning parsed words into arguments: brace expansion, tilde, quote removal, ANSI-C quoting,
//! parameters the line itself assigned, `$IFS` field splitting and static command output.
//! Whatever cannot be known becomes `\0` in the argument text.

use brush_parser::ast;
use brush_parser::word::{
    self as bw, BraceExpressionMember, BraceExpressionOrText, Parameter, ParameterExpr,
    SpecialParameter, WordPiece,
};

use super::parse::{guarded, options};
use super::{Arg, Content, Evaluator, Scope};
use crate::Span;
use crate::escapes::decode_ansi_c;

/// A word with more brace alternatives than this is treated as a pattern instead.
const MAX_BRACE_WORDS: usize = 64;
const DEFAULT_IFS: &str = " \t\n";
/// Words with more `{` than this are not brace-expanded (each alternative becomes `*`).
const MAX_BRACES: usize = 8;

/// Arguments under construction for one word.
struct Fields {
    done: Vec<Arg>,
    cur: Arg,
    started: bool,
}

impl Fields {
    fn new() -> Self {
        Self {
            done: Vec::new(),
            cur: Arg::default(),
            started: false,
        }
    }

    fn text(&mut self, s: &str, quoted: bool) {
        if !quoted && is_pattern(s) {
            self.cur.glob = true;
        }
        self.cur.text.push_str(s);
        self.started = true;
    }

    fn unknown(&mut self, download: bool) {
        self.cur.text.push('\0');
        self.cur.download |= download;
        self.started = true;
    }

    fn end_field(&mut self) {
        if self.started {
            self.done.push(std::mem::take(&mut self.cur));
            self.started = false;
        }
    }

    /// A known expansion result: split on IFS unless quoted (which is how `rm${IFS}-rf${IFS}/`
    /// becomes three arguments). `ifs` is `None` when the line set IFS to something unknown.
    fn expanded(&mut self, value: &str, quoted: bool, download: bool, ifs: Option<&str>) {
        self.cur.download |= download;
        if quoted {
            self.text(value, true);
            return;
        }
        let Some(ifs) = ifs else {
            self.unknown(download);
            return;
        };
        for c in value.chars() {
            if ifs.contains(c) {
                self.end_field();
            } else {
                let mut buf = [0u8; 4];
                self.text(c.encode_utf8(&mut buf), false);
            }
        }
    }

    fn finish(mut self) -> Vec<Arg> {
        self.end_field();
        self.done
    }
}

/// A parameter's value as far as it is known.
enum Value {
    Known(String),
    /// `"$@"`-style: several arguments.
    Many(Vec<Arg>),
    Unknown,
}

impl Evaluator<'_> {
    /// Every argument a word expands to (zero for an unquoted empty expansion).
    pub(crate) fn words(&mut self, word: &ast::Word) -> Vec<Arg> {
        let span = self.span_of(word.loc.as_ref());
        let mut out = Vec::new();
        for alt in self.brace_expand(&word.value) {
            out.extend(self.expand(&alt, span, true));
        }
        out
    }

    /// A word as one value, without field splitting (assignments, redirection targets).
    pub(crate) fn word_joined(&mut self, word: &ast::Word) -> Arg {
        let span = self.span_of(word.loc.as_ref());
        self.raw_joined(&word.value, span)
    }

    pub(crate) fn raw_joined(&mut self, raw: &str, span: Span) -> Arg {
        let mut fields = self.expand(raw, span, false).into_iter();
        let mut arg = fields.next().unwrap_or_default();
        for f in fields {
            arg.text.push(' ');
            arg.text.push_str(&f.text);
            arg.glob |= f.glob;
            arg.download |= f.download;
        }
        arg
    }

    /// The text of an unquoted here-document: parameters and command substitutions expand,
    /// quotes are literal.
    pub(crate) fn heredoc(&mut self, doc: &str, span: Span) -> Arg {
        let parsed = guarded(|| bw::parse_heredoc(doc, &options()));
        let Some(Ok(pieces)) = parsed else {
            return Arg::unknown();
        };
        let mut f = Fields::new();
        for p in &pieces {
            self.piece(&p.piece, &mut f, span, true, false);
        }
        f.finish().into_iter().next().unwrap_or_default()
    }

    /// Walk the command substitutions inside a raw string without using its value
    /// (default values of `${x:-…}`, arithmetic, patterns).
    pub(crate) fn scan_raw(&mut self, raw: &str, span: Span) {
        if raw.contains(['$', '`']) {
            self.expand(raw, span, false);
        }
    }

    fn brace_expand(&mut self, raw: &str) -> Vec<String> {
        if !raw.contains('{') {
            return vec![raw.to_owned()];
        }
        // brush-parser unwraps the integer of a sequence, and its brace parser backtracks
        // exponentially on runs of unclosed `{`: keep both away from it.
        if has_long_digit_run(raw) || raw.matches('{').count() > MAX_BRACES {
            return vec![raw.replace(['{', '}'], "*")];
        }
        let parsed = guarded(|| bw::parse_brace_expansions(raw, &options()));
        let Some(Ok(Some(pieces))) = parsed else {
            return vec![raw.to_owned()];
        };
        match expand_braces(&pieces, MAX_BRACE_WORDS) {
            Some(words) => words,
            // Too many alternatives: keep one word that matches at least what they would.
            None => vec![raw.replace(['{', '}', ','], "*")],
        }
    }

    fn expand(&mut self, raw: &str, span: Span, split: bool) -> Vec<Arg> {
        // Most words are plain text: no quoting, expansion or pattern to resolve.
        if !raw.is_empty() && raw.bytes().all(is_plain_byte) {
            return vec![Arg::lit(raw)];
        }
        let parsed = guarded(|| bw::parse(raw, &options()));
        let Some(Ok(pieces)) = parsed else {
            return vec![Arg::unknown()];
        };
        let mut f = Fields::new();
        let mut first = true;
        for (i, piece) in pieces.iter().enumerate() {
            if first && let WordPiece::Text(t) = &piece.piece {
                first = false;
                if let Some(rest) = self.tilde(t, &mut f, i + 1 == pieces.len()) {
                    f.text(rest, false);
                    continue;
                }
            }
            first = false;
            self.piece(&piece.piece, &mut f, span, false, split);
        }
        let out = f.finish();
        if out.is_empty() && !split {
            return vec![Arg::default()];
        }
        out
    }

    /// Tilde expansion of a leading unquoted `~…/`; returns the text left to append.
    fn tilde<'t>(&self, text: &'t str, f: &mut Fields, last_piece: bool) -> Option<&'t str> {
        let rest = text.strip_prefix('~')?;
        let (user, tail) = match rest.find('/') {
            Some(i) => (rest.get(..i)?, rest.get(i..)?),
            None if last_piece => (rest, ""),
            None => return None,
        };
        let home = match user {
            "" => Some(self.env.home.clone()),
            "+" => self.sh.cwd.clone(),
            "-" => None,
            "root" => Some("/root".into()),
            u if u
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "._-".contains(c)) =>
            {
                Some(crate::paths::join(crate::paths::parent(&self.env.home), u))
            }
            _ => return None,
        };
        match home {
            Some(h) => f.text(&h, true),
            None => f.unknown(false),
        }
        Some(tail)
    }

    fn piece(&mut self, piece: &WordPiece, f: &mut Fields, span: Span, quoted: bool, split: bool) {
        let split_here = split && !quoted;
        match piece {
            WordPiece::Text(t) => f.text(t, quoted),
            WordPiece::SingleQuotedText(t) => f.text(t, true),
            WordPiece::AnsiCQuotedText(t) => f.text(&decode_ansi_c(t), true),
            WordPiece::EscapeSequence(e) => {
                let c = e.strip_prefix('\\').unwrap_or(e);
                if c != "\n" {
                    f.text(c, true);
                }
            }
            WordPiece::DoubleQuotedSequence(inner)
            | WordPiece::GettextDoubleQuotedSequence(inner) => {
                f.started = true;
                for p in inner {
                    self.piece(&p.piece, f, span, true, split);
                }
            }
            WordPiece::TildeExpansion(_) => f.text(&self.env.home.clone(), true),
            WordPiece::ParameterExpansion(expr) => match self.parameter(expr, span) {
                Value::Known(v) => {
                    let ifs = self.ifs();
                    f.expanded(&v, !split_here, false, ifs.as_deref());
                }
                Value::Many(args) => {
                    for (i, a) in args.into_iter().enumerate() {
                        if i > 0 {
                            f.end_field();
                        }
                        f.text(&a.text, true);
                        f.cur.download |= a.download;
                    }
                }
                Value::Unknown => f.unknown(false),
            },
            WordPiece::CommandSubstitution(code)
            | WordPiece::BackquotedCommandSubstitution(code) => {
                match self.eval_code(code, span, Scope::Subshell) {
                    Content::Static(out) => {
                        let ifs = self.ifs();
                        f.expanded(
                            out.trim_end_matches('\n'),
                            !split_here,
                            false,
                            ifs.as_deref(),
                        );
                    }
                    other => f.unknown(other.download()),
                }
            }
            WordPiece::ArithmeticExpression(expr) => {
                self.scan_raw(&expr.value, span);
                f.unknown(false);
            }
        }
    }

    fn parameter(&mut self, expr: &ParameterExpr, span: Span) -> Value {
        match expr {
            ParameterExpr::Parameter {
                parameter,
                indirect: false,
            } => self.param_value(parameter),
            ParameterExpr::UseDefaultValues {
                parameter,
                indirect: false,
                default_value,
                ..
            }
            | ParameterExpr::AssignDefaultValues {
                parameter,
                indirect: false,
                default_value,
                ..
            } => {
                if let Some(d) = default_value {
                    self.scan_raw(d, span);
                }
                match self.param_value(parameter) {
                    Value::Known(v) if !v.is_empty() => Value::Known(v),
                    _ => Value::Unknown,
                }
            }
            other => {
                for raw in nested_raw(other) {
                    self.scan_raw(raw, span);
                }
                Value::Unknown
            }
        }
    }

    /// The field separators in force.
    fn ifs(&self) -> Option<String> {
        match &self.sh.ifs {
            None => Some(DEFAULT_IFS.to_owned()),
            Some(v) => v.clone(),
        }
    }

    fn param_value(&self, p: &Parameter) -> Value {
        let known = |a: &Arg| match a.known() {
            Some(v) => Value::Known(v.to_owned()),
            None => Value::Unknown,
        };
        match p {
            Parameter::Named(name) => match self.sh.vars.get(name.as_str()) {
                Some(Some(a)) => known(a),
                Some(None) => Value::Unknown,
                None => match name.as_str() {
                    "HOME" => Value::Known(self.env.home.clone()),
                    "PWD" => self.sh.cwd.clone().map_or(Value::Unknown, Value::Known),
                    "IFS" => self.ifs().map_or(Value::Unknown, Value::Known),
                    _ => Value::Unknown,
                },
            },
            Parameter::Positional(n) => match &self.sh.positional {
                Some(args) => match args.get(*n as usize) {
                    Some(a) => known(a),
                    // An unknown argument may have expanded to several (`sh -c '…' sh "$@"`).
                    None if args.iter().any(Arg::is_dynamic) => Value::Unknown,
                    None => Value::Known(String::new()),
                },
                None => Value::Unknown,
            },
            Parameter::Special(SpecialParameter::AllPositionalParameters { .. }) => {
                match &self.sh.positional {
                    Some(args) => Value::Many(args.iter().skip(1).cloned().collect()),
                    None => Value::Unknown,
                }
            }
            Parameter::Special(SpecialParameter::ShellName) => match &self.sh.positional {
                Some(args) => args.first().map_or(Value::Unknown, known),
                None => Value::Unknown,
            },
            _ => Value::Unknown,
        }
    }
}

/// The raw strings inside a parameter expression that may hold command substitutions.
fn nested_raw(expr: &ParameterExpr) -> Vec<&str> {
    let mut out: Vec<&str> = Vec::new();
    match expr {
        ParameterExpr::UseDefaultValues {
            default_value: v, ..
        }
        | ParameterExpr::AssignDefaultValues {
            default_value: v, ..
        }
        | ParameterExpr::IndicateErrorIfNullOrUnset {
            error_message: v, ..
        }
        | ParameterExpr::UseAlternativeValue {
            alternative_value: v,
            ..
        }
        | ParameterExpr::RemoveSmallestSuffixPattern { pattern: v, .. }
        | ParameterExpr::RemoveLargestSuffixPattern { pattern: v, .. }
        | ParameterExpr::RemoveSmallestPrefixPattern { pattern: v, .. }
        | ParameterExpr::RemoveLargestPrefixPattern { pattern: v, .. }
        | ParameterExpr::UppercaseFirstChar { pattern: v, .. }
        | ParameterExpr::UppercasePattern { pattern: v, .. }
        | ParameterExpr::LowercaseFirstChar { pattern: v, .. }
        | ParameterExpr::LowercasePattern { pattern: v, .. } => out.extend(v.as_deref()),
        ParameterExpr::Substring { offset, length, .. } => {
            out.push(&offset.value);
            out.extend(length.as_ref().map(|l| l.value.as_str()));
        }
        ParameterExpr::ReplaceSubstring {
            pattern,
            replacement,
            ..
        } => {
            out.push(pattern);
            out.extend(replacement.as_deref());
        }
        _ => {}
    }
    if let Some(index) = parameter_index(expr) {
        out.push(index);
    }
    out
}

/// `${a[$(cmd)]}`: array subscripts are evaluated too.
fn parameter_index(expr: &ParameterExpr) -> Option<&str> {
    let p = match expr {
        ParameterExpr::Parameter { parameter, .. }
        | ParameterExpr::UseDefaultValues { parameter, .. }
        | ParameterExpr::AssignDefaultValues { parameter, .. }
        | ParameterExpr::IndicateErrorIfNullOrUnset { parameter, .. }
        | ParameterExpr::UseAlternativeValue { parameter, .. }
        | ParameterExpr::ParameterLength { parameter, .. }
        | ParameterExpr::Substring { parameter, .. }
        | ParameterExpr::Transform { parameter, .. }
        | ParameterExpr::ReplaceSubstring { parameter, .. } => parameter,
        _ => return None,
    };
    match p {
        Parameter::NamedWithIndex { index, .. } => Some(index),
        _ => None,
    }
}

/// Bytes that mean only themselves in an unquoted word (no quoting, expansion, pattern or
/// tilde).
fn is_plain_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric()
        || matches!(
            b,
            b'-' | b'_' | b'.' | b'/' | b':' | b'=' | b'+' | b'@' | b'%' | b',' | b'^'
        )
}

/// Pathname-expansion characters: `*`, `?`, or a `[` closed by a later `]`.
fn is_pattern(s: &str) -> bool {
    s.contains(['*', '?'])
        || s.find('[')
            .is_some_and(|i| s.get(i + 1..).is_some_and(|r| r.contains(']')))
}

fn has_long_digit_run(s: &str) -> bool {
    let mut run = 0;
    for b in s.bytes() {
        run = if b.is_ascii_digit() { run + 1 } else { 0 };
        if run >= 18 {
            return true;
        }
    }
    false
}

/// All words of a brace expression, or `None` past `cap`.
fn expand_braces(pieces: &[BraceExpressionOrText], cap: usize) -> Option<Vec<String>> {
    let mut words = vec![String::new()];
    for piece in pieces {
        let alts: Vec<String> = match piece {
            BraceExpressionOrText::Text(t) => vec![t.clone()],
            BraceExpressionOrText::Expr(members) => {
                let mut alts = Vec::new();
                for m in members {
                    alts.extend(expand_member(m, cap)?);
                    if alts.len() > cap {
                        return None;
                    }
                }
                alts
            }
        };
        if words.len().saturating_mul(alts.len()) > cap {
            return None;
        }
        words = words
            .iter()
            .flat_map(|w| alts.iter().map(move |a| format!("{w}{a}")))
            .collect();
    }
    Some(words)
}

fn expand_member(m: &BraceExpressionMember, cap: usize) -> Option<Vec<String>> {
    match m {
        BraceExpressionMember::Child(pieces) => expand_braces(pieces, cap),
        BraceExpressionMember::NumberSequence {
            start,
            end,
            increment,
        } => {
            let step = increment.checked_abs()?.max(1);
            let span = start.abs_diff(*end) / step.unsigned_abs();
            if span >= cap as u64 {
                return None;
            }
            let dir = if end >= start { step } else { -step };
            Some(
                (0..=span as i64)
                    .map(|k| (start + k * dir).to_string())
                    .collect(),
            )
        }
        BraceExpressionMember::CharSequence {
            start,
            end,
            increment,
        } => {
            let (a, b) = (*start as u32, *end as u32);
            let step = u32::try_from(increment.checked_abs()?.max(1)).ok()?;
            if a.abs_diff(b) / step >= cap as u32 {
                return None;
            }
            let range: Vec<u32> = if a <= b {
                (a..=b).step_by(step as usize).collect()
            } else {
                (b..=a).rev().step_by(step as usize).collect()
            };
            Some(
                range
                    .into_iter()
                    .filter_map(char::from_u32)
                    .map(String::from)
                    .collect(),
            )
        }
    }
}
