//! How bugs and identities are shown: git-bug's JSON shapes (keys and order
//! kept so scripts written for git-bug keep working) and its text layouts.

use super::terminal::{Ui, escape};
use super::time;
use crate::bug::{Snapshot, Status};
use crate::entity::gojson::Json;
use crate::identity::Identity;
use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

/// `{"id","human_id","name","login"}`.
pub fn identity_json(who: &Identity) -> Json {
    Json::Object(vec![
        ("id", Json::str(who.id.as_str())),
        ("human_id", Json::str(who.human_id())),
        ("name", Json::str(who.name())),
        ("login", Json::str(who.login())),
    ])
}

fn time_json(seconds: i64, lamport: Option<u64>) -> Json {
    let mut fields = vec![
        ("timestamp", Json::Int(seconds)),
        ("time", Json::str(time::rfc3339(seconds))),
    ];
    if let Some(l) = lamport.filter(|l| *l > 0) {
        fields.push(("lamport", Json::Int(l as i64)));
    }
    Json::Object(fields)
}

fn people_json(people: &[std::sync::Arc<Identity>]) -> Json {
    Json::Array(people.iter().map(|p| identity_json(p)).collect())
}

fn labels_json(bug: &Snapshot) -> Json {
    Json::opt_strings(bug.labels.as_deref())
}

/// One bug of `bug --format json`.
pub fn excerpt_json(bug: &Snapshot) -> Json {
    Json::Object(vec![
        ("id", Json::str(bug.id.as_str())),
        ("human_id", Json::str(bug.human_id())),
        (
            "create_time",
            time_json(bug.create_time, Some(bug.create_lamport)),
        ),
        (
            "edit_time",
            time_json(bug.edit_time, Some(bug.edit_lamport)),
        ),
        ("status", Json::str(bug.status.as_str())),
        ("labels", labels_json(bug)),
        ("title", Json::str(bug.title.as_str())),
        ("actors", people_json(&bug.actors)),
        ("participants", people_json(&bug.participants)),
        ("author", identity_json(&bug.author)),
        ("comments", Json::Int(bug.comments.len() as i64)),
        ("metadata", Json::string_map(&bug.create_metadata)),
    ])
}

/// `bug show --format json`.
pub fn show_json(bug: &Snapshot) -> Json {
    let comments = bug
        .comments
        .iter()
        .map(|c| {
            let mut fields = vec![
                ("id", Json::str(c.id.as_str())),
                ("human_id", Json::str(c.human_id())),
                ("author", identity_json(&c.author)),
                ("message", Json::str(c.message.as_str())),
            ];
            // Only where there are some: git-bug's output has no such field.
            if let Some(files) = c.files.as_ref().filter(|f| !f.is_empty()) {
                fields.push((
                    "files",
                    Json::Array(files.iter().map(|f| Json::str(f.as_str())).collect()),
                ));
            }
            Json::Object(fields)
        })
        .collect();
    Json::Object(vec![
        ("id", Json::str(bug.id.as_str())),
        ("human_id", Json::str(bug.human_id())),
        ("create_time", time_json(bug.create_time, None)),
        ("edit_time", time_json(bug.edit_time, None)),
        ("status", Json::str(bug.status.as_str())),
        ("labels", labels_json(bug)),
        ("title", Json::str(bug.title.as_str())),
        ("author", identity_json(&bug.author)),
        ("actors", people_json(&bug.actors)),
        ("participants", people_json(&bug.participants)),
        ("comments", Json::Array(comments)),
        ("commits", commits_json(bug)),
    ])
}

/// The commits that reference a bug: `[{"id","human_id","action"}]`.
fn commits_json(bug: &Snapshot) -> Json {
    Json::Array(
        crate::links::commit_links(bug)
            .into_iter()
            .map(|(id, action)| {
                let human_id = crate::entity::id::human(&id).to_string();
                Json::Object(vec![
                    ("id", Json::str(id)),
                    ("human_id", Json::str(human_id)),
                    ("action", Json::str(action.as_str())),
                ])
            })
            .collect(),
    )
}

