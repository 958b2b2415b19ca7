//! `grammar/ntp.conf.ebnf` kept in step with the code.
//!
//! The EBNF is read with a small tokenizer (ISO 14977 subset: identifiers, `"…"` keyword
//! terminals, `'…'` special-character terminals, `? … ?` special sequences, `(* … *)` comments
//! and the symbols `= , | ; [ ] { } ( )`), then split into productions `name = rhs ;`.
//! Comments are dropped for every check except the dialect annotations of `command`.
//!
//! 1. `terminals_equal_keyword_table`: the set of double-quoted terminals equals the set of
//!    `KEYWORDS` texts, both ways; single-quoted terminals are only the special characters.
//! 2. `every_directive_has_a_production`: for each directive of `COMMANDS_C` ∪ `COMMANDS_S`
//!    there is a production one of whose top-level alternatives (split at `|` outside any
//!    brackets) starts with that terminal, and that production is itself a top-level
//!    alternative of `command`. The comment after that alternative in `command` must say `C`
//!    for a classic-only directive, `S` for an NTPsec-only one, and nothing for a directive of
//!    both dialects.
//! 3. `nonterminals_are_defined`: no production is defined twice, every nonterminal used is
//!    defined, and every production is used (except the start symbol and `reserved_unused`).

use std::collections::{BTreeMap, BTreeSet};

use ntpcheck::config::keywords::KEYWORDS;
use ntpcheck::config::parser::{COMMANDS_C, COMMANDS_S};

/// The special characters of the scanner, written as single-quoted terminals.
const SPECIALS: &[&str] = &["{", "}", "(", ")", ",", ";", "|", "="];

/// Productions that nothing else references on purpose.
const ROOTS: &[&str] = &["configuration", "reserved_unused"];

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    /// A nonterminal name.
    Ident(String),
    /// `"…"`: a keyword.
    Kw(String),
    /// `'…'`: a special character.
    Special(String),
    /// `? … ?`.
    SpecialSeq,
    /// `(* … *)`, trimmed.
    Comment(String),
    /// `= , | ; [ ] { } ( )`
    Sym(char),
}

fn ebnf_text() -> String {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("grammar").join("ntp.conf.ebnf");
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

fn line_of(src: &str, at: usize) -> usize {
    src[..at].bytes().filter(|&b| b == b'\n').count() + 1
}

fn tokenize(src: &str) -> Vec<Tok> {
    let b = src.as_bytes();
    let mut i = 0;
    let mut out = Vec::new();
    // Read up to the closing delimiter `close`, which must come before the end of the line
    // (for quotes) or the end of the file.
    let delimited = |i: usize, close: &str, one_line: bool| -> (String, usize) {
        let rest = &src[i..];
        let end = rest.find(close).unwrap_or_else(|| panic!("line {}: unterminated {close:?}", line_of(src, i)));
        let body = &rest[..end];
        assert!(!one_line || !body.contains('\n'), "line {}: {close} not closed on its line", line_of(src, i));
        (body.to_string(), i + end + close.len())
    };
    while i < b.len() {
        let c = b[i];
        if c.is_ascii_whitespace() {
            i += 1;
        } else if src[i..].starts_with("(*") {
            let (body, next) = delimited(i + 2, "*)", false);
            assert!(!body.contains("(*"), "line {}: nested comment", line_of(src, i));
            out.push(Tok::Comment(body.trim().to_string()));
            i = next;
        } else if c == b'"' {
            let (body, next) = delimited(i + 1, "\"", true);
            out.push(Tok::Kw(body));
            i = next;
        } else if c == b'\'' {
            let (body, next) = delimited(i + 1, "'", true);
            out.push(Tok::Special(body));
            i = next;
        } else if c == b'?' {
            let (_, next) = delimited(i + 1, "?", true);
            out.push(Tok::SpecialSeq);
            i = next;
        } else if c.is_ascii_alphanumeric() || c == b'_' {
            let start = i;
            while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_') {
                i += 1;
            }
            out.push(Tok::Ident(src[start..i].to_string()));
        } else if b"=,|;[]{}()".contains(&c) {
            out.push(Tok::Sym(c as char));
            i += 1;
        } else {
            panic!("line {}: unexpected character {:?} in the EBNF", line_of(src, i), c as char);
        }
    }
    out
}

/// One production: its name and its right-hand side (comments kept).
struct Production {
    name: String,
    rhs: Vec<Tok>,
}

fn productions(toks: &[Tok]) -> Vec<Production> {
    let mut out = Vec::new();
    let code = toks;
    let mut i = 0;
    while i < code.len() {
        if let Tok::Comment(_) = &code[i] {
            i += 1;
            continue;
        }
        let Tok::Ident(name) = &code[i] else { panic!("expected a production name, found {:?}", code[i]) };
        assert_eq!(code.get(i + 1), Some(&Tok::Sym('=')), "production {name}: expected '=' after the name");
        i += 2;
        let mut rhs = Vec::new();
        let mut stack = Vec::new();
        loop {
            let t = code.get(i).unwrap_or_else(|| panic!("production {name}: no terminating ';'"));
            i += 1;
            match t {
                Tok::Sym(';') => break,
                Tok::Sym(o @ ('(' | '[' | '{')) => stack.push(*o),
                Tok::Sym(c @ (')' | ']' | '}')) => {
                    let want = match c {
                        ')' => '(',
                        ']' => '[',
                        _ => '{',
                    };
                    assert_eq!(stack.pop(), Some(want), "production {name}: unbalanced {c:?}");
                }
                Tok::Sym('=') => panic!("production {name}: '=' inside a right-hand side (missing ';'?)"),
                _ => {}
            }
            rhs.push(t.clone());
        }
        assert!(stack.is_empty(), "production {name}: unclosed {stack:?}");
        // A comment after the ';' (a production's dialect note) is skipped at the top of the
        // loop; only the comments inside `command` are used, by the directive check.
        out.push(Production { name: name.clone(), rhs });
    }
    out
}

