//! The redactor: one pass per trigger family, then merge and render.

use crate::Error;
use crate::kind::{Finding, Kind, Rule};
use crate::rules::{Hit, anchors, card, email};
use crate::tag::TagKey;
use aho_corasick::{AhoCorasick, MatchKind, packed};
use std::borrow::Cow;

/// A compiled rule set. Build once, share (`Sync`), call from any thread.
pub struct Redactor {
    /// Anchors of 4+ bytes, then the shorter ones (see [`AnchorSet`]).
    anchors: [AnchorSet; 2],
    enabled: u64,
    custom: Vec<Custom>,
    tags: Option<TagKey>,
}

impl core::fmt::Debug for Redactor {
    /// Counts only: the anchors include the home directory, which names the user.
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Redactor")
            .field(
                "anchors",
                &self.anchors.iter().map(|a| a.actions.len()).sum::<usize>(),
            )
            .field("enabled_rules", &self.enabled.count_ones())
            .field("user_rules", &self.custom.len())
            .field("keyed_tags", &self.tags.is_some())
            .finish()
    }
}

struct Custom {
    label: String,
    regex: regex::bytes::Regex,
}

/// One multi-literal search and the action of each of its patterns.
///
/// The anchors are split by length: Teddy fingerprints as many leading bytes as its shortest
/// pattern has (up to 4), so a few 3-byte anchors in one set of ~60 made every candidate
/// check weaker and the scan of a clean log three times slower. Two sets (4+ bytes with
/// 4-byte fingerprints, and a dozen 3-byte anchors) cost about a quarter more than the old
/// single set instead. Matches of the two sets may overlap; `spans` merges the hits.
struct AnchorSet {
    search: Anchors,
    actions: Vec<anchors::Action>,
}

impl AnchorSet {
    fn build(pats: Vec<(Vec<u8>, anchors::Action)>) -> AnchorSet {
        let (bytes, actions): (Vec<Vec<u8>>, Vec<anchors::Action>) = pats.into_iter().unzip();
        let packed = packed::Config::new()
            .match_kind(packed::MatchKind::LeftmostFirst)
            .builder()
            .extend(&bytes)
            .build();
        let search = match packed {
            Some(s) => Anchors::Packed(s),
            None if bytes.is_empty() => Anchors::Unavailable,
            None => match AhoCorasick::builder()
                .match_kind(MatchKind::LeftmostFirst)
                .build(&bytes)
            {
                Ok(ac) => Anchors::Automaton(ac),
                // Unreachable for a few dozen short literals. Failing to build must not panic;
                // `build` then reports nothing from anchors, which a test would catch.
                Err(_) => Anchors::Unavailable,
            },
        };
        AnchorSet { search, actions }
    }
}

/// The multi-literal search: Teddy (SIMD) when the CPU has it, an Aho-Corasick DFA otherwise.
enum Anchors {
    Packed(packed::Searcher),
    Automaton(AhoCorasick),
    Unavailable,
}

/// Configures a [`Redactor`].
pub struct RedactorBuilder {
    enabled: u64,
    home: Option<String>,
    custom: Vec<Custom>,
    tags: Option<TagKey>,
}

impl core::fmt::Debug for RedactorBuilder {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("RedactorBuilder")
            .field("enabled_rules", &self.enabled.count_ones())
            .field("home_dir", &self.home.is_some())
            .field("user_rules", &self.custom.len())
            .field("keyed_tags", &self.tags.is_some())
            .finish()
    }
}

impl Default for RedactorBuilder {
    fn default() -> Self {
        RedactorBuilder {
            enabled: Rule::ALL.iter().fold(0, |m, r| m | r.bit()),
            home: None,
            custom: Vec::new(),
            tags: None,
        }
    }
}

/// A span after overlapping hits were merged.
#[derive(Clone, Copy, Debug)]
struct Span {
    start: usize,
    end: usize,
    kind: Kind,
}

impl RedactorBuilder {
    /// Switch a built-in rule off.
    pub fn disable(mut self, rule: Rule) -> Self {
        self.enabled &= !rule.bit();
        self
    }

