#!/usr/bin/env bats
# /etc/hosts and /etc/resolv.conf inside containers as the unprivileged test user, as podman 4.3
# writes them (lib/network/etc_files.h): for --network none, private and host; --add-host
# (host-gateway), --no-hosts, --dns (none), --dns-search, --dns-option, containers.conf's
# no_hosts, base_hosts_file and dns_* keys; inspect's HostConfig; podman's messages for the bad
# inputs, exit 125, and no container left behind. slirp4netns' files are covered by the unit tests.

load helpers

setup() {
    nook_setup
    run_nook 0 pull -q --tls-verify=false "$IMAGE"
}

teardown() {
    "$NOOK" rm -fa -t 0 >/dev/null 2>&1 || true
    nook_teardown
}

# The address host.containers.internal gets (podman 4.3: the host's first global IPv4 address,
# else its last global IPv6 one); "" when the host has none.
host_local_ip() {
    local ip
    ip=$(ip -o -4 addr show scope global 2>/dev/null | awk '{ split($4, a, "/"); print a[1]; exit }')
    [[ -n $ip ]] || ip=$(ip -o -6 addr show scope global 2>/dev/null | awk '{ split($4, a, "/"); ip = a[1] } END { print ip }')
    echo "$ip"
}

# expected_hosts BASE_FILE OWN_LINE: podman's hosts file: the base file's entries (comments and
# spacing dropped), then localhost, host.containers.internal and OWN_LINE ("IP NAME...", "" for
# none) with only the names the base file lacks.
expected_hosts() {
    local base=$1 own=$2 hci
    hci=$(host_local_ip)
    {
        [[ -n $base ]] && cat "$base"
        echo "@@"
        echo "127.0.0.1 localhost"
        echo "::1 localhost"
        [[ -n $hci ]] && echo "$hci host.containers.internal"
        [[ -n $own ]] && echo "$own"
    } | awk '
        /^@@$/ { ours = 1; next }
        { sub(/#.*/, ""); if (NF < 2) next }
        !ours {
            line = $1 "\t" $2; taken[$2] = 1
            for (i = 3; i <= NF; i++) { line = line " " $i; taken[$i] = 1 }
            print line; next
        }
        {
            line = ""
            for (i = 2; i <= NF; i++) if (!($i in taken)) line = line (line == "" ? "" : " ") $i
            if (line != "") print $1 "\t" line
        }'
}

# expected_resolv OWN_NETNS: podman's resolv.conf from the host's: with a network namespace of
# its own, no loopback or IPv6 nameservers (none left: Google's two).
expected_resolv() {
    awk -v own="$1" '
        { sub(/#.*/, "") }
        $1 == "nameserver" && NF == 2 { if (own && ($2 ~ /^127\./ || $2 ~ /:/)) next; ns[n++] = $2 }
        $1 == "search" { s = ""; for (i = 2; i <= NF; i++) s = s (i > 2 ? " " : "") $i }
        $1 == "options" { o = ""; for (i = 2; i <= NF; i++) o = o (i > 2 ? " " : "") $i }
        END {
            if (own && n == 0) { ns[n++] = "8.8.8.8"; ns[n++] = "8.8.4.4" }
            if (s != "") print "search " s
            for (i = 0; i < n; i++) print "nameserver " ns[i]
            if (o != "") print "options " o
        }' /etc/resolv.conf
}

# A host whose resolv.conf names only a local stub resolver (systemd-resolved, NetworkManager)
# gives containers the real servers from elsewhere; the exact comparisons skip such hosts.
host_has_stub_resolver() {
    [[ $(awk '$1 == "nameserver" { n++; ns = $2 } END { print n == 1 ? ns : "" }' /etc/resolv.conf) =~ ^127\.0\.0\.(1|53)$ ]]
}

write_containers_conf() {
    mkdir -p "$XDG_CONFIG_HOME/containers"
    printf '%s\n' "$@" >"$XDG_CONFIG_HOME/containers/containers.conf"
}

# Each of the three files is its own bind mount (or not, when the image's stays).
# shellcheck disable=SC2016 # expanded by the container's shell
bind_mounts='for f in hosts hostname resolv.conf; do echo "$f $(grep -c " /etc/$f " /proc/self/mountinfo)"; done'

@test "--network none: the host's hosts with the container's names on loopback, its nameservers without loopback ones" {
    run_nook 0 run --rm --network none --name web --hostname myhost "$IMAGE" cat /etc/hosts
    is "$stdout_only" "$(expected_hosts /etc/hosts "127.0.0.1 myhost web")"
    # The default hostname is the id's first 12 digits.
    run_nook 0 run --rm --network none --name n1 "$IMAGE" sh -c 'tail -n1 /etc/hosts; hostname; cat /etc/hostname'
    is "${lines[0]}" "127.0.0.1	${lines[1]} n1" "the container's own line"
    is "${lines[2]}" "${lines[1]}" "/etc/hostname"
    assert_match '^[0-9a-f]{12}$' "${lines[1]}"
    if ! host_has_stub_resolver; then
        run_nook 0 run --rm --network none "$IMAGE" cat /etc/resolv.conf
        is "$stdout_only" "$(expected_resolv 1)"
    fi
    run_nook 0 run --rm --network none "$IMAGE" sh -c "$bind_mounts"
    is "$stdout_only" $'hosts 1\nhostname 1\nresolv.conf 1'
}

@test "--network private: as none" {
    run_nook 0 run --rm --network private --name priv --hostname ph "$IMAGE" cat /etc/hosts
    is "$stdout_only" "$(expected_hosts /etc/hosts "127.0.0.1 ph priv")"
    if ! host_has_stub_resolver; then
        run_nook 0 run --rm --network private "$IMAGE" cat /etc/resolv.conf
        is "$stdout_only" "$(expected_resolv 1)"
    fi
}

@test "--network host: the host's entries and nameservers, no line for the container" {
    run_nook 0 run --rm --network host --name hostnet "$IMAGE" cat /etc/hosts
    is "$stdout_only" "$(expected_hosts /etc/hosts "")"
    run_nook 0 run --rm --network host "$IMAGE" cat /etc/resolv.conf
    is "$stdout_only" "$(expected_resolv 0)"
}

@test "--add-host: first in /etc/hosts, several per flag, host-gateway, inspect's ExtraHosts" {
    local hci
    hci=$(host_local_ip)
    [[ -n $hci ]] || skip "the host has no global address for host.containers.internal"
    run_nook 0 run --rm --network none --name ah --hostname ah-host \
        --add-host db:10.1.2.3 --add-host v6.example:fd00::1,gw:host-gateway --add-host ah:10.9.9.9 \
        "$IMAGE" cat /etc/hosts
    is "${lines[0]}" "10.1.2.3	db"
    is "${lines[1]}" "fd00::1	v6.example"
    is "${lines[2]}" "$hci	gw" "host-gateway is host.containers.internal's address"
    is "${lines[3]}" "10.9.9.9	ah"
    # The user's name wins: the container's own line keeps only the hostname.
    is "${lines[-1]}" "127.0.0.1	ah-host"
    run_nook 0 create --network none --name ah2 --add-host db:10.1.2.3,gw:host-gateway "$IMAGE" true
    run_nook 0 container inspect --format '{{.HostConfig.ExtraHosts}}' ah2
    is "$stdout_only" "[db:10.1.2.3 gw:host-gateway]"
    run_nook 0 container inspect --format '{{json .HostConfig.ExtraHosts}}' ah2
    is "$stdout_only" '["db:10.1.2.3","gw:host-gateway"]'
    run_nook 0 container inspect --format '{{json .HostConfig.ExtraHosts}}{{json .HostConfig.Dns}}{{json .HostConfig.DnsSearch}}{{json .HostConfig.DnsOptions}}' ah2
    is "$stdout_only" '["db:10.1.2.3","gw:host-gateway"][][][]'

    run_nook 125 run --rm --network none --add-host foo "$IMAGE" true
    is "$stderr_only" 'Error: bad format for add-host: "foo"'
    run_nook 125 create --network none --add-host :10.1.1.1 "$IMAGE" true
    is "$stderr_only" 'Error: bad format for add-host: ":10.1.1.1"'
    run_nook 125 run --rm --network none --add-host foo:bar "$IMAGE" true
    is "$stderr_only" 'Error: invalid IP address in add-host: "bar"'
    run_nook 125 run --rm --network none --add-host ok:10.1.1.1,bad:300.1.1.1 "$IMAGE" true
    is "$stderr_only" 'Error: invalid IP address in add-host: "300.1.1.1"'
    run_nook 125 run --rm --network none --no-hosts --add-host db:10.1.2.3 "$IMAGE" true
    is "$stderr_only" "Error: --no-hosts and --add-host cannot be set together"
    run_nook 0 ps -a --format '{{.Names}}'
    is "$stdout_only" "ah2" "the failed runs left nothing"
}

@test "--no-hosts and containers.conf no_hosts: the image's /etc/hosts" {
    run_nook 0 run --rm --network none --no-hosts "$IMAGE" sh -c "$bind_mounts; test -e /etc/hosts && echo present || echo absent"
    is "$stdout_only" $'hosts 0\nhostname 1\nresolv.conf 1\nabsent' "busybox has no /etc/hosts of its own"
    run_nook 0 create --network none --no-hosts --name nh "$IMAGE" true
    run_nook 0 container inspect --format '{{.HostsPath}}|{{.HostConfig.ExtraHosts}}' nh
    is "$stdout_only" "|[]"
    # An image with a hosts file of its own keeps it.
    run_nook 0 run --network none --no-hosts --name src "$IMAGE" sh -c 'echo "10.3.3.3 fromimage # the image" >/etc/hosts'
    run_nook 0 commit -q src localhost/withhosts
    run_nook 0 run --rm --network none --no-hosts localhost/withhosts cat /etc/hosts
    is "$stdout_only" "10.3.3.3 fromimage # the image"
    write_containers_conf '[containers]' 'no_hosts = true'
    run_nook 0 run --rm --network none localhost/withhosts cat /etc/hosts
    is "$stdout_only" "10.3.3.3 fromimage # the image" "containers.conf no_hosts"
    run_nook 125 run --rm --network none --add-host db:10.1.2.3 "$IMAGE" true
    is "$stderr_only" "Error: --no-hosts and --add-host cannot be set together"
}

@test "containers.conf base_hosts_file: none, image, a file" {
    local hci own_hci=""
    hci=$(host_local_ip)
    [[ -z $hci ]] || own_hci="$hci	host.containers.internal"$'\n'
    write_containers_conf '[containers]' 'base_hosts_file = "none"'
    run_nook 0 run --rm --network none --name b1 --hostname h1 "$IMAGE" cat /etc/hosts
    is "$stdout_only" $'127.0.0.1\tlocalhost\n::1\tlocalhost\n'"$own_hci"$'127.0.0.1\th1 b1'
    printf '%s\n' '# a base file' '10.5.5.5   five five.example  # five' '10.6.6.6' '::1 localhost ip6-localhost' >"$BATS_TEST_TMPDIR/base-hosts"
    chmod 0644 "$BATS_TEST_TMPDIR/base-hosts"
    write_containers_conf '[containers]' "base_hosts_file = \"$BATS_TEST_TMPDIR/base-hosts\""
    run_nook 0 run --rm --network none --name b2 --hostname h2 "$IMAGE" cat /etc/hosts
    is "$stdout_only" $'10.5.5.5\tfive five.example\n::1\tlocalhost ip6-localhost\n'"$own_hci"$'127.0.0.1\th2 b2'
    run_nook 0 run --rm --network host --name b3 "$IMAGE" cat /etc/hosts
    is "$stdout_only" $'10.5.5.5\tfive five.example\n::1\tlocalhost ip6-localhost\n'"${own_hci%$'\n'}" "host: no line of the container's own"
    # The image's: busybox has none, an image with one gives its entries.
    write_containers_conf '[containers]' 'base_hosts_file = "image"'
    run_nook 0 run --rm --network none --name b4 --hostname h4 "$IMAGE" cat /etc/hosts
    is "$stdout_only" $'127.0.0.1\tlocalhost\n::1\tlocalhost\n'"$own_hci"$'127.0.0.1\th4 b4'
    run_nook 0 run --network none --no-hosts --name src "$IMAGE" sh -c 'echo "10.3.3.3 fromimage" >/etc/hosts'
    run_nook 0 commit -q src localhost/withhosts
    run_nook 0 rm src
    run_nook 0 run --rm --network none --name b5 --hostname h5 localhost/withhosts cat /etc/hosts
    is "$stdout_only" $'10.3.3.3\tfromimage\n127.0.0.1\tlocalhost\n::1\tlocalhost\n'"$own_hci"$'127.0.0.1\th5 b5'
    # A file that is not there is an error, and leaves nothing.
    write_containers_conf '[containers]' "base_hosts_file = \"$BATS_TEST_TMPDIR/no-such-file\""
    run_nook 125 run --rm --network none "$IMAGE" true
    is "$stderr_only" "Error: failed to create new hosts file: open $BATS_TEST_TMPDIR/no-such-file: no such file or directory"
    run_nook 0 ps -a -q
    is "$stdout_only" "" "the failed run left nothing"
}

@test "--dns, --dns-search, --dns-option: they replace the host's, inspect shows them" {
    run_nook 0 run --rm --network private --dns 192.0.2.1 --dns 2001:db8::1,192.0.2.2 \
        --dns-search example.com --dns-search corp.example.org. --dns-option ndots:3 --dns-opt timeout:1,rotate \
        "$IMAGE" cat /etc/resolv.conf
    is "$stdout_only" $'search example.com corp.example.org.\nnameserver 192.0.2.1\nnameserver 2001:db8::1\nnameserver 192.0.2.2\noptions ndots:3 timeout:1 rotate'
    run_nook 0 create --network host --name d1 --dns 192.0.2.1,2001:db8::1 --dns-search example.com --dns-opt ndots:3 "$IMAGE" true
    run_nook 0 container inspect --format '{{.HostConfig.Dns}} {{.HostConfig.DnsSearch}} {{.HostConfig.DnsOptions}}' d1
    is "$stdout_only" "[192.0.2.1 2001:db8::1] [example.com] [ndots:3]"
    # Host network: the given servers, the host's search and options.
    run_nook 0 run --rm --network host --dns 192.0.2.7 "$IMAGE" cat /etc/resolv.conf
    local expected
    expected=$(expected_resolv 0 | grep '^search' || true; echo "nameserver 192.0.2.7"; expected_resolv 0 | grep '^options' || true)
    is "$stdout_only" "$expected"
    # "." means no search line at all.
    write_containers_conf '[containers]' 'dns_searches = ["conf.example.com"]'
    run_nook 0 run --rm --network private --dns 192.0.2.1 --dns-search . "$IMAGE" cat /etc/resolv.conf
    is "$stdout_only" $'nameserver 192.0.2.1'
}

@test "containers.conf dns_servers, dns_searches, dns_options: first, then the flags'" {
    write_containers_conf '[containers]' 'dns_servers = ["192.0.2.9"]' 'dns_searches = ["conf.example.com"]' 'dns_options = ["attempts:2"]'
    run_nook 0 run --rm --network private "$IMAGE" cat /etc/resolv.conf
    is "$stdout_only" $'search conf.example.com\nnameserver 192.0.2.9\noptions attempts:2'
    run_nook 0 run --rm --network private --dns 192.0.2.1 --dns-search example.com --dns-option ndots:1 "$IMAGE" cat /etc/resolv.conf
    is "$stdout_only" $'search conf.example.com example.com\nnameserver 192.0.2.9\nnameserver 192.0.2.1\noptions attempts:2 ndots:1'
    # No flag given: --network none takes them without complaint.
    run_nook 0 run --rm --network none "$IMAGE" cat /etc/resolv.conf
    is "$stdout_only" $'search conf.example.com\nnameserver 192.0.2.9\noptions attempts:2'
    # inspect shows the flags only, as podman.
    run_nook 0 create --network private --name c1 --dns 192.0.2.1 "$IMAGE" true
    run_nook 0 container inspect --format '{{.HostConfig.Dns}} {{.HostConfig.DnsSearch}}' c1
    is "$stdout_only" "[192.0.2.1] []"
}

@test "--dns none: the image's resolv.conf" {
    run_nook 0 run --rm --network host --dns none "$IMAGE" sh -c "$bind_mounts; test -e /etc/resolv.conf && echo present || echo absent"
    is "$stdout_only" $'hosts 1\nhostname 1\nresolv.conf 0\nabsent' "busybox has no /etc/resolv.conf of its own"
    run_nook 0 create --network private --dns none --name dn "$IMAGE" true
    run_nook 0 container inspect --format '{{.ResolvConfPath}}|{{.HostConfig.Dns}}' dn
    is "$stdout_only" "|[]"
}

@test "bad --dns* values and conflicts: podman's messages, exit 125, nothing left behind" {
    run_nook 125 run --rm --network none --dns 192.0.2.1 "$IMAGE" true
    is "$stderr_only" "Error: conflicting options: dns and the network mode: none"
    run_nook 125 create --network none --dns-search example.com "$IMAGE" true
    is "$stderr_only" "Error: conflicting options: dns and the network mode: none"
    run_nook 125 create --network none --dns-option ndots:1 "$IMAGE" true
    is "$stderr_only" "Error: conflicting options: dns and the network mode: none"
    run_nook 125 run --rm --network none --dns none "$IMAGE" true
    is "$stderr_only" "Error: conflicting options: dns and the network mode: none"
    run_nook 125 run --rm --network host --dns 1.1.1 "$IMAGE" true
    is "$stderr_only" "Error: 1.1.1 is not an ip address"
    run_nook 125 run --rm --network host --dns 192.0.2.1,dns.example.com "$IMAGE" true
    is "$stderr_only" "Error: dns.example.com is not an ip address"
    run_nook 125 run --rm --network host --dns none --dns 192.0.2.1 "$IMAGE" true
    is "$stderr_only" "Error: none is not allowed to be specified with other DNS ip addresses"
    run_nook 125 run --rm --network host --dns none --dns-search example.com "$IMAGE" true
    is "$stderr_only" "Error: cannot configure DNS options if using image's resolv.conf: invalid argument"
    run_nook 125 run --rm --network private --dns-search bad_domain "$IMAGE" true
    is "$stderr_only" "Error: bad_domain is not a valid domain"
    run_nook 125 run --rm --network private --dns-search .,example.com "$IMAGE" true
    is "$stderr_only" "Error: cannot pass additional search domains when also specifying '.'"
    run_nook 0 ps -a -q
    is "$stdout_only" "" "the failed runs left nothing"
}
