//! Walking the syntax tree: lists, pipelines, compound commands, functions, redirections.

use brush_parser::ast::{
    self, Command, CompoundCommand, CompoundList, ExtendedTestExpr, IoFileRedirectKind,
    IoFileRedirectTarget, IoRedirect, SeparatorOperator,
};

use super::command::Io;
use super::{Arg, Content, Evaluator, ShellState};
use crate::{BuiltinRule, Span};

/// `for x in …` bodies are walked once per value up to this many values.
const MAX_FOR_VALUES: usize = 16;

impl Content {
    /// The output of two commands run one after the other.
    pub(crate) fn then(self, next: Content) -> Content {
        match (self, next) {
            (Content::Nothing, n) => n,
            (s, Content::Nothing) => s,
            (Content::Static(a), Content::Static(b)) => Content::Static(a + &b),
            (a, b) => Content::Unknown {
                download: a.download() || b.download(),
            },
        }
    }
}

impl Evaluator<'_> {
    pub(crate) fn program(&mut self, program: &ast::Program) -> Content {
        let mut out = Content::Nothing;
        for list in &program.complete_commands {
            let o = self.list(list, &Content::Nothing);
            out = out.then(o);
        }
        out
    }

    fn list(&mut self, list: &CompoundList, stdin: &Content) -> Content {
        let mut out = Content::Nothing;
        for ast::CompoundListItem(and_or, _) in &list.0 {
            let mut o = self.pipeline(&and_or.first, stdin);
            for next in &and_or.additional {
                let (ast::AndOr::And(p) | ast::AndOr::Or(p)) = next;
                o = o.then(self.pipeline(p, stdin));
            }
            out = out.then(o);
        }
        out
    }

    fn pipeline(&mut self, pipeline: &ast::Pipeline, stdin: &Content) -> Content {
        let mut input = stdin.clone();
        let mut code_reader_upstream = false;
        for (i, cmd) in pipeline.seq.iter().enumerate() {
            let from = if i == 0 { stdin.clone() } else { input };
            self.stage_reads_code = false;
            self.stage_egress = false;
            input = self.command(cmd, &from);
            if code_reader_upstream && self.stage_egress {
                let span = self.span_of(ast::SourceLocation::location(pipeline).as_ref());
                self.deny(
                    BuiltinRule::ReverseShell,
                    "a shell reading commands from a pipe sends its output over the network",
                    span,
                );
            }
            code_reader_upstream |= self.stage_reads_code;
        }
        input
    }

    fn command(&mut self, cmd: &Command, stdin: &Content) -> Content {
        match cmd {
            Command::Simple(simple) => self.simple_command(simple, stdin),
            Command::Compound(compound, redirects) => {
                let span = self.span_of(ast::SourceLocation::location(compound).as_ref());
                let items: Vec<&IoRedirect> = redirects.iter().flat_map(|r| r.0.iter()).collect();
                let io = self.redirects(&items, span);
                self.redirect_rules(&io, span, false);
                let input = io.stdin.clone().unwrap_or_else(|| stdin.clone());
                self.compound(compound, &input)
            }
            Command::Function(def) => {
                self.function(def);
                Content::Nothing
            }
            Command::ExtendedTest(test, redirects) => {
                let span = self.span_of(Some(&test.loc));
                let items: Vec<&IoRedirect> = redirects.iter().flat_map(|r| r.0.iter()).collect();
                let io = self.redirects(&items, span);
                self.redirect_rules(&io, span, false);
                self.test_expr(&test.expr);
                Content::Nothing
            }
        }
    }

    fn test_expr(&mut self, expr: &ExtendedTestExpr) {
        match expr {
            ExtendedTestExpr::And(a, b) | ExtendedTestExpr::Or(a, b) => {
                self.test_expr(a);
                self.test_expr(b);
            }
            ExtendedTestExpr::Not(a) | ExtendedTestExpr::Parenthesized(a) => self.test_expr(a),
            ExtendedTestExpr::UnaryTest(_, w) => {
                self.words(w);
            }
            ExtendedTestExpr::BinaryTest(_, a, b) => {
                self.words(a);
                self.words(b);
            }
        }
    }

    fn compound(&mut self, compound: &CompoundCommand, stdin: &Content) -> Content {
        let span = self.span_of(ast::SourceLocation::location(compound).as_ref());
        match compound {
            CompoundCommand::BraceGroup(g) => self.list(&g.list, stdin),
            CompoundCommand::Subshell(s) => {
                let saved = self.sh.clone();
                let out = self.list(&s.list, stdin);
                self.restore_keeping_downloads(saved);
                out
            }
            CompoundCommand::Arithmetic(a) => {
                self.scan_raw(&a.expr.value, span);
                Content::Nothing
            }
            CompoundCommand::ArithmeticForClause(f) => {
                for e in [&f.initializer, &f.condition, &f.updater]
                    .into_iter()
                    .flatten()
                {
                    self.scan_raw(&e.value, span);
                }
                self.loop_body(|ev| ev.list(&f.body.list, stdin))
            }
            CompoundCommand::ForClause(f) => self.for_clause(f, stdin, span),
            CompoundCommand::CaseClause(c) => {
                self.words(&c.value);
                let pre = self.sh.clone();
                let mut branches = vec![pre.clone()];
                let mut out = Content::Nothing;
                for item in &c.cases {
                    self.sh = pre.clone();
                    for p in &item.patterns {
                        self.words(p);
                    }
                    if let Some(cmd) = &item.cmd {
                        out = out.then(self.list(cmd, stdin));
                    }
                    branches.push(self.sh.clone());
                }
                self.sh = merge(branches);
                out
            }
            CompoundCommand::IfClause(i) => {
                let mut out = self.list(&i.condition, stdin);
                let pre = self.sh.clone();
                let mut branches = Vec::new();
                out = out.then(self.list(&i.then, stdin));
                branches.push(std::mem::replace(&mut self.sh, pre.clone()));
                let mut has_else = false;
                for e in i.elses.iter().flatten() {
                    if let Some(cond) = &e.condition {
                        out = out.then(self.list(cond, stdin));
                    } else {
                        has_else = true;
                    }
                    out = out.then(self.list(&e.body, stdin));
                    branches.push(std::mem::replace(&mut self.sh, pre.clone()));
                }
                if !has_else {
                    branches.push(pre);
                }
                self.sh = merge(branches);
                out
            }
            CompoundCommand::WhileClause(w) | CompoundCommand::UntilClause(w) => {
                let cond = self.list(&w.0, stdin);
                cond.then(self.loop_body(|ev| ev.list(&w.1.list, stdin)))
            }
            CompoundCommand::Coprocess(c) => {
                self.command(&c.body, stdin);
                Content::Unknown { download: false }
            }
        }
    }

    /// A body that may run zero or more times.
    fn loop_body(&mut self, body: impl FnOnce(&mut Self) -> Content) -> Content {
        let pre = self.sh.clone();
        let out = body(self);
        let after = std::mem::take(&mut self.sh);
        self.sh = merge(vec![pre, after]);
        out
    }

    fn for_clause(&mut self, f: &ast::ForClauseCommand, stdin: &Content, span: Span) -> Content {
        let values: Option<Vec<Arg>> = f
            .values
            .as_ref()
            .map(|ws| ws.iter().flat_map(|w| self.words(w)).collect());
        let name = f.variable_name.clone();
        match values {
            Some(vals) if vals.len() <= MAX_FOR_VALUES && !vals.is_empty() => {
                let mut out = Content::Nothing;
                for v in vals {
                    self.sh.vars.insert(name.clone(), Some(v));
                    out = out.then(self.list(&f.body.list, stdin));
                }
                self.sh.vars.insert(name, None);
                out
            }
            _ => {
                let _ = span;
                self.sh.vars.insert(name, None);
                self.loop_body(|ev| ev.list(&f.body.list, stdin))
            }
        }
    }

    fn restore_keeping_downloads(&mut self, saved: ShellState) {
        let downloaded = std::mem::take(&mut self.sh.downloaded);
        self.sh = saved;
        for d in downloaded {
            if !self.sh.downloaded.contains(&d) {
                self.sh.downloaded.push(d);
            }
        }
    }

    fn function(&mut self, def: &ast::FunctionDefinition) {
        let name = def.fname.value.clone();
        let span = self.span_of(ast::SourceLocation::location(def).as_ref());
        let (calls, piped_or_background) = self_calls(&def.body.0, &name, false);
        if piped_or_background || calls >= 2 {
            self.deny(
                BuiltinRule::ForkBomb,
                "a function that calls itself in a pipeline, in the background or twice (fork bomb)",
                span,
            );
        }
        self.sh.functions.insert(name);
        // The body runs when called; walk it once, in a copy of the shell.
        let saved = self.sh.clone();
        let items: Vec<&IoRedirect> = def.body.1.iter().flat_map(|r| r.0.iter()).collect();
        let io = self.redirects(&items, span);
        self.redirect_rules(&io, span, false);
        self.compound(&def.body.0, &Content::Nothing);
        self.restore_keeping_downloads(saved);
    }

    /// Resolve a command's redirections: what they write, what they read, where stdin comes
    /// from.
    pub(crate) fn redirects(&mut self, items: &[&IoRedirect], span: Span) -> Io {
        let mut io = Io::default();
        for r in items {
            match r {
                IoRedirect::File(fd, kind, target) => {
                    let is_stdin = fd.is_none_or(|f| f == 0);
                    match target {
                        IoFileRedirectTarget::Filename(w) => {
                            let arg = self.word_joined(w);
                            if is_network(&arg) {
                                io.net = true;
                                io.net_fds.extend(*fd);
                            }
                            if arg
                                .text
                                .parse::<i32>()
                                .is_ok_and(|n| self.sh.net_fds.contains(&n))
                            {
                                io.net = true;
                            }
                            match kind {
                                IoFileRedirectKind::Read => {
                                    if is_stdin {
                                        let path = arg.known().and_then(|p| {
                                            crate::paths::resolve(p, self.sh.cwd.as_deref())
                                        });
                                        io.stdin = Some(Content::File(path));
                                    }
                                    io.reads.push(arg);
                                }
                                IoFileRedirectKind::ReadAndWrite => {
                                    io.reads.push(arg.clone());
                                    io.writes.push(arg);
                                }
                                IoFileRedirectKind::DuplicateInput
                                | IoFileRedirectKind::DuplicateOutput => {
                                    if !arg.text.chars().all(|c| c.is_ascii_digit() || c == '-') {
                                        io.writes.push(arg);
                                    }
                                }
                                _ => io.writes.push(arg),
                            }
                        }
                        IoFileRedirectTarget::Duplicate(w) => {
                            let arg = self.word_joined(w);
                            io.net |= is_network(&arg)
                                || arg
                                    .text
                                    .parse::<i32>()
                                    .is_ok_and(|n| self.sh.net_fds.contains(&n));
                            if !arg.text.chars().all(|c| c.is_ascii_digit() || c == '-') {
                                io.writes.push(arg);
                            }
                        }
                        IoFileRedirectTarget::Fd(n) => io.net |= self.sh.net_fds.contains(n),
                        IoFileRedirectTarget::ProcessSubstitution(kind, sub) => {
                            let out = self.list_in_subshell(&sub.list);
                            if matches!(kind, ast::ProcessSubstitutionKind::Read) && is_stdin {
                                io.stdin = Some(out);
                            }
                        }
                    }
                }
                IoRedirect::HereDocument(_, doc) => {
                    let arg = if doc.requires_expansion {
                        self.heredoc(&doc.doc.value, span)
                    } else {
                        Arg::lit(doc.doc.value.clone())
                    };
                    io.stdin = Some(content_of(arg, false));
                }
                IoRedirect::HereString(_, w) => {
                    let arg = self.word_joined(w);
                    io.stdin = Some(content_of(arg, true));
                }
                IoRedirect::OutputAndError(w, _) => {
                    let arg = self.word_joined(w);
                    io.net |= is_network(&arg);
                    io.writes.push(arg);
                }
            }
        }
        io
    }

    pub(crate) fn list_in_subshell(&mut self, list: &CompoundList) -> Content {
        let saved = self.sh.clone();
        let out = self.list(list, &Content::Nothing);
        self.restore_keeping_downloads(saved);
        out
    }
}