    /// Replace this home directory (e.g. `/home/alice`) with `~`. Shorter than 2 characters or
    /// `/` is ignored.
    pub fn home_dir(mut self, path: impl Into<String>) -> Self {
        let path: String = path.into();
        let trimmed = path.trim_end_matches(['/', '\\']);
        self.home = (trimmed.len() >= 2).then(|| trimmed.to_owned());
        self
    }

    /// Take the home directory from `HOME` (or `USERPROFILE`).
    pub fn home_from_env(self) -> Self {
        match std::env::var("HOME").or_else(|_| std::env::var("USERPROFILE")) {
            Ok(home) => self.home_dir(home),
            Err(_) => self,
        }
    }

    /// Add a rule of your own: matches of `pattern` become `[REDACTED:<label>]`. Each user rule
    /// is one more regex pass over the text; matches spanning a line break are ignored.
    pub fn rule(mut self, label: &str, pattern: &str) -> Result<Self, Error> {
        let ok = (1..=32).contains(&label.len())
            && label
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
        if !ok {
            return Err(Error::InvalidLabel);
        }
        let regex =
            regex::bytes::Regex::new(pattern).map_err(|e| Error::InvalidPattern(e.to_string()))?;
        self.custom.push(Custom {
            label: label.to_owned(),
            regex,
        });
        Ok(self)
    }

    /// Replace with keyed tags `[REDACTED:<kind>:<6 hex>]` instead of `[REDACTED:<kind>]`.
    pub fn keyed_tags(mut self, key: TagKey) -> Self {
        self.tags = Some(key);
        self
    }

    /// Compile the rule set.
    pub fn build(self) -> Redactor {
        let (long, short): (Vec<_>, Vec<_>) =
            anchors::patterns(self.home.as_deref().map(str::as_bytes))
                .into_iter()
                .partition(|(p, _)| p.len() >= 4);
        Redactor {
            anchors: [AnchorSet::build(long), AnchorSet::build(short)],
            enabled: self.enabled,
            custom: self.custom,
            tags: self.tags,
        }
    }
}

impl Default for Redactor {
    /// Every built-in rule, home directory from the environment, plain labels.
    fn default() -> Self {
        Redactor::builder().home_from_env().build()
    }
}

impl Redactor {
    /// Start configuring a redactor (all built-ins on, no home directory, plain labels).
    pub fn builder() -> RedactorBuilder {
        RedactorBuilder::default()
    }

    fn on(&self, rule: Rule) -> bool {
        self.enabled & rule.bit() != 0
    }

    /// The label of a kind as used in the replacement.
    pub fn label(&self, kind: Kind) -> &str {
        match kind {
            Kind::Builtin(rule) => rule.label(),
            Kind::Custom(i) => self.custom.get(i).map_or("custom", |c| c.label.as_str()),
        }
    }

    /// Anchor matches of both sets in text order (start, end, action).
    fn anchor_matches(&self, h: &[u8]) -> Vec<(usize, usize, anchors::Action)> {
        let mut found = Vec::new();
        for set in &self.anchors {
            let mut push = |s: usize, e: usize, pattern: usize| {
                if let Some(&action) = set.actions.get(pattern)
                    && anchors::produces(action) & self.enabled != 0
                {
                    found.push((s, e, action));
                }
            };
            match &set.search {
                Anchors::Packed(p) => p
                    .find_iter(h)
                    .for_each(|m| push(m.start(), m.end(), m.pattern().as_usize())),
                Anchors::Automaton(ac) => ac
                    .find_iter(h)
                    .for_each(|m| push(m.start(), m.end(), m.pattern().as_usize())),
                Anchors::Unavailable => {}
            }
        }
        // Stable: at one position the longer anchors' set comes first, as one search over all
        // anchors would have reported it.
        found.sort_by_key(|&(s, _, _)| s);
        found
    }

