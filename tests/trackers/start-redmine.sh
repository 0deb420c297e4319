#!/usr/bin/env bash
# Installs Redmine 5 from Debian's packages (when missing), gives it a
# fresh SQLite database with the REST API on, a multi-value "Labels"
# custom field and an admin API key, and starts it on loopback.
# Writes the settings tests read to $STATE/redmine.env:
#   GIT_BUG_TEST_REDMINE_URL, GIT_BUG_TEST_REDMINE_KEY, GIT_BUG_TEST_REDMINE_PID
# Usage: tests/trackers/start-redmine.sh [STATE_DIR] [PORT]   (as root, or with sudo)
set -euo pipefail
. "$(dirname "$0")/lib.sh"
state=${1:-${TMPDIR:-/tmp}/git-bug-trackers}
port=${2:-8082}
mkdir -p "$state"
state=$(cd "$state" && pwd)
sudo=
[ "$(id -u)" = 0 ] || sudo=sudo
# curl asks the server whether it answers.
command -v curl >/dev/null ||
	$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends curl >/dev/null

if ! dpkg -s redmine-sqlite >/dev/null 2>&1 || ! dpkg -s puma >/dev/null 2>&1; then
	$sudo debconf-set-selections <<PRESEED
redmine redmine/instances/default/dbconfig-install boolean true
redmine redmine/instances/default/database-type select sqlite3
redmine redmine/instances/default/default-language select en
PRESEED
	$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
		redmine redmine-sqlite puma >/dev/null
fi

# A database of our own, in the state directory, owned by the server's
# user, who must be able to reach it (mktemp -d makes a 0700 directory).
$sudo chmod o+x "$state"
dbdir="$state/redmine-db"
$sudo rm -rf "$dbdir"
$sudo mkdir -p "$dbdir"
$sudo chown www-data: "$dbdir"
$sudo tee /etc/redmine/default/database.yml >/dev/null <<YML
production:
  adapter: sqlite3
  database: $dbdir/redmine.sqlite
  encoding: utf8
  # Tests write in parallel: wait for SQLite's lock instead of answering 500.
  timeout: 10000
YML
as_redmine() {
	(cd /usr/share/redmine && $sudo runuser -u www-data -- env REDMINE_INSTANCE=default \
		RAILS_ENV=production REDMINE_LANG=en "$@")
}
as_redmine rake db:migrate SCHEMA=/dev/null >/dev/null
as_redmine rake redmine:load_default_data >/dev/null
key=$(as_redmine rails runner '
	Setting.rest_api_enabled = "1"
	admin = User.find_by_login("admin")
	admin.must_change_passwd = false
	admin.save!
	field = IssueCustomField.find_by(name: "Labels") || IssueCustomField.create!(
		name: "Labels", field_format: "list", multiple: true, possible_values: ["bug"],
		is_for_all: true, trackers: Tracker.all, edit_tag_style: "check_box")
	print admin.api_key
' 2>/dev/null | tail -n 1)
[ -n "$key" ] || { echo "could not set Redmine up" >&2; exit 1; }

log="$state/redmine.log"
$sudo touch "$log"
$sudo chmod 666 "$log"
# In a session of its own, so that stop.sh stops the whole process group.
# One thread: SQLite fails two writing transactions that overlap ("database
# is locked") however long it may wait, and the tests write in parallel.
(cd /usr/share/redmine && exec setsid $sudo runuser -u www-data -- env REDMINE_INSTANCE=default \
	RAILS_ENV=production puma -b "tcp://127.0.0.1:$port" -e production -t 1:1 config.ru \
	>"$log" 2>&1) &
pid=$!
url="http://127.0.0.1:$port"
wait_until_answering Redmine "$pid" "$log" "$url/issue_statuses.json" -H "X-Redmine-API-Key: $key"
cat >"$state/redmine.env" <<ENV
GIT_BUG_TEST_REDMINE_URL=$url
GIT_BUG_TEST_REDMINE_KEY=$key
GIT_BUG_TEST_REDMINE_PID=$pid
ENV
echo "Redmine 5 answers on $url (settings in $state/redmine.env)"