/// Pads with spaces or cuts with `…` to exactly `width` columns.
pub fn fit(text: &str, width: usize) -> String {
    let current = text.width();
    if current <= width {
        return format!("{text}{}", " ".repeat(width - current));
    }
    if width == 0 {
        return String::new();
    }
    let mut out = String::new();
    let mut used = 0;
    for c in text.chars() {
        let w = c.width().unwrap_or(0);
        if used + w > width - 1 {
            break;
        }
        out.push(c);
        used += w;
    }
    out.push('…');
    used += 1;
    out.push_str(&" ".repeat(width.saturating_sub(used)));
    out
}

/// The 256-colour code git-bug gives a label (spec §6.5).
pub fn label_color(label: &str) -> u8 {
    const PALETTE: [(u32, u32, u32); 19] = [
        (244, 67, 54),
        (233, 30, 99),
        (156, 39, 176),
        (103, 58, 183),
        (63, 81, 181),
        (33, 150, 243),
        (3, 169, 244),
        (0, 188, 212),
        (0, 150, 136),
        (76, 175, 80),
        (139, 195, 74),
        (205, 220, 57),
        (255, 235, 59),
        (255, 193, 7),
        (255, 152, 0),
        (255, 87, 34),
        (121, 85, 72),
        (158, 158, 158),
        (96, 125, 139),
    ];
    use sha2::Digest;
    let hash = sha2::Sha256::digest(label.as_bytes());
    let idx = hash
        .iter()
        .fold(0usize, |acc, b| (acc + usize::from(*b)) % PALETTE.len());
    let (r, g, b) = PALETTE[idx];
    (16 + 36 * (r * 6 / 256) + 6 * (g * 6 / 256) + b * 6 / 256) as u8
}

fn status_text(ui: &Ui, status: Status) -> String {
    match status {
        Status::Open => ui.paint("32", "open"),
        Status::Closed => ui.paint("31", "closed"),
    }
}

/// One line of the terminal listing, fitted to `width` columns.
pub fn default_line(ui: &Ui, bug: &Snapshot, width: usize) -> String {
    let rem = width.saturating_sub(7 + 1 + 6 + 1 + 6 + 1);
    let title_width = ((rem.saturating_sub(3)) as f64 * 0.7) as usize;
    let author_width = rem.saturating_sub(title_width + 3 + 2);
    let labels_plain: String = bug.labels().iter().map(|_| " ◼").collect();
    let labels_plain = if labels_plain.width() > 10 {
        fit(&labels_plain, 10).trim_end().to_string()
    } else {
        labels_plain
    };
    let label_cells: String = if ui.color {
        bug.labels()
            .iter()
            .take(labels_plain.chars().filter(|c| *c == '◼').count())
            .map(|l| format!(" \x1b[38;5;{}m◼\x1b[0m", label_color(l)))
            .collect()
    } else {
        labels_plain.clone()
    };
    let title = fit(
        &escape(bug.title.trim(), false),
        title_width.saturating_sub(labels_plain.width()),
    );
    let author = fit(&escape(&bug.author.display_name(), false), author_width);
    let replies = bug.comments.len().saturating_sub(1);
    let comments = match replies {
        0 => String::new(),
        n if n > 999 => "  ∞ 💬".to_string(),
        n => format!("{n:3} 💬"),
    };
    format!(
        "{}\t{}\t{}{}   {} {}",
        ui.paint("36", bug.human_id()),
        status_text(ui, bug.status),
        title,
        label_cells,
        ui.paint("35", &author),
        comments
    )
}