    fn hits(&self, h: &[u8], out: &mut Vec<(Hit, Kind)>) {
        let mut last_end = 0;
        for (s, e, action) in self.anchor_matches(h) {
            // An anchor inside a match matters only when its own match runs past that match's
            // end (a `Bearer` inside a header value cut short, a PEM block running past the
            // line): then both are kept and `spans` merges them, so nothing leaks at the edge.
            if let Some(hit) = anchors::verify(action, h, s, e)
                && self.on(hit.rule)
                && (s >= last_end || hit.end > last_end)
            {
                last_end = last_end.max(hit.end);
                out.push((hit, Kind::Builtin(hit.rule)));
            }
        }
        let (url, mail) = (self.on(Rule::UrlCredentials), self.on(Rule::Email));
        if url || mail {
            let mut last = 0;
            for a in memchr::memchr_iter(b'@', h) {
                if a < last {
                    continue;
                }
                if let Some(hit) = email::at_sign(h, a, url, mail) {
                    last = hit.end;
                    out.push((hit, Kind::Builtin(hit.rule)));
                }
            }
        }
        if self.on(Rule::CreditCard) {
            let mut cards = Vec::new();
            card::scan(h, &mut cards);
            out.extend(
                cards
                    .into_iter()
                    .map(|hit| (hit, Kind::Builtin(Rule::CreditCard))),
            );
        }
        for (i, c) in self.custom.iter().enumerate() {
            for m in c.regex.find_iter(h) {
                if !m.as_bytes().is_empty() && memchr::memchr(b'\n', m.as_bytes()).is_none() {
                    out.push((
                        Hit {
                            start: m.start(),
                            end: m.end(),
                            rule: Rule::HomeDir,
                        },
                        Kind::Custom(i),
                    ));
                }
            }
        }
    }

    /// Hits merged: overlapping spans become one, named by the leftmost (then longest).
    fn spans(&self, h: &[u8]) -> Vec<Span> {
        let mut raw = Vec::new();
        self.hits(h, &mut raw);
        if raw.is_empty() {
            return Vec::new();
        }
        raw.sort_unstable_by(|(a, ka), (b, kb)| {
            a.start
                .cmp(&b.start)
                .then(b.end.cmp(&a.end))
                .then(ka.cmp(kb))
        });
        let mut spans: Vec<Span> = Vec::with_capacity(raw.len());
        for (hit, kind) in raw {
            match spans.last_mut() {
                Some(last) if hit.start < last.end => last.end = last.end.max(hit.end),
                _ => spans.push(Span {
                    start: hit.start,
                    end: hit.end,
                    kind,
                }),
            }
        }
        spans
    }

    /// Where the secrets are, without copying them.
    pub fn find(&self, text: &str) -> Vec<Finding> {
        self.find_bytes(text.as_bytes())
    }

    /// [`find`](Self::find) over bytes (need not be UTF-8).
    pub fn find_bytes(&self, text: &[u8]) -> Vec<Finding> {
        self.spans(text)
            .into_iter()
            .map(|s| Finding {
                range: s.start..s.end,
                kind: s.kind,
            })
            .collect()
    }

