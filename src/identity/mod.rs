//! Identities: who wrote an operation. Each is a linear chain of commits
//! under `refs/identities/<id>`, one JSON version per commit; the id is the
//! hash of the first version (format spec §1.5, §2.6).

mod store;

pub use store::{IdentityError, IdentityStore};

use crate::entity::EntityError;
use crate::entity::gojson::Json;
use crate::entity::id::hash_id;
use crate::repo::{Repo, TreeEntry};
use git2::Oid;
use serde::Deserialize;
use std::collections::BTreeMap;

pub const REF_PREFIX: &str = "refs/identities/";
/// The identity format version, stored inside the JSON.
pub const FORMAT_VERSION: u64 = 2;
/// Config key naming the user's own identity.
pub const USER_IDENTITY_KEY: &str = "git-bug.identity";

/// One version of an identity, field order as git-bug writes it.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct Version {
    #[serde(default)]
    pub version: u64,
    #[serde(default)]
    pub times: BTreeMap<String, u64>,
    #[serde(default)]
    pub unix_time: i64,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub email: String,
    #[serde(default)]
    pub login: String,
    #[serde(default)]
    pub avatar_url: String,
    #[serde(default)]
    pub pub_keys: Option<Vec<String>>,
    #[serde(default)]
    pub nonce: String,
    #[serde(default)]
    pub metadata: Option<BTreeMap<String, String>>,
}

impl Version {
    /// The JSON git-bug stores, with its omitempty rules.
    pub fn to_json(&self) -> Json {
        let mut fields: Vec<(&'static str, Json)> = vec![
            ("version", Json::Int(self.version as i64)),
            (
                "times",
                Json::Map(
                    self.times
                        .iter()
                        .map(|(k, v)| (k.clone(), Json::Int(*v as i64)))
                        .collect(),
                ),
            ),
            ("unix_time", Json::Int(self.unix_time)),
        ];
        for (key, value) in [
            ("name", &self.name),
            ("email", &self.email),
            ("login", &self.login),
            ("avatar_url", &self.avatar_url),
        ] {
            if !value.is_empty() {
                fields.push((key, Json::str(value.as_str())));
            }
        }
        if let Some(keys) = self.pub_keys.as_ref().filter(|k| !k.is_empty()) {
            fields.push(("pub_keys", Json::opt_strings(Some(keys))));
        }
        fields.push(("nonce", Json::str(self.nonce.as_str())));
        if let Some(meta) = self.metadata.as_ref().filter(|m| !m.is_empty()) {
            fields.push(("metadata", Json::string_map(meta)));
        }
        Json::Object(fields)
    }
}

/// An identity with all its versions, oldest first.
#[derive(Debug, Clone)]
pub struct Identity {
    pub id: String,
    pub head: Oid,
    pub versions: Vec<Version>,
}

impl Identity {
    fn last(&self) -> &Version {
        // An identity is never built without a version.
        &self.versions[self.versions.len() - 1]
    }

    pub fn name(&self) -> &str {
        &self.last().name
    }

    pub fn email(&self) -> &str {
        &self.last().email
    }

    pub fn login(&self) -> &str {
        &self.last().login
    }

    pub fn human_id(&self) -> &str {
        crate::entity::id::human(&self.id)
    }

    /// `name (login)`, or whichever of the two is set.
    pub fn display_name(&self) -> String {
        match (self.name(), self.login()) {
            (n, l) if !n.is_empty() && !l.is_empty() => format!("{n} ({l})"),
            (n, "") => n.to_string(),
            (_, l) => l.to_string(),
        }
    }

    pub fn last_unix_time(&self) -> i64 {
        self.last().unix_time
    }

    pub fn last_times(&self) -> &BTreeMap<String, u64> {
        &self.last().times
    }

    /// Metadata over all versions: the first definition of a key wins.
    pub fn metadata(&self) -> BTreeMap<String, String> {
        let mut out = BTreeMap::new();
        for version in &self.versions {
            for (k, v) in version.metadata.iter().flatten() {
                out.entry(k.clone()).or_insert_with(|| v.clone());
            }
        }
        out
    }

    /// Whether any version lists signing keys (signed data is not supported).
    pub fn has_keys(&self) -> bool {
        self.versions
            .iter()
            .any(|v| v.pub_keys.as_ref().is_some_and(|k| !k.is_empty()))
    }
}