fn content_of(arg: Arg, newline: bool) -> Content {
    match arg.known() {
        Some(t) if newline => Content::Static(format!("{t}\n")),
        Some(t) => Content::Static(t.to_owned()),
        None => Content::Unknown {
            download: arg.download,
        },
    }
}

/// bash's `/dev/tcp/host/port` and `/dev/udp/host/port` pseudo-files.
pub(crate) fn is_network(arg: &Arg) -> bool {
    arg.text.starts_with("/dev/tcp/") || arg.text.starts_with("/dev/udp/")
}

/// Merge the shell states of alternative paths: whatever differs becomes unknown.
fn merge(mut states: Vec<ShellState>) -> ShellState {
    let Some(mut out) = states.pop() else {
        return ShellState::default();
    };
    for s in states {
        if s.cwd != out.cwd {
            out.cwd = None;
        }
        for (k, v) in s.vars {
            match out.vars.get(&k) {
                Some(existing) if *existing == v => {}
                _ => {
                    out.vars.insert(k, None);
                }
            }
        }
        out.functions.extend(s.functions);
        for d in s.downloaded {
            if !out.downloaded.contains(&d) {
                out.downloaded.push(d);
            }
        }
        if s.ifs != out.ifs {
            out.ifs = Some(None);
        }
        out.net_fds.extend(s.net_fds);
        if s.positional != out.positional {
            out.positional = None;
        }
    }
    out
}

