#!/usr/bin/env python3
"""Generate a git repository holding N bugs in git-bug's on-disk format (v4).

Usage:
    python3 bench/gen_repo.py DIR N [--comments K] [--identities M] [--seed S]
    python3 bench/gen_repo.py --verify DIR [--expect N]

The layout is git-bug's entity format 4 (identities, bugs, operation packs,
clocks and trees, as the Go git-bug writes them):

* M identities under refs/identities/<id>, one commit each whose tree holds a
  single `version` blob; id = sha256 of that blob.
* N bugs under refs/bugs/<id>.  Each bug is a root commit whose pack holds the
  create op, plus (unless there is nothing to add) a child commit whose pack
  holds K add-comment ops and, for some bugs, a label change and/or a
  "closed" status op.  Bug id = sha256 of the create op's JSON bytes.
* Bug trees: `create-clock-N` (root only), `edit-clock-N`, `ops`, `version-4`;
  every entry except `ops` points to the empty blob.
* Commits have an empty author/committer (`author  <> 1700000000 +0000`) and
  an empty message, exactly like git-bug's own commits.

All objects and refs are written by ONE `git fast-import` process: its
grammar allows `author <> ...` (name omitted), which produces the same bytes
as git-bug (`author  <> ...`, two spaces), and it sorts tree entries into
git's canonical order itself.  No git process is spawned per bug.

Output is deterministic for a given (N, K, M, seed).  Standard library only.
"""

import argparse
import base64
import hashlib
import json
import os
import random
import subprocess
import sys

EMPTY_BLOB = "e69de29bb2d1d6434b8b29ae775ad8c2e48c5391"
COMMIT_TIME = 1700000000  # commit (not op) timestamp, as in the brief
OP_TIME0 = 1690000000  # op timestamps start here, one bug per minute

LABELS = ["bug", "feature", "docs", "ui", "performance", "good first issue"]
NAMES = ["Alice Doe", "Bob Smith", "Carol Jones", "Dave Brown", "Eve Miller",
         "Frank Wilson", "Grace Moore", "Heidi Taylor"]
WORDS = ("the a of to in is it that for on with as was at by an be this from or "
         "crash error panic slow parser config ref commit merge label status title "
         "comment bridge cache index query sort export import window button").split()


# ---------------------------------------------------------------------------
# Go encoding/json compatible serialisation (spec §2.1)

def go_json(obj) -> bytes:
    """Compact JSON as Go's json.Marshal writes it.

    Dict key order is the caller's insertion order (= Go struct field order);
    Python escapes control chars as lowercase \\u00xx like Go, so only Go's
    HTML-safe escapes need adding.
    """
    s = json.dumps(obj, separators=(",", ":"), ensure_ascii=False)
    s = (s.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
         .replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))
    return s.encode("utf-8")


def sha256_hex(b: bytes) -> str:
    return hashlib.sha256(b).hexdigest()


# ---------------------------------------------------------------------------
# Generation

class Gen:
    def __init__(self, seed: int):
        self.rng = random.Random(seed)

    def nonce(self) -> str:
        # 20 bytes, standard base64 with padding -> 28 chars (spec §2.3)
        return base64.b64encode(self.rng.randbytes(20)).decode("ascii")

    def sentence(self, lo: int, hi: int) -> str:
        return " ".join(self.rng.choice(WORDS) for _ in range(self.rng.randint(lo, hi)))


def fi_data(out: list, payload: bytes) -> None:
    """Append a fast-import `data` command with an exact byte count."""
    out.append(b"data %d\n" % len(payload))
    out.append(payload)
    out.append(b"\n")


def fi_commit(out: list, ref: str, mark: int, parent_mark, files: dict) -> None:
    """Append a commit on `ref`. files: tree entry name -> blob bytes, or
    None for the (pre-marked) empty blob. The tree is rebuilt from scratch
    (`deleteall`), so a child does not inherit its parent's create clock."""
    out.append(b"commit %s\nmark :%d\n" % (ref.encode(), mark))
    # Name omitted: fast-import then writes "author  <> ..." (two spaces).
    out.append(b"author <> %d +0000\ncommitter <> %d +0000\n" % (COMMIT_TIME, COMMIT_TIME))
    fi_data(out, b"")  # empty commit message
    if parent_mark is not None:
        out.append(b"from :%d\n" % parent_mark)
    out.append(b"deleteall\n")
    for name, content in files.items():
        if content is None:
            out.append(b"M 100644 :1 %s\n" % name.encode())
        else:
            out.append(b"M 100644 inline %s\n" % name.encode())
            fi_data(out, content)
    out.append(b"\n")


