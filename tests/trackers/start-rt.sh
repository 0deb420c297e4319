#!/usr/bin/env bash
# Installs Request Tracker 5 from Debian's packages (when missing), gives it
# a fresh SQLite database and an API token, and starts it on loopback.
# Writes the settings tests read to $STATE/rt.env:
#   GIT_BUG_TEST_RT_URL, GIT_BUG_TEST_RT_TOKEN, GIT_BUG_TEST_RT_PID
# Usage: tests/trackers/start-rt.sh [STATE_DIR] [PORT]   (as root, or with sudo)
set -euo pipefail
. "$(dirname "$0")/lib.sh"
state=${1:-${TMPDIR:-/tmp}/git-bug-trackers}
port=${2:-8081}
mkdir -p "$state"
state=$(cd "$state" && pwd)
sudo=
[ "$(id -u)" = 0 ] || sudo=sudo
# curl asks the server whether it answers.
command -v curl >/dev/null ||
	$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends curl >/dev/null

if ! dpkg -s request-tracker5 >/dev/null 2>&1; then
	$sudo debconf-set-selections <<PRESEED
request-tracker5 request-tracker5/rtname string localhost
request-tracker5 request-tracker5/webbaseurl string http://127.0.0.1:$port
request-tracker5 request-tracker5/install-cronjobs boolean false
request-tracker5 request-tracker5/dbconfig-install boolean false
PRESEED
	$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
		request-tracker5 rt5-db-sqlite rt5-standalone rt5-clients >/dev/null
fi

db="$state/rt.sqlite"
rm -f "$db"
# Our own database settings, read after Debian's: REST2 at the root, cheap
# password hashing (every authenticated request pays for it).
$sudo tee /etc/request-tracker5/RT_SiteConfig.d/90-git-bug-tests.pm >/dev/null <<CONF
Set(\$DatabaseType, 'SQLite');
Set(\$DatabaseName, '$db');
Set(\$WebPath, '');
Set(\$WebDomain, '127.0.0.1');
Set(\$WebPort, $port);
Set(\$WebBaseURL, 'http://127.0.0.1:$port');
Set(\$RestrictReferrer, 0);
Set(\$BcryptCost, 4);
Set(\$LogToSTDERR, 'error');
CONF
$sudo rt-setup-database-5 --action init --skip-create >/dev/null 2>&1 ||
	$sudo rt-setup-database-5 --action init >/dev/null
$sudo chmod 666 "$db"

token=$($sudo perl -I/usr/share/request-tracker5/lib -e '
	use RT -init;
	my $root = RT::User->new(RT->SystemUser);
	$root->Load("root");
	$root->SetPassword("password");
	my $token = RT::AuthToken->new(RT->SystemUser);
	my ($ok, $msg, $string) = $token->Create(Owner => $root->Id, Description => "git-bug tests");
	$ok or die "token: $msg";
	print $string;
')

log="$state/rt.log"
# In a session of its own, so that stop.sh stops the whole process group.
setsid /usr/share/request-tracker5/libexec/rt-server --server Starlet --host 127.0.0.1 \
	--port "$port" --max-workers 2 >"$log" 2>&1 &
pid=$!
url="http://127.0.0.1:$port"
wait_until_answering RT "$pid" "$log" "$url/REST/2.0/queues/all" -H "Authorization: token $token"
cat >"$state/rt.env" <<ENV
GIT_BUG_TEST_RT_URL=$url
GIT_BUG_TEST_RT_TOKEN=$token
GIT_BUG_TEST_RT_PID=$pid
ENV
echo "RT 5 answers on $url (settings in $state/rt.env)"
