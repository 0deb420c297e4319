//! git's remote-helper protocol (gitremote-helpers(7)), the part a
//! tracker needs: `capabilities`, `option`, `list`, `fetch` and `push`.
//! `list` names objects that already exist locally, so `fetch` has
//! nothing to transfer; `push` answers each ref with `ok` or `error`.

use git2::Oid;
use std::io::{BufRead, Write};

/// What git told us with `option`.
#[derive(Debug, Clone)]
pub struct Options {
    pub verbosity: u32,
    pub progress: bool,
    pub dry_run: bool,
    /// git asked for `:object-format` in `list`.
    pub object_format: bool,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            verbosity: 1,
            progress: false,
            dry_run: false,
            object_format: false,
        }
    }
}

/// One `push` line: `[+]SRC:DST`.
#[derive(Debug, Clone, PartialEq)]
pub struct PushSpec {
    pub force: bool,
    /// Empty to delete `dst`.
    pub src: String,
    pub dst: String,
}

/// The answer for one pushed ref: its name, and `Ok` or why it was refused.
pub type PushAnswer = (String, Result<(), String>);

/// The remote behind the protocol.
pub trait Remote {
    /// Refs and their objects; `for_push` needs no network.
    fn list(&mut self, for_push: bool, options: &Options) -> Result<Vec<(Oid, String)>, String>;

    /// Every spec with `Ok` or the reason it was refused.
    fn push(&mut self, specs: &[PushSpec], options: &Options) -> Result<Vec<PushAnswer>, String>;
}

fn parse_push(line: &str) -> Option<PushSpec> {
    let spec = line.strip_prefix("push ")?;
    let (force, spec) = match spec.strip_prefix('+') {
        Some(rest) => (true, rest),
        None => (false, spec),
    };
    let (src, dst) = spec.split_once(':')?;
    Some(PushSpec {
        force,
        src: src.to_string(),
        dst: dst.to_string(),
    })
}

fn set_option(options: &mut Options, name: &str, value: &str) -> &'static str {
    match name {
        "verbosity" => match value.parse() {
            Ok(v) => {
                options.verbosity = v;
                "ok"
            }
            Err(_) => "error verbosity must be a number",
        },
        "progress" => {
            options.progress = value == "true";
            "ok"
        }
        "dry-run" => {
            options.dry_run = value == "true";
            "ok"
        }
        "object-format" => {
            options.object_format = true;
            "ok"
        }
        _ => "unsupported",
    }
}

/// Answers git until it closes the conversation. An `Err` is fatal: git
/// is told nothing more and reports the helper's failure.
pub fn serve(
    input: impl BufRead,
    mut output: impl Write,
    remote: &mut dyn Remote,
) -> Result<(), String> {
    let mut options = Options::default();
    let mut lines = input.lines();
    let io = |e: std::io::Error| format!("talking to git: {e}");
    while let Some(line) = lines.next() {
        let line = line.map_err(io)?;
        let line = line.trim_end_matches('\r');
        if line.is_empty() {
            break;
        }
        if line == "capabilities" {
            output
                .write_all(b"fetch\npush\noption\nobject-format\n\n")
                .map_err(io)?;
        } else if let Some(rest) = line.strip_prefix("option ") {
            let (name, value) = rest.split_once(' ').unwrap_or((rest, ""));
            writeln!(output, "{}", set_option(&mut options, name, value)).map_err(io)?;
        } else if line == "list" || line == "list for-push" {
            let refs = remote.list(line == "list for-push", &options)?;
            if options.object_format {
                writeln!(output, ":object-format sha1").map_err(io)?;
            }
            for (oid, name) in refs {
                writeln!(output, "{oid} {name}").map_err(io)?;
            }
            writeln!(output).map_err(io)?;
        } else if line.starts_with("fetch ") {
            // The objects are here already: read the batch, then say done.
            for next in lines.by_ref() {
                if next.map_err(io)?.trim_end().is_empty() {
                    break;
                }
            }
            writeln!(output).map_err(io)?;
        } else if line.starts_with("push ") {
            let mut specs = vec![parse_push(line).ok_or(format!("unreadable {line:?}"))?];
            for next in lines.by_ref() {
                let next = next.map_err(io)?;
                if next.trim_end().is_empty() {
                    break;
                }
                specs.push(parse_push(&next).ok_or(format!("unreadable {next:?}"))?);
            }
            for (dst, result) in remote.push(&specs, &options)? {
                match result {
                    Ok(()) => writeln!(output, "ok {dst}"),
                    Err(why) => writeln!(output, "error {dst} {}", why.replace('\n', " ")),
                }
                .map_err(io)?;
            }
            writeln!(output).map_err(io)?;
        } else {
            return Err(format!(
                "git asked for {line:?}, which this helper does not know"
            ));
        }
        output.flush().map_err(io)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Fake {
        pushed: Vec<PushSpec>,
    }

    impl Remote for Fake {
        fn list(&mut self, _: bool, _: &Options) -> Result<Vec<(Oid, String)>, String> {
            Ok(vec![(Oid::ZERO_SHA1, "refs/bugs/x".into())])
        }

        fn push(&mut self, specs: &[PushSpec], _: &Options) -> Result<Vec<PushAnswer>, String> {
            self.pushed.extend(specs.iter().cloned());
            Ok(specs
                .iter()
                .map(|s| (s.dst.clone(), Err("no\nway".to_string())))
                .collect())
        }
    }

    #[test]
    fn answers_a_conversation() {
        let input = "capabilities\noption verbosity 2\noption object-format true\noption frob 1\nlist\nfetch 0000000000000000000000000000000000000000 refs/bugs/x\n\npush +refs/bugs/a:refs/bugs/a\npush refs/bugs/b:refs/bugs/b\n\n\n";
        let mut fake = Fake { pushed: vec![] };
        let mut out = Vec::new();
        serve(input.as_bytes(), &mut out, &mut fake).unwrap();
        let zero = Oid::ZERO_SHA1;
        assert_eq!(
            String::from_utf8(out).unwrap(),
            format!(
                "fetch\npush\noption\nobject-format\n\nok\nok\nunsupported\n:object-format sha1\n{zero} refs/bugs/x\n\n\nerror refs/bugs/a no way\nerror refs/bugs/b no way\n\n"
            )
        );
        assert!(fake.pushed[0].force && !fake.pushed[1].force);
    }
}
