//! The second layer: an analyzer (a model, a human prompt) for the commands the pattern layer
//! could not decide, under a deadline, with every decision audited.

use std::future::Future;
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use bosso_redact::Redactor;

use crate::audit::{AuditEvent, AuditSink, Layer};
use crate::policy::FailureAction;
use crate::spawn::ApprovedArgv;
use crate::{Bouncer, Error, Evaluation, Finding, RuleId, Span, Verdict};

/// What the analyzer is asked about.
#[derive(Debug)]
pub struct AnalysisRequest<'a> {
    /// The command line as the agent wrote it. It may carry secrets: an analyzer that sends it
    /// elsewhere should send [`AnalysisRequest::redacted`] instead.
    pub command: &'a str,
    /// The same line through bosso-redact.
    pub redacted: &'a str,
    /// Why the pattern layer could not decide.
    pub findings: &'a [Finding],
}

/// The analyzer's answer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AnalyzerVerdict {
    /// Run it.
    Allow,
    /// Do not run it.
    Deny {
        /// Why.
        reason: String,
    },
    /// Still undecided (for example, ask the user).
    Review {
        /// Why.
        reason: String,
    },
}

/// The second layer. Implement it with a model call or a prompt to the user; it only sees
/// commands whose pattern-layer verdict is `Review`.
pub trait Analyzer: Send + Sync {
    /// Judge one command. A slow answer is cut off at the policy's `analyzer_timeout_ms`.
    fn analyze(
        &self,
        request: &AnalysisRequest<'_>,
    ) -> impl Future<Output = Result<AnalyzerVerdict, Error>> + Send;
}

/// No second layer: reviews stay reviews.
#[derive(Clone, Copy, Debug, Default)]
pub struct NoAnalyzer;

impl Analyzer for NoAnalyzer {
    async fn analyze(&self, _request: &AnalysisRequest<'_>) -> Result<AnalyzerVerdict, Error> {
        Ok(AnalyzerVerdict::Review {
            reason: "no analyzer is configured".into(),
        })
    }
}

/// The decision of a [`Guard`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Decision {
    /// What to do.
    pub verdict: Verdict,
    /// Who decided.
    pub layer: Layer,
    /// What the pattern layer found.
    pub findings: Vec<Finding>,
}

/// Both layers and the audit log: the check a host runs between "the agent asked" and "the
/// shell ran it".
///
/// Needs a Tokio runtime with the time driver enabled (the analyzer deadline is a
/// `tokio::time::timeout`).
pub struct Guard<A, S> {
    bouncer: Bouncer,
    analyzer: A,
    sink: S,
    redactor: Arc<Redactor>,
}

impl<A, S> std::fmt::Debug for Guard<A, S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Guard")
            .field("bouncer", &self.bouncer)
            .finish_non_exhaustive()
    }
}

impl<A: Analyzer, S: AuditSink> Guard<A, S> {
    /// A guard with bosso-redact's default rules (home directory from `HOME`).
    pub fn new(bouncer: Bouncer, analyzer: A, sink: S) -> Self {
        let redactor = Arc::new(Redactor::builder().home_from_env().build());
        Self {
            bouncer,
            analyzer,
            sink,
            redactor,
        }
    }

    /// Redact audit events with this redactor instead.
    #[must_use]
    pub fn with_redactor(mut self, redactor: Arc<Redactor>) -> Self {
        self.redactor = redactor;
        self
    }

    /// The pattern layer.
    pub fn bouncer(&self) -> &Bouncer {
        &self.bouncer
    }

    /// The audit sink.
    pub fn sink(&self) -> &S {
        &self.sink
    }

    /// The bouncer, analyzer and sink back.
    pub fn into_parts(self) -> (Bouncer, A, S) {
        (self.bouncer, self.analyzer, self.sink)
    }

    /// Judge a command line with both layers and record the decision.
    pub async fn check(&self, line: &str) -> Decision {
        let evaluation = self.bouncer.evaluate(line);
        self.decide(line, evaluation).await
    }

    /// Judge an argument vector (run without a shell) with both layers, record the decision,
    /// and return it approved only on `Allow`.
    pub async fn approve_argv<T: AsRef<str>>(&self, argv: &[T]) -> Result<ApprovedArgv, Error> {
        let argv = ApprovedArgv::validate(argv)?;
        let evaluation = self.bouncer.evaluate_argv(&argv);
        let shown = argv.join(" ");
        let decision = self.decide(&shown, evaluation).await;
        match decision.verdict {
            Verdict::Allow => Ok(ApprovedArgv::new(
                argv,
                self.bouncer.environment().cwd.clone(),
            )),
            other => Err(Error::NotApproved(other)),
        }
    }

    async fn decide(&self, line: &str, evaluation: Evaluation) -> Decision {
        let redacted = self.redactor.redact(line).into_owned();
        let (verdict, layer) = match &evaluation.verdict {
            Verdict::Review { span, .. } => {
                self.analyze(line, &redacted, &evaluation.findings, *span)
                    .await
            }
            other => (other.clone(), Layer::Pattern),
        };
        let event = AuditEvent {
            unix_time: SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map_or(0, |d| d.as_secs()),
            command: redacted,
            verdict: self.redact_verdict(&verdict),
            layer,
            findings: evaluation.findings.len(),
        };
        let verdict = match self.sink.record(&event).await {
            Ok(()) => verdict,
            Err(_) if verdict.is_allow() => Verdict::Review {
                reason: "the audit log could not be written".into(),
                span: Span::new(0, line.len()),
            },
            Err(_) => verdict,
        };
        Decision {
            verdict,
            layer,
            findings: evaluation.findings,
        }
    }

    async fn analyze(
        &self,
        line: &str,
        redacted: &str,
        findings: &[Finding],
        span: Span,
    ) -> (Verdict, Layer) {
        let request = AnalysisRequest {
            command: line,
            redacted,
            findings,
        };
        let deadline = self.bouncer.policy().analyzer_timeout();
        let failure = |layer: Layer, reason: &str| {
            let verdict = match self.bouncer.policy().on_analyzer_failure {
                FailureAction::Review => Verdict::Review {
                    reason: reason.into(),
                    span,
                },
                FailureAction::Deny => Verdict::Deny {
                    rule: RuleId::AnalyzerFailure,
                    reason: reason.into(),
                    span,
                },
            };
            (verdict, layer)
        };
        match tokio::time::timeout(deadline, self.analyzer.analyze(&request)).await {
            Ok(Ok(AnalyzerVerdict::Allow)) => (Verdict::Allow, Layer::Analyzer),
            Ok(Ok(AnalyzerVerdict::Deny { reason })) => (
                Verdict::Deny {
                    rule: RuleId::Analyzer,
                    reason,
                    span,
                },
                Layer::Analyzer,
            ),
            Ok(Ok(AnalyzerVerdict::Review { reason })) => {
                (Verdict::Review { reason, span }, Layer::Analyzer)
            }
            Ok(Err(_)) => failure(Layer::AnalyzerError, "the analyzer failed"),
            Err(_) => failure(
                Layer::AnalyzerTimeout,
                "the analyzer did not answer in time",
            ),
        }
    }

    fn redact_verdict(&self, v: &Verdict) -> Verdict {
        match v {
            Verdict::Allow => Verdict::Allow,
            Verdict::Deny { rule, reason, span } => Verdict::Deny {
                rule: rule.clone(),
                reason: self.redactor.redact(reason).into_owned(),
                span: *span,
            },
            Verdict::Review { reason, span } => Verdict::Review {
                reason: self.redactor.redact(reason).into_owned(),
                span: *span,
            },
        }
    }
}