    /// Redact `text`. Borrows (no allocation) when nothing matched.
    pub fn redact<'a>(&self, text: &'a str) -> Cow<'a, str> {
        match self.redact_bytes(text.as_bytes()) {
            Cow::Borrowed(_) => Cow::Borrowed(text),
            // Spans start and end next to ASCII bytes, so the output stays UTF-8; the lossy
            // path only guards against a user regex that cut a character.
            Cow::Owned(v) => Cow::Owned(
                String::from_utf8(v)
                    .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned()),
            ),
        }
    }

    /// [`redact`](Self::redact) over bytes (need not be UTF-8; non-UTF-8 bytes pass through).
    pub fn redact_bytes<'a>(&self, text: &'a [u8]) -> Cow<'a, [u8]> {
        let spans = self.spans(text);
        if spans.is_empty() {
            return Cow::Borrowed(text);
        }
        let mut out = Vec::with_capacity(text.len() + 16 * spans.len());
        self.render_to_fixpoint(text, &spans, &mut out);
        Cow::Owned(out)
    }

    /// Redact into `out` (appending); used by the writer to reuse its buffer.
    pub(crate) fn redact_into(&self, text: &[u8], out: &mut Vec<u8>) {
        let spans = self.spans(text);
        self.render_to_fixpoint(text, &spans, out);
    }

    /// Render, then rescan only the lines that changed until nothing more matches. A
    /// replacement can turn a near miss next to it into a match (`<token>/home/alice` is a
    /// home directory once the token became `[REDACTED:..]`); rescanning makes redaction
    /// idempotent by construction. Rules are line-local, so untouched lines need no rescan.
    fn render_to_fixpoint(&self, text: &[u8], spans: &[Span], out: &mut Vec<u8>) {
        const MAX_ROUNDS: usize = 4;
        let base = out.len();
        let mut marks = Vec::new();
        self.render(text, spans, out, base, &mut marks);
        for _ in 0..MAX_ROUNDS {
            if marks.is_empty() {
                return;
            }
            let current = out.get(base..).unwrap_or_default();
            let mut again = Vec::new();
            for line in touched_lines(current, &marks) {
                let slice = current.get(line.clone()).unwrap_or_default();
                again.extend(self.spans(slice).into_iter().map(|s| Span {
                    start: s.start + line.start,
                    end: s.end + line.start,
                    kind: s.kind,
                }));
            }
            if again.is_empty() {
                return;
            }
            let current = out.split_off(base);
            marks.clear();
            self.render(&current, &again, out, base, &mut marks);
        }
    }

    fn render(
        &self,
        text: &[u8],
        spans: &[Span],
        out: &mut Vec<u8>,
        base: usize,
        marks: &mut Vec<(usize, usize)>,
    ) {
        let mut pos = 0;
        for span in spans {
            out.extend_from_slice(text.get(pos..span.start).unwrap_or_default());
            let m = out.len() - base;
            self.push_marker(
                span.kind,
                text.get(span.start..span.end).unwrap_or_default(),
                out,
            );
            marks.push((m, out.len() - base));
            pos = span.end;
        }
        out.extend_from_slice(text.get(pos..).unwrap_or_default());
    }

    fn push_marker(&self, kind: Kind, secret: &[u8], out: &mut Vec<u8>) {
        if kind == Kind::Builtin(Rule::HomeDir) {
            out.push(b'~');
            return;
        }
        out.extend_from_slice(b"[REDACTED:");
        out.extend_from_slice(self.label(kind).as_bytes());
        if let Some(key) = &self.tags {
            out.push(b':');
            out.extend_from_slice(key.tag(secret).as_bytes());
        }
        out.push(b']');
    }

    /// The replacement text for `secret` of this kind.
    #[cfg_attr(not(feature = "json"), allow(dead_code))]
    pub(crate) fn marker(&self, kind: Kind, secret: &[u8]) -> String {
        let mut out = Vec::new();
        self.push_marker(kind, secret, &mut out);
        String::from_utf8_lossy(&out).into_owned()
    }

    /// Whether a built-in rule is switched on.
    pub fn enabled_rule(&self, rule: Rule) -> bool {
        self.on(rule)
    }
}

/// The lines (without their newline) holding each replacement, merged, in order.
fn touched_lines(text: &[u8], marks: &[(usize, usize)]) -> Vec<core::ops::Range<usize>> {
    let mut lines: Vec<core::ops::Range<usize>> = Vec::new();
    for &(s, e) in marks {
        if lines.last().is_some_and(|l| s < l.end) {
            continue;
        }
        let start = text
            .get(..s)
            .and_then(|t| memchr::memrchr(b'\n', t))
            .map_or(0, |n| n + 1);
        let end = text
            .get(e..)
            .and_then(|t| memchr::memchr(b'\n', t))
            .map_or(text.len(), |n| e + n);
        match lines.last_mut() {
            Some(l) if start <= l.end => l.end = l.end.max(end),
            _ => lines.push(start..end),
        }
    }
    lines
}