/// Reads the identity `refs/identities/<id>` points to.
pub fn read(repo: &Repo, id: &str, head: Oid) -> Result<Identity, EntityError> {
    let mut chain = Vec::new();
    let mut next = Some(head);
    while let Some(commit) = next {
        let info = repo.read_commit(commit)?;
        if info.parents.len() > 1 {
            return Err(EntityError::corrupt(
                commit,
                "identity history is not linear",
            ));
        }
        let entries = repo.read_tree(info.tree)?;
        let [entry] = entries.as_slice() else {
            return Err(EntityError::Invalid(format!(
                "invalid identity data at hash {commit}"
            )));
        };
        if entry.name != "version" || !entry.is_file() {
            return Err(EntityError::Invalid(format!(
                "invalid identity data at hash {commit}"
            )));
        }
        chain.push(repo.read_blob(entry.oid)?);
        if chain.len() > 100_000 {
            return Err(EntityError::Invalid(
                "identity has too many versions".into(),
            ));
        }
        next = info.parents.first().copied();
    }
    chain.reverse();
    let computed = hash_id(&chain[0]);
    if computed != id {
        return Err(EntityError::Invalid(format!(
            "identity {id}: its id does not match its first version ({computed})"
        )));
    }
    let versions = chain
        .iter()
        .map(|blob| decode_version(blob))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| EntityError::Invalid(format!("identity {id}: {e}")))?;
    Ok(Identity {
        id: id.to_string(),
        head,
        versions,
    })
}

fn decode_version(blob: &[u8]) -> Result<Version, String> {
    let version: Version =
        serde_json::from_slice(blob).map_err(|e| format!("version is not valid JSON: {e}"))?;
    match version.version {
        FORMAT_VERSION => Ok(version),
        v if v < FORMAT_VERSION => Err(format!(
            "outdated repository format {v}, please use https://github.com/git-bug/git-bug-migration to upgrade to format version 2"
        )),
        v => Err(format!(
            "your version of git-bug is too old for this repository (identity format {v}, expected 2), please upgrade to the latest version"
        )),
    }
}

/// What a new identity is made of.
#[derive(Debug, Clone, Default)]
pub struct NewIdentity {
    pub name: String,
    pub email: String,
    pub avatar_url: String,
}

/// Checks the fields of a new identity as git-bug does before writing it.
pub fn validate(new: &NewIdentity) -> Result<(), String> {
    if new.name.trim().is_empty() {
        return Err("the identity needs a name".into());
    }
    for (what, value) in [
        ("name", &new.name),
        ("email", &new.email),
        ("avatar URL", &new.avatar_url),
    ] {
        if value.chars().any(char::is_control) {
            return Err(format!("the {what} contains control characters"));
        }
    }
    if !new.avatar_url.is_empty() && !new.avatar_url.contains("://") {
        return Err(format!(
            "the avatar URL {:?} is not an absolute URL",
            new.avatar_url
        ));
    }
    Ok(())
}

/// Stores a new identity with one version and returns its id.
pub fn create(repo: &Repo, new: &NewIdentity) -> Result<Identity, EntityError> {
    validate(new).map_err(EntityError::Invalid)?;
    let clocks = crate::entity::clock::ClockStore::new(&repo.state_dir());
    let version = Version {
        version: FORMAT_VERSION,
        times: clocks.all()?,
        unix_time: jiff::Timestamp::now().as_second(),
        name: new.name.trim().to_string(),
        email: new.email.trim().to_string(),
        avatar_url: new.avatar_url.trim().to_string(),
        nonce: crate::bug::operation::new_nonce(),
        ..Version::default()
    };
    let blob = version.to_json().to_compact();
    let id = hash_id(&blob);
    let blob_oid = repo.write_blob(&blob)?;
    let tree = repo.write_tree(&[TreeEntry::file("version", blob_oid)])?;
    let commit = repo.write_entity_commit(tree, &[])?;
    repo.update_ref(
        &format!("{REF_PREFIX}{id}"),
        commit,
        None,
        "git-bug: new identity",
    )?;
    Ok(Identity {
        id,
        head: commit,
        versions: vec![version],
    })
}

/// git-bug's checks of every version of an identity received from elsewhere
/// (format spec §2.6.1).
pub fn validate_versions(identity: &Identity) -> Result<(), String> {
    use base64::Engine;
    let mut previous: Option<&BTreeMap<String, u64>> = None;
    for version in &identity.versions {
        if version.name.trim().is_empty() && version.login.trim().is_empty() {
            return Err("identity has neither a name nor a login".into());
        }
        for (what, value) in [
            ("name", &version.name),
            ("login", &version.login),
            ("email", &version.email),
        ] {
            if value.chars().any(char::is_control) {
                return Err(format!("identity {what} contains control characters"));
            }
        }
        if version.avatar_url.contains('\n') {
            return Err("identity avatar URL contains a line break".into());
        }
        let nonce = base64::engine::general_purpose::STANDARD
            .decode(&version.nonce)
            .map_err(|_| "identity nonce is not base64".to_string())?;
        if !(20..=64).contains(&nonce.len()) {
            return Err("identity nonce must be 20 to 64 bytes".into());
        }
        if let Some(before) = previous {
            for (clock, value) in before {
                match version.times.get(clock) {
                    Some(now) if now >= value => {}
                    _ => {
                        return Err(format!(
                            "identity clock {clock} goes backwards between versions"
                        ));
                    }
                }
            }
        }
        previous = Some(&version.times);
    }
    Ok(())
}
