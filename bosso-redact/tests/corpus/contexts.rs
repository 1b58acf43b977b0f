//! The log contexts a secret is put into: JSON, query strings, Go and Python log lines, curl
//! commands, env files, and multi-line blocks whose lines each carry a changing prefix.
#![allow(dead_code, clippy::indexing_slicing)]

use super::rng::*;
use super::secrets::{Form, Secret};

pub const CONTEXTS: &[&str] = &[
    "json", "json_msg", "query", "go_log", "logrus", "py_log", "py_dict", "curl", "env", "multi",
    "code",
];

fn go_ts(r: &mut Rng) -> String {
    format!(
        "2026/11/{:02} {:02}:{:02}:{:02}",
        1 + r.below(28),
        r.below(24),
        r.below(60),
        r.below(60)
    )
}

fn py_ts(r: &mut Rng) -> String {
    format!(
        "2026-11-{:02} {:02}:{:02}:{:02},{:03}",
        1 + r.below(28),
        r.below(24),
        r.below(60),
        r.below(60),
        r.below(1000)
    )
}

/// The inline text of a non-keyed secret.
fn inline(form: &Form) -> String {
    match form {
        Form::Bare(v) => v.clone(),
        Form::Header("", v) => v.clone(),
        Form::Header(name, v) => format!("{name}: {v}"),
        Form::Url(u) => u.clone(),
        Form::CurlUser(c) => {
            format!("curl -sS -u {c} https://search.internal:9200/_cluster/health")
        }
        Form::Query(k, v) => format!("https://app.example.com/oauth/cb?{k}={v}&state=af0ifjsldkj"),
        Form::Keyed(..) | Form::Pem(_) => String::new(),
    }
}