def pack_blob(author_id: str, ops: list) -> bytes:
    """The `ops` blob: {"author":{"id":...},"ops":[...]} built from the op
    bytes themselves, so the op ids hash exactly what is stored."""
    return (b'{"author":{"id":"' + author_id.encode() + b'"},"ops":['
            + b",".join(ops) + b"]}")


def generate(directory: str, n_bugs: int, n_comments: int, n_idents: int, seed: int) -> dict:
    if os.path.exists(directory) and os.listdir(directory):
        sys.exit(f"gen_repo: {directory} exists and is not empty")
    g = Gen(seed)

    subprocess.run(["git", "-c", "init.defaultBranch=main", "init", "-q", directory], check=True)
    gitdir = os.path.join(directory, ".git")

    out = [b"feature done\n", b"blob\nmark :1\n"]
    fi_data(out, b"")  # the empty blob, shared by version-4 and clock entries
    mark = 1

    # Identities (spec §2.6): created "before any clock existed", so times={}.
    idents = []
    for i in range(n_idents):
        name = NAMES[i % len(NAMES)] + ("" if i < len(NAMES) else f" {i}")
        email = name.split()[0].lower() + f"{i}@example.com"
        version = go_json({"version": 2, "times": {}, "unix_time": COMMIT_TIME - 1000 + i,
                           "name": name, "email": email, "nonce": g.nonce()})
        ident_id = sha256_hex(version)
        mark += 1
        fi_commit(out, "refs/identities/" + ident_id, mark, None, {"version": version})
        idents.append((ident_id, name, email))

    # Bugs. Clocks advance like git-bug creating them one after another:
    # increment bugs-edit, then bugs-create for the root commit (first values
    # issued are 2, spec §4.2/§4.3), then bugs-edit again for the child.
    create_clock = edit_clock = 1
    bug_ids = []
    for b in range(n_bugs):
        ts = OP_TIME0 + 60 * b
        author = g.rng.choice(idents)[0]
        title = f"Bug {b}: " + g.sentence(2, 6)
        message = g.sentence(5, 30)
        if b % 17 == 0:  # exercise Go's HTML escaping in stored text
            message += " (a < b && c > d)"
        create_op = go_json({"type": 1, "timestamp": ts, "nonce": g.nonce(),
                             "title": title, "message": message, "files": None})
        bug_id = sha256_hex(create_op)
        ref = "refs/bugs/" + bug_id

        edit_clock += 1
        create_clock += 1
        root_mark = mark = mark + 1
        fi_commit(out, ref, root_mark, None, {
            f"create-clock-{create_clock}": None,
            f"edit-clock-{edit_clock}": None,
            "ops": pack_blob(author, [create_op]),
            "version-4": None,
        })

        # Second pack: comments, then maybe a label change and/or closing.
        ops = []
        for c in range(n_comments):
            ops.append(go_json({"type": 3, "timestamp": ts + 10 + c, "nonce": g.nonce(),
                                "message": g.sentence(3, 40), "files": None}))
        if g.rng.random() < 0.5:
            added = sorted(g.rng.sample(LABELS, g.rng.randint(1, 2)))
            # CLI style: the empty side is null (spec §2.4)
            ops.append(go_json({"type": 5, "timestamp": ts + 30, "nonce": g.nonce(),
                                "added": added, "removed": None}))
        if g.rng.random() < 0.3:
            ops.append(go_json({"type": 4, "timestamp": ts + 40, "nonce": g.nonce(),
                                "status": 2}))
        if ops:
            edit_clock += 1
            mark += 1
            fi_commit(out, ref, mark, root_mark, {
                f"edit-clock-{edit_clock}": None,
                "ops": pack_blob(g.rng.choice(idents)[0], ops),
                "version-4": None,
            })
        bug_ids.append(bug_id)

    out.append(b"done\n")
    subprocess.run(["git", "fast-import", "--quiet", "--done"], cwd=directory,
                   input=b"".join(out), check=True)

    # Lamport clock files: decimal, no newline (spec §1.6, §4.1).
    clocks = os.path.join(gitdir, "git-bug", "clocks")
    os.makedirs(clocks, exist_ok=True)
    for name, value in (("bugs-create", create_clock), ("bugs-edit", edit_clock)):
        with open(os.path.join(clocks, name), "w") as f:
            f.write(str(value))

    me = idents[0]
    for key, value in (("git-bug.identity", me[0]), ("user.name", me[1]), ("user.email", me[2])):
        subprocess.run(["git", "config", "--local", key, value], cwd=directory, check=True)

    return {"bugs": len(bug_ids), "identities": len(idents),
            "bugs-create": create_clock, "bugs-edit": edit_clock}