/// `bug show` in git-bug's text layout.
pub fn show_text(ui: &Ui, bug: &Snapshot) -> String {
    let names = |people: &[std::sync::Arc<Identity>]| {
        people
            .iter()
            .map(|p| escape(&p.display_name(), false))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let mut out = format!(
        "{} [{}] {}\n\n",
        ui.paint("36", bug.human_id()),
        status_text(ui, bug.status),
        escape(&bug.title, false)
    );
    out.push_str(&format!(
        "{} opened this issue {}\n",
        ui.paint("35", &escape(&bug.author.display_name(), false)),
        time::go_default(bug.create_time)
    ));
    out.push_str(&format!(
        "This was last edited at {}\n\n",
        time::go_default(bug.edit_time)
    ));
    let labels: Vec<String> = bug.labels().iter().map(|l| escape(l, false)).collect();
    out.push_str(&format!("labels: {}\n", labels.join(", ")));
    out.push_str(&format!("actors: {}\n", names(&bug.actors)));
    out.push_str(&format!("participants: {}\n", names(&bug.participants)));
    let links = crate::links::commit_links(bug);
    if !links.is_empty() {
        let shown: Vec<String> = links
            .iter()
            .map(|(id, action)| format!("{} ({})", crate::entity::id::human(id), action.as_str()))
            .collect();
        out.push_str(&format!("commits: {}\n", shown.join(", ")));
    }
    out.push('\n');
    for (i, comment) in bug.comments.iter().enumerate() {
        out.push_str(&format!(
            "  {} #{} {} <{}>\n\n",
            ui.paint("36", comment.human_id()),
            i,
            ui.paint("35", &escape(&comment.author.display_name(), false)),
            escape(comment.author.email(), false)
        ));
        let message = if comment.message.is_empty() {
            ui.paint("30;47;1", "No description provided.")
        } else {
            escape(&comment.message, true)
        };
        out.push_str(&format!("  {message}\n\n"));
        if let Some(files) = comment.files.as_ref().filter(|f| !f.is_empty()) {
            let shown: Vec<&str> = files.iter().map(|f| crate::entity::id::human(f)).collect();
            out.push_str(&format!(
                "  files: {} (git bug file get ID)\n",
                shown.join(", ")
            ));
        }
        out.push('\n');
    }
    out
}

/// `bug show --format org-mode`.
pub fn show_org(bug: &Snapshot) -> String {
    let e = |s: &str| escape(s, false);
    let mut out = format!(
        "{} [{}] {}\n",
        bug.human_id(),
        bug.status.as_str(),
        e(&bug.title)
    );
    out.push_str(&format!("* Author: {}\n", e(&bug.author.display_name())));
    out.push_str(&format!(
        "* Creation Time: {}\n",
        time::go_default(bug.create_time)
    ));
    out.push_str(&format!(
        "* Last Edit: {}\n",
        time::go_default(bug.edit_time)
    ));
    out.push_str("* Labels:\n");
    for label in bug.labels() {
        out.push_str(&format!("** {}\n", e(label)));
    }
    for (title, people) in [("Actors", &bug.actors), ("Participants", &bug.participants)] {
        out.push_str(&format!("* {title}:\n"));
        for p in people.iter() {
            out.push_str(&format!("** {} {}\n", p.human_id(), e(&p.display_name())));
        }
    }
    out.push_str("* Comments:\n");
    for (i, c) in bug.comments.iter().enumerate() {
        out.push_str(&format!("** #{} {}\n", i, e(&c.author.display_name())));
        let message = if c.message.is_empty() {
            "No description provided.".to_string()
        } else {
            escape(&c.message, true)
        };
        out.push_str(&format!(": {}\n", message.replace('\n', "\n: ")));
    }
    out
}

/// One bug in the org-mode listing.
pub fn org_entry(bug: &Snapshot) -> String {
    let e = |s: &str| escape(s, false);
    let status = match bug.status {
        Status::Open => "OPEN  ",
        Status::Closed => "CLOSED",
    };
    let title = match bug.create_metadata.get("github-url") {
        Some(url) => format!("[[{}][{}]]", e(url), e(&bug.title)),
        None => e(&bug.title),
    };
    let tags: Vec<String> = bug
        .labels()
        .iter()
        .map(|l| {
            l.chars()
                .map(|c| {
                    if c.is_alphanumeric() || c == '_' || c == '@' {
                        c
                    } else {
                        '_'
                    }
                })
                .collect()
        })
        .collect();
    let tags = if tags.is_empty() {
        "::".to_string()
    } else {
        format!(":{}:", tags.join(":"))
    };
    let mut out = format!(
        "* {status} {} {} {}: {title} {tags}\n",
        bug.human_id(),
        time::org(bug.create_time),
        e(&bug.author.display_name())
    );
    out.push_str(&format!("** Last Edited: {}\n", time::org(bug.edit_time)));
    for (title, people) in [("Actors", &bug.actors), ("Participants", &bug.participants)] {
        out.push_str(&format!("** {title}:\n"));
        for p in people.iter() {
            out.push_str(&format!(": {} {}\n", p.human_id(), e(&p.display_name())));
        }
    }
    out
}
