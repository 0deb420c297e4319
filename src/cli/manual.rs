//! The sections of the manual that are not about one command: the query
//! language, messages, configuration, exit status. They are data, so that
//! `--help`, `git bug help TOPIC` and the man page say the same thing, each
//! laid out for its medium (aligned columns on a terminal, roff lists in
//! the man page, where free text would be reflowed into one paragraph).

/// One section of the manual.
pub struct Topic {
    /// The name given to `git bug help`.
    pub name: &'static str,
    /// The section heading.
    pub heading: &'static str,
    /// A sentence before the entries.
    pub intro: &'static str,
    /// Term and description, one per line on a terminal, a `.TP` item in roff.
    pub entries: &'static [(&'static str, &'static str)],
    /// Paragraphs after the entries.
    pub notes: &'static [&'static str],
    /// Command lines shown verbatim after the notes.
    pub examples: &'static [&'static str],
}

pub const TOPICS: &[Topic] = &[
    Topic {
        name: "query",
        heading: "QUERY LANGUAGE",
        intro: "The query of \"git bug ls\" and \"git bug bug\":",
        entries: &[
            (
                "status:open|closed",
                "bugs in that state (state: works too)",
            ),
            (
                "author:TEXT",
                "author's name or login contains TEXT, or id starts with it",
            ),
            (
                "actor:TEXT, participant:TEXT",
                "the same test on anyone who acted or commented",
            ),
            (
                "label:NAME",
                "bugs with that label (repeat for several: all must match)",
            ),
            ("no:label", "bugs without a label"),
            ("title:TEXT", "title contains TEXT (case-insensitive)"),
            ("metadata:KEY:VALUE", "creation metadata KEY equals VALUE"),
            ("sort:id|creation|edit[-asc|-desc]", "order of the listing"),
            (
                "WORD or \"SOME WORDS\"",
                "words of the title or of a comment (case-insensitive)",
            ),
        ],
        notes: &[
            "A query reads the same given as one argument or as several, in any order. \
             Quote a value with spaces inside the query, or give it to a flag:",
        ],
        examples: &[
            "git bug ls 'author:\"Jane Doe\" crash'",
            "git bug ls --author \"Jane Doe\" crash",
        ],
    },
    Topic {
        name: "messages",
        heading: "MESSAGES",
        intro: "Where the text of a bug or a comment comes from:",
        entries: &[
            ("-m MESSAGE", "the message itself"),
            ("-F FILE", "the contents of FILE (- reads standard input)"),
            (
                "otherwise",
                "the editor named by GIT_EDITOR, core.editor, VISUAL or EDITOR",
            ),
        ],
        notes: &[],
        examples: &[],
    },
    Topic {
        name: "config",
        heading: "CONFIGURATION",
        intro: "Read from git's configuration:",
        entries: &[
            ("git-bug.identity", "id of your identity in this repository"),
            ("core.editor, core.pager, color.ui, color.bug", "as for git"),
        ],
        notes: &[],
        examples: &[],
    },
    Topic {
        name: "exit-status",
        heading: "EXIT STATUS",
        intro: "",
        entries: &[
            (
                "0",
                "success, also when the request is already satisfied (closing a closed bug, \
                 adding a label already set, an unchanged title): nothing is written and a \
                 note goes to stderr",
            ),
            (
                "1",
                "the request was refused (unknown or ambiguous id, invalid data)",
            ),
            ("2", "bad usage or query"),
            ("128", "no repository, or an environment problem"),
        ],
        notes: &[],
        examples: &[],
    },
];

pub fn topic(name: &str) -> Option<&'static Topic> {
    TOPICS.iter().find(|t| t.name == name)
}

/// Terms longer than this go on a line of their own on a terminal.
const TERM_COLUMN: usize = 22;

impl Topic {
    /// The section as plain text for a terminal `width` columns wide.
    pub fn text(&self, width: usize) -> String {
        let mut out = format!("{}:\n", self.heading);
        let hang = " ".repeat(TERM_COLUMN + 4);
        if !self.intro.is_empty() {
            out += &wrap(self.intro, "  ", "  ", width);
        }
        for (term, description) in self.entries {
            if term.len() > TERM_COLUMN {
                out += &format!("  {term}\n");
                out += &wrap(description, &hang, &hang, width);
            } else {
                let first = format!("  {term:TERM_COLUMN$}  ");
                out += &wrap(description, &first, &hang, width);
            }
        }
        for note in self.notes {
            out += &wrap(note, "  ", "  ", width);
        }
        for example in self.examples {
            out += &format!("      {example}\n");
        }
        out
    }

    /// The section as roff, for the man page.
    pub fn roff(&self) -> String {
        let mut out = format!(".SH \"{}\"\n", self.heading);
        if !self.intro.is_empty() {
            out += &format!("{}\n", roff_text(self.intro));
        }
        for (term, description) in self.entries {
            out += &format!(
                ".TP\n\\fB{}\\fR\n{}\n",
                roff_text(term),
                roff_text(description)
            );
        }
        for note in self.notes {
            out += &format!(".PP\n{}\n", roff_text(note));
        }
        if !self.examples.is_empty() {
            out += ".PP\n.RS 4\n.nf\n";
            for example in self.examples {
                out += &format!("{}\n", roff_text(example));
            }
            out += ".fi\n.RE\n";
        }
        out
    }
}

/// The width help is laid out for: the terminal's, at most 100 columns
/// (clap's own limit, so that it does not wrap these lines again).
pub fn width() -> usize {
    terminal_size::terminal_size().map_or(100, |(w, _)| usize::from(w.0).clamp(40, 100))
}

/// `text` filled to `width` columns, the first line after `first`, the
/// others after `rest`.
fn wrap(text: &str, first: &str, rest: &str, width: usize) -> String {
    let mut out = String::new();
    let mut line = first.to_string();
    let mut empty = true;
    for word in text.split_whitespace() {
        if !empty && line.chars().count() + 1 + word.chars().count() > width {
            out += line.trim_end();
            out.push('\n');
            line = rest.to_string();
            empty = true;
        }
        if !empty {
            line.push(' ');
        }
        line += word;
        empty = false;
    }
    out += line.trim_end();
    out.push('\n');
    out
}

/// Every topic, as `--help` shows them after the options.
pub fn after_long_help() -> String {
    let width = width();
    let sections: Vec<String> = TOPICS.iter().map(|t| t.text(width)).collect();
    sections.join("\n").trim_end().to_string()
}

/// The pointer `-h` shows: the summary leaves the topics out.
pub fn after_short_help() -> String {
    let names: Vec<&str> = TOPICS.iter().map(|t| t.name).collect();
    format!(
        "See \"git bug help <COMMAND>\" for a command, \"git bug help {}\" for a topic, \
         \"git bug help\" for everything.",
        names.join("|")
    )
}

/// Text made safe for roff: backslashes, hyphens that are not line breaks,
/// and a leading dot or quote that would read as a request.
fn roff_text(text: &str) -> String {
    let escaped = text.replace('\\', "\\e").replace('-', "\\-");
    if escaped.starts_with('.') || escaped.starts_with('\'') {
        format!("\\&{escaped}")
    } else {
        escaped
    }
}
