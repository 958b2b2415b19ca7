//! `ntpcheck rules` (the rule table) and `ntpcheck rule NTPxxx` (one rule's docs).

use std::io::Write;
use std::process::ExitCode;

use clap::ValueEnum;

use crate::diagnostic::Code;
use crate::lint::registry::ALL_RULES;
use crate::lint::{RuleMeta, ser_word, sev_word};

/// Output formats of `rules`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum RulesFormat {
    /// An aligned text table.
    Table,
    /// One JSON array.
    Json,
    /// A Markdown table.
    Markdown,
}

/// Arguments of `rules`.
#[derive(Debug, clap::Args)]
pub struct RulesArgs {
    /// Output format.
    #[arg(long, value_enum, default_value_t = RulesFormat::Table)]
    pub format: RulesFormat,
}

/// Arguments of `rule`.
#[derive(Debug, clap::Args)]
pub struct RuleArgs {
    /// The code (`NTP301`) or name (`sources-blocked-by-restrict`).
    pub code: String,
}

/// The rule table as text (also what the snapshot test pins).
pub fn rules_text(format: RulesFormat) -> String {
    let metas: Vec<&RuleMeta> = ALL_RULES.iter().map(|r| r.meta()).collect();
    match format {
        RulesFormat::Json => {
            let v: Vec<serde_json::Value> = metas
                .iter()
                .map(|m| {
                    serde_json::json!({
                        "code": m.code.as_str(),
                        "name": m.name(),
                        "severity": m.severity(),
                        "summary": m.summary(),
                        "category": m.category,
                        "needs": m.needs,
                        "dialects": m.dialects,
                        "fix": m.fix,
                        "enabled": m.enabled_word(),
                        "since": m.since,
                        "url": m.url,
                        "flagged_example": m.flagged,
                        "fine_example": m.fine,
                        "docs": m.docs_markdown(),
                    })
                })
                .collect();
            format!("{}\n", serde_json::to_string_pretty(&v).unwrap_or_default())
        }
        RulesFormat::Markdown => {
            let mut s = String::from(
                "| code | name | severity | category | needs | dialects | fix | enabled | summary |\n|---|---|---|---|---|---|---|---|---|\n",
            );
            for m in metas {
                s.push_str(&format!(
                    "| {} | {} | {} | {} | {} | {} | {} | {} | {} |\n",
                    m.code,
                    m.name(),
                    sev_word(m.severity()),
                    ser_word(&m.category),
                    ser_word(&m.needs),
                    ser_word(&m.dialects),
                    ser_word(&m.fix),
                    m.enabled_word(),
                    m.summary().replace('|', "\\|")
                ));
            }
            s
        }
        RulesFormat::Table => {
            let mut s = String::new();
            let w = metas.iter().map(|m| m.name().len()).max().unwrap_or(10);
            s.push_str(&format!(
                "{:<7} {:<w$} {:<8} {:<12} {:<8} {:<4} {:<7} {}\n",
                "CODE", "NAME", "SEVERITY", "CATEGORY", "NEEDS", "DIAL", "FIX", "ENABLED"
            ));
            for m in metas {
                s.push_str(&format!(
                    "{:<7} {:<w$} {:<8} {:<12} {:<8} {:<4} {:<7} {}\n",
                    m.code.as_str(),
                    m.name(),
                    sev_word(m.severity()),
                    ser_word(&m.category),
                    ser_word(&m.needs),
                    ser_word(&m.dialects),
                    ser_word(&m.fix),
                    m.enabled_word()
                ));
            }
            s
        }
    }
}

pub(super) fn run_rules(a: RulesArgs) -> ExitCode {
    let _ = write!(std::io::stdout().lock(), "{}", rules_text(a.format));
    ExitCode::SUCCESS
}

pub(super) fn run_rule(a: RuleArgs) -> ExitCode {
    let code: Code = match a.code.parse() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("ntpcheck: {e}; `ntpcheck rules` lists them");
            return ExitCode::from(2);
        }
    };
    let mut out = std::io::stdout().lock();
    match ALL_RULES.iter().find(|r| r.meta().code == code) {
        Some(r) => {
            let _ = write!(out, "{}", r.meta().docs_markdown());
        }
        None => {
            let _ = writeln!(
                out,
                "# {code} {}\n\n{}\n\nSeverity: {} · reported by the parser (what ntpd itself rejects or changes while reading the file).",
                code.name(),
                code.summary(),
                sev_word(code.default_severity())
            );
        }
    }
    ExitCode::SUCCESS
}
