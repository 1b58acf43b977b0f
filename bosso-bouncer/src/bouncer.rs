//! The bouncer: an environment and a policy, compiled once, judging command lines.

use crate::eval::{Evaluation, Evaluator};
use crate::paths::{self, Environment};
use crate::pattern::Pattern;
use crate::policy::{DefaultAction, FailureAction, Policy};
use crate::spawn::ApprovedArgv;
use crate::{Error, Verdict};

/// The policy in the form the rules use.
#[derive(Clone, Debug)]
pub(crate) struct CompiledPolicy {
    pub(crate) default: DefaultAction,
    pub(crate) allow: Vec<Pattern>,
    pub(crate) ask: Vec<Pattern>,
    pub(crate) deny: Vec<Pattern>,
    pub(crate) protected_branches: Vec<String>,
    /// Normalized absolute paths.
    pub(crate) protected_paths: Vec<String>,
    pub(crate) protected_processes: Vec<String>,
    pub(crate) on_parse_error: FailureAction,
    pub(crate) max_depth: usize,
}

impl CompiledPolicy {
    fn compile(policy: &Policy, env: &Environment) -> Result<Self, Error> {
        policy.validate()?;
        let compile = |list: &'static str, rules: &[String]| -> Result<Vec<Pattern>, Error> {
            rules
                .iter()
                .enumerate()
                .map(|(index, r)| {
                    Pattern::compile(r, &env.home).map_err(|problem| Error::InvalidPattern {
                        list,
                        index,
                        problem,
                    })
                })
                .collect()
        };
        let protected_paths = policy
            .protected_paths
            .iter()
            .map(|p| {
                if p == "~" {
                    env.home.clone()
                } else if let Some(rest) = p.strip_prefix("~/") {
                    paths::normalize_abs(&paths::join(&env.home, rest))
                } else if p.starts_with('/') {
                    paths::normalize_abs(p)
                } else {
                    paths::normalize_abs(&paths::join(&env.workspace, p))
                }
            })
            .collect();
        Ok(Self {
            default: policy.default,
            allow: compile("allow", &policy.allow)?,
            ask: compile("ask", &policy.ask)?,
            deny: compile("deny", &policy.deny)?,
            protected_branches: policy.protected_branches.clone(),
            protected_paths,
            protected_processes: policy.protected_processes.clone(),
            on_parse_error: policy.on_parse_error,
            max_depth: policy.max_depth,
        })
    }
}

/// Judges shell command lines before they run. Cheap to share (`Arc<Bouncer>`); `evaluate`
/// takes `&self` and keeps no state between calls.
#[derive(Clone, Debug)]
pub struct Bouncer {
    env: Environment,
    policy: Policy,
    compiled: CompiledPolicy,
}

/// Builds a [`Bouncer`].
#[derive(Clone, Debug, Default)]
pub struct BouncerBuilder {
    env: Option<Environment>,
    policy: Policy,
}

impl BouncerBuilder {
    /// The home directory, workspace and starting directory (default:
    /// [`Environment::from_process`]).
    #[must_use]
    pub fn environment(mut self, env: Environment) -> Self {
        self.env = Some(env);
        self
    }

    /// The host policy (default: [`Policy::default`]).
    #[must_use]
    pub fn policy(mut self, policy: Policy) -> Self {
        self.policy = policy;
        self
    }

    /// Validate the policy and compile its patterns.
    pub fn build(self) -> Result<Bouncer, Error> {
        Bouncer::new(
            self.env.unwrap_or_else(Environment::from_process),
            self.policy,
        )
    }
}

impl Bouncer {
    /// A builder.
    pub fn builder() -> BouncerBuilder {
        BouncerBuilder::default()
    }

    /// A bouncer for `env` under `policy`.
    pub fn new(env: Environment, policy: Policy) -> Result<Self, Error> {
        let compiled = CompiledPolicy::compile(&policy, &env)?;
        Ok(Self {
            env,
            policy,
            compiled,
        })
    }

    /// Judge a command line as a shell would run it: the verdict and every finding. This is
    /// the pattern layer alone (no analyzer, no audit event); [`Guard`](crate::Guard) adds both.
    pub fn evaluate(&self, line: &str) -> Evaluation {
        Evaluator::new(&self.env, &self.compiled).evaluate_line(line)
    }

    /// The verdict for a command line (see [`Bouncer::evaluate`]).
    pub fn check(&self, line: &str) -> Verdict {
        self.evaluate(line).verdict
    }

    /// Judge an argument vector that will be run without a shell (no word splitting, no
    /// expansion: each element is one argument, exactly).
    pub fn evaluate_argv<S: AsRef<str>>(&self, argv: &[S]) -> Evaluation {
        let argv: Vec<String> = argv.iter().map(|a| a.as_ref().to_owned()).collect();
        Evaluator::new(&self.env, &self.compiled).evaluate_argv(&argv)
    }

    /// Approve an argument vector for [`ApprovedArgv::command`]: only an `Allow` verdict
    /// approves. For a `Review` run a [`Guard`](crate::Guard), which asks the analyzer.
    pub fn approve_argv<S: AsRef<str>>(&self, argv: &[S]) -> Result<ApprovedArgv, Error> {
        let argv = ApprovedArgv::validate(argv)?;
        match self.evaluate_argv(&argv).verdict {
            Verdict::Allow => Ok(ApprovedArgv::new(argv, self.env.cwd.clone())),
            other => Err(Error::NotApproved(other)),
        }
    }

    /// The environment the rules use.
    pub fn environment(&self) -> &Environment {
        &self.env
    }

    /// The host policy.
    pub fn policy(&self) -> &Policy {
        &self.policy
    }
}