/// How often the body calls `name`, and whether any call is piped or in the background.
fn self_calls(cmd: &CompoundCommand, name: &str, ctx: bool) -> (usize, bool) {
    let lists: Vec<&CompoundList> = match cmd {
        CompoundCommand::BraceGroup(g) => vec![&g.list],
        CompoundCommand::Subshell(s) => vec![&s.list],
        CompoundCommand::ForClause(f) => vec![&f.body.list],
        CompoundCommand::ArithmeticForClause(f) => vec![&f.body.list],
        CompoundCommand::WhileClause(w) | CompoundCommand::UntilClause(w) => vec![&w.0, &w.1.list],
        CompoundCommand::IfClause(i) => {
            let mut v = vec![&i.condition, &i.then];
            for e in i.elses.iter().flatten() {
                v.extend(e.condition.as_ref());
                v.push(&e.body);
            }
            v
        }
        CompoundCommand::CaseClause(c) => c.cases.iter().filter_map(|i| i.cmd.as_ref()).collect(),
        CompoundCommand::Arithmetic(_) | CompoundCommand::Coprocess(_) => vec![],
    };
    let mut calls = 0;
    let mut flagged = false;
    for list in lists {
        for ast::CompoundListItem(and_or, sep) in &list.0 {
            let bg = ctx || matches!(sep, SeparatorOperator::Async);
            for p in std::iter::once(&and_or.first).chain(and_or.additional.iter().map(|a| {
                let (ast::AndOr::And(p) | ast::AndOr::Or(p)) = a;
                p
            })) {
                let piped = p.seq.len() > 1;
                for c in &p.seq {
                    match c {
                        Command::Simple(s)
                            if s.word_or_name.as_ref().is_some_and(|w| w.value == name) =>
                        {
                            calls += 1;
                            flagged |= piped || bg;
                        }
                        Command::Compound(inner, _) => {
                            let (n, f) = self_calls(inner, name, bg || piped);
                            calls += n;
                            flagged |= f;
                        }
                        _ => {}
                    }
                }
            }
        }
    }
    (calls, flagged)
}