# ---------------------------------------------------------------------------
# Verification: re-read everything through git and recheck the format rules.

def slice_json_values(buf: bytes, start: int) -> list:
    """Raw bytes of each element of the JSON array starting at buf[start]=='['.
    Ids must hash the stored bytes, so this slices instead of re-serialising."""
    assert buf[start:start + 1] == b"["
    items, depth, in_str, esc, item_start = [], 0, False, False, None
    for i in range(start, len(buf)):
        ch = buf[i]
        if in_str:
            if esc:
                esc = False
            elif ch == 0x5C:  # backslash
                esc = True
            elif ch == 0x22:
                in_str = False
            continue
        if ch == 0x22:
            in_str = True
        elif ch in (0x5B, 0x7B):  # [ {
            depth += 1
            if depth == 2 and ch == 0x7B:
                item_start = i
        elif ch in (0x5D, 0x7D):  # ] }
            depth -= 1
            if depth == 1 and ch == 0x7D:
                items.append(buf[item_start:i + 1])
            if depth == 0:
                return items
    raise ValueError("unterminated array")


def parse_tree(data: bytes) -> dict:
    entries, i = {}, 0
    while i < len(data):
        sp = data.index(b" ", i)
        nul = data.index(b"\0", sp)
        entries[data[sp + 1:nul].decode()] = (data[i:sp].decode(), data[nul + 1:nul + 21].hex())
        i = nul + 21
    return entries


def parse_commit(data: bytes):
    header, _, message = data.partition(b"\n\n")
    tree, parents, idents = None, [], []
    for line in header.split(b"\n"):
        key, _, val = line.partition(b" ")
        if key == b"tree":
            tree = val.decode()
        elif key == b"parent":
            parents.append(val.decode())
        elif key in (b"author", b"committer"):
            idents.append(val)
    return tree, parents, idents, message