/// Render `s` in context `ctx`: the text (one line, or several for `multi` and PEM blocks) and
/// the needles as they appear in it.
pub fn render(ctx: &str, s: &Secret, r: &mut Rng) -> (String, Vec<String>) {
    let needles = s.needles.clone();
    if let Form::Pem(lines) = &s.form {
        return (pem(ctx, lines, r), needles);
    }
    let ts = r.ts_iso();
    let user = r.user_id();
    let text = match (&s.form, ctx) {
        (Form::Keyed(k), "json") => format!(
            "{{\"ts\":\"{ts}\",\"level\":\"info\",\"msg\":\"config loaded\",\"{k}\":\"{}\",\"pid\":{}}}",
            needles[0],
            r.below(60000)
        ),
        (Form::Keyed(k), "json_msg") => format!(
            "{{\"ts\":\"{ts}\",\"level\":\"debug\",\"msg\":\"connecting with {k}={} retry=2\"}}",
            needles[0]
        ),
        (Form::Keyed(k), "query") => {
            let v = pct(&needles[0]);
            let line = format!(
                "{ts} INFO  http: GET /api/v1/session?state={}&{k}={v}&page=2 status=302 duration_ms={}",
                r.hex(8),
                r.below(400)
            );
            return (line, vec![v]);
        }
        (Form::Keyed(k), "go_log") => format!(
            "{} config.go:{}: loaded {k}={} from env",
            go_ts(r),
            r.below(300),
            needles[0]
        ),
        (Form::Keyed(k), "logrus") => format!(
            "time=\"{ts}\" level=warning msg=\"login failed\" {k}={} user={user}",
            needles[0]
        ),
        (Form::Keyed(k), "py_log") => {
            format!("{} WARNING app.db: {k}: {}", py_ts(r), needles[0])
        }
        (Form::Keyed(k), "py_dict") => format!(
            "{} INFO app.settings: {{'debug': False, '{k}': '{}', 'port': 8080}}",
            py_ts(r),
            needles[0]
        ),
        (Form::Keyed(k), "curl") => match r.below(2) {
            0 => format!(
                "curl -s -X POST https://api.example.com/v1/login -d '{{\"{k}\":\"{}\",\"user\":\"{user}\"}}'",
                needles[0]
            ),
            _ => format!(
                "curl -s -X POST https://api.example.com/v1/login -d '{k}={}' -d 'user={user}'",
                needles[0]
            ),
        },
        (Form::Keyed(k), "env") => {
            let key = k.replace('-', "_").to_ascii_uppercase();
            match r.below(3) {
                0 => format!("{key}={}", needles[0]),
                1 => format!("export {key}=\"{}\"", needles[0]),
                _ => format!("      {key}: \"{}\"", needles[0]),
            }
        }
        (Form::Keyed(k), "code") => {
            let v = &needles[0];
            match r.below(10) {
                0 => format!("var {k} = @\"{v}\";"),
                1 => format!("if ({k} == \"{v}\") {{"),
                2 => format!("cfg := GetEnvOrDefault(\"{k}\", \"{v}\")"),
                3 => format!("    {k}: \"{v}\","),
                4 => format!("{k} = '{v}'"),
                5 => format!("<{k}>{v}</{k}>"),
                6 => format!("./deploy --{k} {v} --verbose"),
                7 => format!("    :{k} => '{v}',"),
                8 => format!("conn = connect(host='db', {k}='{v}', port=5432)"),
                _ => format!("os.environ.setdefault(\"{k}\", \"{v}\")"),
            }
        }
        (Form::Header(name, v), "code") if !name.is_empty() => {
            format!("req.Header.Set(\"{name}\", \"{v}\")")
        }
        (Form::Keyed(k), _) => {
            // A pretty-printed config logged one line at a time, each with its own timestamp.
            let mut out = String::new();
            for line in [
                "{".to_owned(),
                "  \"host\": \"db.internal\",".to_owned(),
                format!("  \"{k}\": \"{}\",", needles[0]),
                "  \"pool\": 8".to_owned(),
                "}".to_owned(),
            ] {
                out.push_str(&format!("{} INFO  cfg: {line}\n", r.ts_iso()));
            }
            out.pop();
            out
        }
        (Form::Header(name, v), "json") if !name.is_empty() => format!(
            "{{\"ts\":\"{ts}\",\"level\":\"debug\",\"headers\":{{\"{name}\":\"{v}\",\"accept\":\"*/*\"}}}}"
        ),
        (Form::Header(name, v), "py_dict") if !name.is_empty() => format!(
            "{} DEBUG app.client: headers={{'{name}': '{v}', 'Accept': '*/*'}}",
            py_ts(r)
        ),
        (Form::Header(name, v), "curl") if !name.is_empty() => {
            format!("curl -s -H \"{name}: {v}\" https://api.example.com/v1/items")
        }
        (Form::Header(name, v), "env") if !name.is_empty() => {
            format!("HTTP_{}={v}", name.replace('-', "_").to_ascii_uppercase())
        }
        (Form::Header(name, v), "multi") if !name.is_empty() => {
            let mut out = String::new();
            for line in [
                "> GET /v1/items HTTP/1.1".to_owned(),
                "> Host: api.example.com".to_owned(),
                format!("> {name}: {v}"),
                ">".to_owned(),
            ] {
                out.push_str(&format!("{} DEBUG http: {line}\n", r.ts_iso()));
            }
            out.pop();
            out
        }
        (Form::Query(k, v), "query") => {
            format!("{ts} INFO  http: GET /oauth/cb?{k}={v}&state=af0ifjsldkj status=302")
        }
        (Form::Bare(v), "query") => {
            // Cards go into forms without their separators; everything else is encoded.
            let shown = if s.kind == "card" {
                v.replace([' ', '-'], "")
            } else {
                pct(v)
            };
            let line = format!(
                "{ts} INFO  http: GET /api/v1/share?ref={}&q={shown}&page=2 status=200",
                r.hex(6)
            );
            let needle = if s.kind == "card" {
                shown.clone()
            } else {
                pct(&needles[0])
            };
            return (line, vec![needle]);
        }
        (Form::Url(u), "query") => format!(
            "{ts} INFO  http: GET /admin/test-connection?dsn={}&timeout=5 status=200",
            pct(u)
        ),
        (_, ctx) => {
            let v = inline(&s.form);
            match ctx {
                "json" => format!(
                    "{{\"ts\":\"{ts}\",\"level\":\"warn\",\"msg\":\"request failed\",\"detail\":\"retrying with {v}\",\"attempt\":2}}"
                ),
                "json_msg" | "query" => format!(
                    "{{\"ts\":\"{ts}\",\"level\":\"info\",\"target\":\"app::client\",\"msg\":\"using {v}\"}}"
                ),
                "go_log" => format!(
                    "{} push.go:{}: using {v} for user {user}",
                    go_ts(r),
                    r.below(300)
                ),
                "logrus" => {
                    format!("time=\"{ts}\" level=error msg=\"upstream rejected {v}\" user={user}")
                }
                "py_log" => format!(
                    "{} ERROR app.client: upstream rejected {v} (attempt 2)",
                    py_ts(r)
                ),
                "py_dict" => format!(
                    "{} INFO app.jobs: job={{'id': {}, 'arg': '{v}'}}",
                    py_ts(r),
                    r.below(9999)
                ),
                "curl" => {
                    format!("curl -s https://api.example.com/v1/echo -d 'value={v}' -o /dev/null")
                }
                "env" => format!("DEPLOY_VALUE={v}"),
                "code" => format!("const fixture = \"{v}\";"),
                _ => {
                    let mut out = String::new();
                    for line in [
                        "starting job".to_owned(),
                        format!("  arg[1] = {v}"),
                        "job done".to_owned(),
                    ] {
                        out.push_str(&format!("{} INFO  runner: {line}\n", r.ts_iso()));
                    }
                    out.pop();
                    out
                }
            }
        }
    };
    (text, needles)
}