/// The top-level alternatives of a right-hand side (split at `|` outside brackets).
fn alternatives(rhs: &[Tok]) -> Vec<Vec<Tok>> {
    let mut alts = vec![Vec::new()];
    let mut depth = 0usize;
    for t in rhs {
        match t {
            Tok::Sym('(' | '[' | '{') => depth += 1,
            Tok::Sym(')' | ']' | '}') => depth -= 1,
            Tok::Sym('|') if depth == 0 => {
                alts.push(Vec::new());
                continue;
            }
            _ => {}
        }
        alts.last_mut().unwrap().push(t.clone());
    }
    alts
}

/// The first token of an alternative that is not a comment.
fn first_code(alt: &[Tok]) -> Option<&Tok> {
    alt.iter().find(|t| !matches!(t, Tok::Comment(_)))
}

fn grammar() -> (Vec<Tok>, Vec<Production>) {
    let toks = tokenize(&ebnf_text());
    let prods = productions(&toks);
    (toks, prods)
}

#[test]
fn terminals_equal_keyword_table() {
    let (toks, _) = grammar();
    let in_ebnf: BTreeSet<String> = toks.iter().filter_map(|t| if let Tok::Kw(s) = t { Some(s.clone()) } else { None }).collect();
    let in_table: BTreeSet<String> = KEYWORDS.iter().map(|r| r.text.to_string()).collect();
    let missing: Vec<&String> = in_table.difference(&in_ebnf).collect();
    let extra: Vec<&String> = in_ebnf.difference(&in_table).collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "grammar/ntp.conf.ebnf and KEYWORDS differ\n  keywords missing from the EBNF: {missing:?}\n  EBNF terminals that are not keywords: {extra:?}"
    );

    let specials: BTreeSet<String> = toks.iter().filter_map(|t| if let Tok::Special(s) = t { Some(s.clone()) } else { None }).collect();
    let bad: Vec<&String> = specials.iter().filter(|s| !SPECIALS.contains(&s.as_str())).collect();
    assert!(bad.is_empty(), "single-quoted terminals must be special characters {SPECIALS:?}; found {bad:?}");
}

#[test]
fn every_directive_has_a_production() {
    let (_, prods) = grammar();
    let command = prods.iter().find(|p| p.name == "command").expect("no production `command`");
    // command's alternatives: nonterminal name -> dialect annotation (the first word of the
    // comment after it, if any).
    let mut in_command: BTreeMap<String, Option<String>> = BTreeMap::new();
    for alt in alternatives(&command.rhs) {
        let code: Vec<&Tok> = alt.iter().filter(|t| !matches!(t, Tok::Comment(_))).collect();
        let [Tok::Ident(name)] = code.as_slice() else {
            panic!("each alternative of `command` must be a single nonterminal, found {code:?}")
        };
        let tag = alt.iter().find_map(|t| match t {
            Tok::Comment(c) => c.split(|ch: char| ch == ':' || ch == ',' || ch.is_whitespace()).next().map(str::to_string),
            _ => None,
        });
        in_command.insert(name.clone(), tag);
    }

    let all: BTreeSet<&str> = COMMANDS_C.iter().chain(COMMANDS_S).copied().collect();
    let mut problems = Vec::new();
    for d in all {
        let want_tag = match (COMMANDS_C.contains(&d), COMMANDS_S.contains(&d)) {
            (true, true) => None,
            (true, false) => Some("C"),
            _ => Some("S"),
        };
        let starting: Vec<&str> = prods
            .iter()
            .filter(|p| alternatives(&p.rhs).iter().any(|a| first_code(a) == Some(&Tok::Kw(d.to_string()))))
            .map(|p| p.name.as_str())
            .collect();
        let wired: Vec<&&str> = starting.iter().filter(|n| in_command.contains_key(**n)).collect();
        match wired.as_slice() {
            [] if starting.is_empty() => problems.push(format!("{d:?}: no production has an alternative starting with it")),
            [] => problems.push(format!("{d:?}: productions {starting:?} start with it, but none is an alternative of `command`")),
            [name] => {
                let tag = in_command[**name].as_deref();
                if tag != want_tag {
                    problems.push(format!("{d:?}: `command` alternative {name} is annotated {tag:?}, expected {want_tag:?}"));
                }
            }
            many => problems.push(format!("{d:?}: several `command` alternatives start with it: {many:?}")),
        }
    }
    assert!(problems.is_empty(), "directives vs grammar/ntp.conf.ebnf:\n  {}", problems.join("\n  "));
}

#[test]
fn nonterminals_are_defined() {
    let (_, prods) = grammar();
    let mut defined = BTreeSet::new();
    for p in &prods {
        assert!(defined.insert(p.name.clone()), "production {} defined twice", p.name);
    }
    let mut used = BTreeSet::new();
    for p in &prods {
        for t in &p.rhs {
            if let Tok::Ident(n) = t {
                used.insert(n.clone());
            }
        }
    }
    let undefined: Vec<&String> = used.difference(&defined).collect();
    let unused: Vec<&String> = defined.difference(&used).filter(|n| !ROOTS.contains(&n.as_str())).collect();
    assert!(undefined.is_empty(), "nonterminals used but not defined: {undefined:?}");
    assert!(unused.is_empty(), "productions never used: {unused:?}");
}