def verify(directory: str, expect) -> None:
    errors = []

    def err(msg):
        errors.append(msg)
        if len(errors) <= 20:
            print("verify: " + msg, file=sys.stderr)

    # Every object in the repository, through one cat-file process.
    raw = subprocess.run(["git", "cat-file", "--batch-all-objects", "--batch"],
                         cwd=directory, capture_output=True, check=True).stdout
    objs, i = {}, 0
    while i < len(raw):
        nl = raw.index(b"\n", i)
        sha, typ, size = raw[i:nl].decode().split()
        size = int(size)
        objs[sha] = (typ, raw[nl + 1:nl + 1 + size])
        i = nl + 1 + size + 1

    refs = subprocess.run(["git", "for-each-ref", "--format=%(objectname) %(refname)"],
                          cwd=directory, capture_output=True, text=True, check=True).stdout.split()
    refs = dict(zip(refs[1::2], refs[0::2]))  # refname -> commit

    def commit(sha):
        typ, data = objs[sha]
        assert typ == "commit", sha
        tree, parents, idents, message = parse_commit(data)
        if any(ident != b" <> %d +0000" % COMMIT_TIME for ident in idents) or len(idents) != 2:
            err(f"commit {sha}: author/committer not empty: {idents}")
        if message != b"" or not data.endswith(b"\n\n"):
            err(f"commit {sha}: message not empty")
        return parse_tree(objs[tree][1]), parents

    identities = set()
    for ref, tip in refs.items():
        if not ref.startswith("refs/identities/"):
            continue
        tree, parents = commit(tip)
        if parents or list(tree) != ["version"]:
            err(f"{ref}: expected one root commit with a single `version` entry")
            continue
        blob = objs[tree["version"][1]][1]
        if sha256_hex(blob) != ref.rsplit("/", 1)[1]:
            err(f"{ref}: id != sha256(version blob)")
        v = json.loads(blob)
        if go_json(v) != blob or v.get("version") != 2:
            err(f"{ref}: version blob not in Go encoding / version != 2")
        identities.add(ref.rsplit("/", 1)[1])

    n_bugs, max_create, max_edit = 0, 0, 0
    for ref, tip in refs.items():
        if not ref.startswith("refs/bugs/"):
            continue
        n_bugs += 1
        chain, sha = [], tip  # walk to the root (our DAGs are linear)
        while True:
            tree, parents = commit(sha)
            chain.append((sha, tree))
            if not parents:
                break
            sha = parents[0]
        chain.reverse()
        prev_edit = 0
        for depth, (sha, tree) in enumerate(chain):
            names = sorted(tree)
            clocks = {k.rsplit("-", 1)[0]: int(k.rsplit("-", 1)[1])
                      for k in names if "-clock-" in k}
            want = (["create-clock-%d" % clocks.get("create-clock", 0)] if depth == 0 else []) + \
                ["edit-clock-%d" % clocks.get("edit-clock", 0), "ops", "version-4"]
            if names != want or any(tree[k] != ("100644", EMPTY_BLOB) for k in names if k != "ops"):
                err(f"{ref} commit {sha}: bad tree {names}")
                continue
            edit = clocks["edit-clock"]
            if edit <= prev_edit:
                err(f"{ref} commit {sha}: edit clock {edit} not > parent's {prev_edit}")
            prev_edit = edit
            max_edit = max(max_edit, edit)
            max_create = max(max_create, clocks.get("create-clock", 0))
            blob = objs[tree["ops"][1]][1]
            pack = json.loads(blob)
            if go_json(pack) != blob:
                err(f"{ref}: ops blob not in Go encoding")
            if pack["author"]["id"] not in identities:
                err(f"{ref}: pack author {pack['author']['id']} has no identity")
            ops = slice_json_values(blob, blob.index(b'"ops":[') + 6)
            if len(ops) != len(pack["ops"]) or any(json.loads(o) != p for o, p in zip(ops, pack["ops"])):
                err(f"{ref}: op slicing mismatch")
            if depth == 0:
                if pack["ops"][0]["type"] != 1 or sha256_hex(ops[0]) != ref.rsplit("/", 1)[1]:
                    err(f"{ref}: ref name != sha256(create op bytes)")

    gb = os.path.join(directory, ".git", "git-bug", "clocks")
    # A clock starts at 1, so with no bugs at all the files hold 1.
    for name, value in (("bugs-create", max(max_create, 1)), ("bugs-edit", max(max_edit, 1))):
        with open(os.path.join(gb, name)) as f:
            if f.read() != str(value):
                err(f"clock file {name} != {value}")
    if expect is not None and n_bugs != expect:
        err(f"{n_bugs} bugs, expected {expect}")
    if errors:
        sys.exit(f"verify: {len(errors)} error(s)")
    print(f"verify: OK: {n_bugs} bugs, {len(identities)} identities, "
          f"bugs-create={max_create}, bugs-edit={max_edit}")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("dir")
    ap.add_argument("n", type=int, nargs="?")
    ap.add_argument("--comments", type=int, default=3, help="add-comment ops per bug (default 3)")
    ap.add_argument("--identities", type=int, default=5, help="number of identities (default 5)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--verify", action="store_true", help="check an existing repository instead")
    ap.add_argument("--expect", type=int, help="with --verify: expected number of bugs")
    a = ap.parse_args()
    if a.verify:
        verify(a.dir, a.expect if a.expect is not None else a.n)
        return
    if a.n is None or a.n < 0 or a.comments < 0 or a.identities < 1:
        ap.error("need N >= 0, --comments >= 0, --identities >= 1")
    stats = generate(a.dir, a.n, a.comments, a.identities, a.seed)
    print("generated {bugs} bugs, {identities} identities in {dir} "
          "(bugs-create={bugs-create}, bugs-edit={bugs-edit})".format(dir=a.dir, **stats))


if __name__ == "__main__":
    main()