/// A PEM block in the context's multi-line style.
fn pem(ctx: &str, lines: &[String], r: &mut Rng) -> String {
    let mut out = String::new();
    // A log tail sometimes ends inside the block: no END line.
    let lines: Vec<&String> = if r.below(6) == 0 {
        lines[..lines.len() - 1].iter().collect()
    } else {
        lines.iter().collect()
    };
    let push_all = |out: &mut String, f: &mut dyn FnMut(&mut Rng) -> String, r: &mut Rng| {
        for l in &lines {
            out.push_str(&f(r));
            out.push_str(l);
            out.push('\n');
        }
    };
    match ctx {
        "json" => {
            let joined: Vec<&str> = lines.iter().map(|s| s.as_str()).collect();
            return format!(
                "{{\"type\":\"service_account\",\"private_key\":\"{}\\n\",\"client_id\":\"{}\"}}",
                joined.join("\\n"),
                r.below(1_000_000)
            );
        }
        "json_msg" => {
            for l in &lines {
                out.push_str(&format!(
                    "{{\"ts\":\"{}\",\"level\":\"debug\",\"msg\":\"{l}\"}}\n",
                    r.ts_iso()
                ));
            }
        }
        "query" => {
            out.push_str("tls:\n  key: |\n");
            push_all(&mut out, &mut |_| "    ".to_owned(), r);
        }
        "go_log" => push_all(&mut out, &mut |r| format!("{} tls.go:31: ", go_ts(r)), r),
        "logrus" => push_all(&mut out, &mut |_| "app_1  | ".to_owned(), r),
        "py_log" | "py_dict" => {
            push_all(&mut out, &mut |r| format!("{} INFO app.tls: ", py_ts(r)), r)
        }
        "env" => {
            out.push_str("PRIVATE_KEY=\"");
            let joined: Vec<&str> = lines.iter().map(|s| s.as_str()).collect();
            out.push_str(&joined.join("\n"));
            out.push_str("\"\n");
        }
        "curl" => push_all(&mut out, &mut |_| String::new(), r),
        _ => push_all(&mut out, &mut |r| format!("{} ", r.ts_iso()), r),
    }
    out.push_str(&format!("{} INFO  app: listening on :8443", r.ts_iso()));
    out
}
