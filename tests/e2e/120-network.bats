#!/usr/bin/env bats
# Rootless networking as the unprivileged test user: slirp4netns (the default), published ports
# through nook's forwarder and through slirp4netns (port_handler=slirp4netns), TCP and UDP, -P,
# `port`, ps and inspect; the bad inputs; and nothing left behind after rm -f or a SIGKILL of the
# monitor. Traffic goes only to 127.0.0.1 and into the containers' own namespaces.

load helpers

setup() {
    nook_setup
    run_nook 0 pull -q --tls-verify=false "$IMAGE"
}

teardown() {
    "$NOOK" rm -fa -t 0 >/dev/null 2>&1 || true
    # Servers a test started on the host, by pid.
    if [[ -f $BATS_TEST_TMPDIR/host-pids ]]; then
        xargs -r kill <"$BATS_TEST_TMPDIR/host-pids" 2>/dev/null || true
    fi
    nook_teardown
}

# Runs a server on the host in the background, to be stopped by teardown (bats waits for
# background processes that keep its output open, so they also get /dev/null).
host_server() {
    "$@" </dev/null >/dev/null 2>&1 &
    echo $! >>"$BATS_TEST_TMPDIR/host-pids"
}

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# A web server in the container: /index.html says "hello from nook", /cgi-bin/peer prints the
# address the connection came from.
HTTPD_SCRIPT='mkdir -p /www/cgi-bin
echo "hello from nook" > /www/index.html
printf "#!/bin/sh\necho Content-Type: text/plain\necho\necho \$REMOTE_ADDR\n" > /www/cgi-bin/peer
chmod +x /www/cgi-bin/peer
exec httpd -f -p 80 -h /www'

# The peer address busybox httpd reports ("[::ffff:10.0.2.2]" on its dual-stack socket), plain.
peer_of() {
    local addr
    addr=$(fetch "$1")
    addr=${addr#[}
    addr=${addr%]}
    echo "${addr#::ffff:}"
}

# fetch URL: curl with retries while the server starts (up to 10 s).
fetch() {
    local i
    for i in $(seq 1 50); do
        if curl -sf --max-time 2 "$1"; then return 0; fi
        sleep 0.2
    done
    die "could not fetch $1"
}

# The pids of slirp4netns processes attached to the container whose init is $1.
slirp_of() {
    local pid=$1 p
    for p in $(pgrep -x slirp4netns); do
        tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null | grep -qw -- "$pid" && echo "$p"
    done
    true
}

@test "the rootless default is slirp4netns: tap0 with 10.0.2.100, a default route, MTU 65520" {
    run_nook 0 run --rm "$IMAGE" sh -c 'ip -o -4 addr show tap0; ip route; cat /sys/class/net/tap0/mtu'
    assert_match "tap0 +inet 10.0.2.100/24" "$stdout_only"
    assert_match "default via 10.0.2.2 dev tap0" "$stdout_only"
    is "${lines[-1]}" "65520" "podman's MTU"
    run_nook 0 create --name c1 "$IMAGE" true
    run_nook 0 container inspect --format '{{.HostConfig.NetworkMode}}' c1
    is "$stdout_only" "slirp4netns"
    # Options: another network and MTU.
    run_nook 0 run --rm --network slirp4netns:cidr=10.99.0.0/24,mtu=1500 "$IMAGE" \
        sh -c 'ip -o -4 addr show tap0; cat /sys/class/net/tap0/mtu'
    assert_match "inet 10.99.0.100/24" "$stdout_only"
    is "${lines[-1]}" "1500"
    # none and private: only lo.
    for mode in none private; do
        run_nook 0 run --rm --network $mode "$IMAGE" ls /sys/class/net
        is "$stdout_only" "lo" "--network $mode has only lo"
    done
}

@test "-p through nook's forwarder: a web server reached from the host, the container sees its own address" {
    local port
    port=$(free_port)
    run_nook 0 run -d --name web -p "127.0.0.1:$port:80" "$IMAGE" sh -c "$HTTPD_SCRIPT"
    is "$(fetch "http://127.0.0.1:$port/index.html")" "hello from nook"
    is "$(peer_of "http://127.0.0.1:$port/cgi-bin/peer")" "10.0.2.100" "the forwarder connects from inside"
    # Many connections, one after the other, and a large body both ways.
    for i in $(seq 1 20); do fetch "http://127.0.0.1:$port/index.html" >/dev/null; done
    head -c 3000000 /dev/urandom >"$BATS_TEST_TMPDIR/big"
    run_nook 0 exec -i web sh -c "cat > /www/big" <"$BATS_TEST_TMPDIR/big"
    curl -sf --max-time 10 -o "$BATS_TEST_TMPDIR/got" "http://127.0.0.1:$port/big"
    cmp "$BATS_TEST_TMPDIR/big" "$BATS_TEST_TMPDIR/got"
    # The monitor stays in the host's network namespace (rootless it could not come back).
    local monitor
    monitor=$("$NOOK" inspect --format '{{.State.ConmonPid}}' web)
    is "$(readlink "/proc/$monitor/ns/net")" "$(readlink /proc/self/ns/net)" "the monitor is still in the host's namespace"
    # A connection the server has closed while the client keeps its side open costs no CPU
    # (the forwarder once woke for ever on the pending hang-up): hold one for 1.5 s.
    local before after
    before=$(awk '{ print $14 + $15 }' "/proc/$monitor/stat")
    python3 - "$port" <<'PY'
import socket, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
s.sendall(b"GET /index.html HTTP/1.0\r\n\r\n")
data = b""
while chunk := s.recv(4096):
    data += chunk
assert b"hello from nook" in data, data
time.sleep(1.5)
s.close()
PY
    after=$(awk '{ print $14 + $15 }' "/proc/$monitor/stat")
    (( after - before < 25 )) || die "the monitor used $((after - before)) ticks of CPU for one idle half-closed connection"
    # What the reports say.
    run_nook 0 port web
    is "$stdout_only" "80/tcp -> 127.0.0.1:$port"
    run_nook 0 port web 80
    is "$stdout_only" "127.0.0.1:$port"
    run_nook 0 port web 80/tcp
    is "$stdout_only" "127.0.0.1:$port"
    run_nook 125 port web 81
    is "$stderr_only" "Error: failed to find published port \"81/tcp\""
    run_nook 0 port -a
    is "$stdout_only" "$(printf '%s\t80/tcp -> 127.0.0.1:%s' "$("$NOOK" inspect --format '{{.Id}}' web | cut -c1-12)" "$port")"
    run_nook 0 ps --format '{{.Ports}}'
    is "$stdout_only" "127.0.0.1:$port->80/tcp"
    run_nook 0 ps --format json
    is "$(jq -cS '.[0].Ports' <<<"$stdout_only")" "[{\"container_port\":80,\"host_ip\":\"127.0.0.1\",\"host_port\":$port,\"protocol\":\"tcp\",\"range\":1}]"
    run_nook 0 container inspect --format '{{json .NetworkSettings.Ports}}' web
    is "$stdout_only" "{\"80/tcp\":[{\"HostIp\":\"127.0.0.1\",\"HostPort\":\"$port\"}]}"
    run_nook 0 container inspect --format '{{json .HostConfig.PortBindings}}' web
    is "$stdout_only" "{\"80/tcp\":[{\"HostIp\":\"127.0.0.1\",\"HostPort\":\"$port\"}]}"
    # rm -f frees the port at once and leaves no slirp4netns.
    local pid
    pid=$("$NOOK" inspect --format '{{.State.Pid}}' web)
    [[ -n $(slirp_of "$pid") ]] || die "no slirp4netns for the running container"
    run_nook 0 rm -f -t 0 web
    [[ -z $(slirp_of "$pid") ]] || die "slirp4netns outlived the container"
    run_nook 0 run -d --name web2 -p "127.0.0.1:$port:80" "$IMAGE" sh -c "$HTTPD_SCRIPT"
    is "$(fetch "http://127.0.0.1:$port/index.html")" "hello from nook" "the port is free again"
}

@test "-p with port_handler=slirp4netns: slirp4netns forwards, the container sees the gateway" {
    local port
    port=$(free_port)
    run_nook 0 run -d --name web --network slirp4netns:port_handler=slirp4netns -p "$port:80" "$IMAGE" \
        sh -c "$HTTPD_SCRIPT"
    is "$(fetch "http://127.0.0.1:$port/index.html")" "hello from nook"
    is "$(peer_of "http://127.0.0.1:$port/cgi-bin/peer")" "10.0.2.2" "slirp4netns' address for the host"
    run_nook 0 port web
    is "$stdout_only" "80/tcp -> 0.0.0.0:$port"
    run_nook 0 rm -f -t 0 web
    run_nook 0 run -d --name web2 --network slirp4netns:port_handler=slirp4netns -p "$port:80" "$IMAGE" \
        sh -c "$HTTPD_SCRIPT"
    is "$(fetch "http://127.0.0.1:$port/index.html")" "hello from nook" "the port is free again"
}

@test "UDP through both handlers" {
    cc -static -O2 -o "$BATS_TEST_TMPDIR/udp_echo" "$BATS_TEST_DIRNAME/helpers/udp_echo.c" || skip "no static C compiler"
    # slirp4netns sends the answers to the host's loopback: it needs allow_host_loopback.
    run_nook 125 run -d --network slirp4netns:port_handler=slirp4netns -p 9999:9999/udp "$IMAGE" true
    is "$stderr_only" "Error: UDP ports forwarded by slirp4netns need allow_host_loopback=true (slirp4netns drops the container's answers otherwise): add it, or use the default port_handler"
    for handler in rootlesskit slirp4netns,allow_host_loopback=true; do
        local port
        port=$(free_port)
        run_nook 0 run -d --name udp-${handler%%,*} --network slirp4netns:port_handler=$handler -p "$port:9999/udp" \
            -v "$BATS_TEST_TMPDIR/udp_echo:/udp_echo:ro" "$IMAGE" /udp_echo 9999
        local got
        got=$(python3 - "$port" "$handler" <<'PY'
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(0.2)
for _ in range(50):  # the server may still be starting
    s.sendto(("ping " + sys.argv[2]).encode(), ("127.0.0.1", int(sys.argv[1])))
    try:
        print(s.recv(100).decode())
        break
    except socket.timeout:
        pass
PY
)
        is "$got" "echo ping $handler" "a datagram through $handler and its answer back"
        run_nook 0 port udp-${handler%%,*}
        is "$stdout_only" "9999/udp -> 0.0.0.0:$port"
    done
}

@test "-P publishes the exposed ports on random host ports; ranges; tcp,udp" {
    run_nook 0 run -d --name web -P --expose 80 --expose 7000-7001/udp "$IMAGE" sh -c "$HTTPD_SCRIPT"
    run_nook 0 port web 80
    local hostport=${stdout_only##*:}
    [[ $hostport =~ ^[0-9]+$ && $hostport -ne 80 ]] || die "no random host port: $stdout_only"
    is "$(fetch "http://127.0.0.1:$hostport/index.html")" "hello from nook"
    run_nook 0 port web
    is "${#lines[@]}" "3" "80/tcp, 7000/udp and 7001/udp"
    assert_match "7000/udp -> 0.0.0.0:[0-9]+" "$stdout_only"
    run_nook 0 container inspect --format '{{.HostConfig.PublishAllPorts}}' web
    is "$stdout_only" "true"
    run_nook 0 rm -f -t 0 web
    local p1 p2
    p1=$(free_port)
    p2=$((p1 + 1))
    run_nook 0 create --name ranged -p "$p1-$p2:80-81/tcp,udp" "$IMAGE" true
    run_nook 0 ps -a --format '{{.Ports}}'
    is "$stdout_only" "0.0.0.0:$p1-$p2->80-81/tcp, 0.0.0.0:$p1-$p2->80-81/udp"
    run_nook 0 container inspect --format '{{json .HostConfig.PortBindings}} {{.HostConfig.PublishAllPorts}}' ranged
    is "$(jq -c 'keys' <<<"${stdout_only% *}")" '["80/tcp","80/udp","81/tcp","81/udp"]'
    is "${stdout_only##* }" "false" "-p alone does not publish all"
}

@test "a port in use, a privileged port and bad -p values fail clearly and leave nothing running" {
    local port
    port=$(free_port)
    host_server python3 -c "import socket,time; s=socket.socket(); s.bind(('127.0.0.1', $port)); s.listen(); time.sleep(60)"
    local i
    for i in $(seq 1 50); do
        ss -Hltn "sport = :$port" | grep -q . && break
        sleep 0.1
    done
    run_nook 125 run -d --name busy -p "127.0.0.1:$port:80" "$IMAGE" sleep 100
    assert_match "^Error: listen tcp 127.0.0.1:$port: bind: Address already in use" "$stderr_only"
    run_nook 0 ps -a --format '{{.Names}} {{.Status}}'
    assert_match "^busy Created" "$stdout_only"
    local start
    start=$(cat /proc/sys/net/ipv4/ip_unprivileged_port_start)
    if (( start > 80 )); then
        run_nook 125 run --rm -p 80:80 "$IMAGE" true
        is "$stderr_only" "Error: cannot expose privileged port 80, you can add 'net.ipv4.ip_unprivileged_port_start=80' to /etc/sysctl.conf (currently $start), or choose a larger port number (>= $start): listen tcp 0.0.0.0:80: bind: Permission denied"
    fi
    run_nook 125 run --rm -p abc "$IMAGE" true
    is "$stderr_only" "Error: parsing container port: invalid port number \"abc\""
    run_nook 125 run --rm -p 8000-8001:80 "$IMAGE" true
    is "$stderr_only" "Error: host and container port ranges have different lengths: 2 vs 1"
    run_nook 125 run --rm -p 8080:80/xyz "$IMAGE" true
    is "$stderr_only" "Error: unrecognized protocol \"xyz\" in port mapping"
    run_nook 125 run --rm -p 0:80 "$IMAGE" true
    is "$stderr_only" "Error: parsing host port: port numbers must be between 1 and 65535 (inclusive), got 0"
    run_nook 125 run --rm --network slirp4netns:foo=bar "$IMAGE" true
    is "$stderr_only" "Error: unknown option for slirp4netns: \"foo=bar\""
    run_nook 125 run --rm --network slirp4netns:cidr=10.0.0.0/30 "$IMAGE" true
    is "$stderr_only" "Error: invalid cidr for slirp4netns: \"10.0.0.0/30\""
    run_nook 125 run --rm --network nosuchnet "$IMAGE" true
    is "$stderr_only" "Error: unable to find network with name or ID nosuchnet: network not found"
    run_nook 125 run --rm --network none:x "$IMAGE" true
    assert_match "takes no options" "$stderr_only"
    # --network none (and host) discard published ports with podman's warning.
    run_nook 0 run --rm --network none -p 8080:80 "$IMAGE" true
    is "$stderr_only" "Port mappings have been discarded as one of the Host, Container, Pod, and None network modes are in use"
    run_nook 0 ps -a --format '{{.Names}}'
    is "$stdout_only" "busy" "the failed containers left no record"
}

@test "SIGKILL of the monitor: slirp4netns and the forwarder go with it" {
    local port
    port=$(free_port)
    run_nook 0 run -d --name web -p "127.0.0.1:$port:80" "$IMAGE" sh -c "$HTTPD_SCRIPT"
    fetch "http://127.0.0.1:$port/index.html" >/dev/null
    local pid monitor
    pid=$("$NOOK" inspect --format '{{.State.Pid}}' web)
    monitor=$("$NOOK" inspect --format '{{.State.ConmonPid}}' web)
    [[ -n $(slirp_of "$pid") ]] || die "no slirp4netns"
    kill -9 "$monitor"
    local i
    for i in $(seq 1 50); do
        [[ -z $(slirp_of "$pid") ]] && break
        sleep 0.1
    done
    [[ -z $(slirp_of "$pid") ]] || die "slirp4netns outlived its monitor"
    ! curl -sf --max-time 2 "http://127.0.0.1:$port/index.html" || die "the port still answers"
    # The port can be listened on again (connections of the fetch may linger in TIME_WAIT).
    python3 -c "import socket; s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind(('127.0.0.1', $port)); s.listen()"
    # The container's init, orphaned, goes with the next command that looks at it.
    kill -0 "$pid" || die "the init died with its monitor (the test expects it to need killing)"
    run_nook 0 rm -f -t 0 web
    for i in $(seq 1 50); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    ! kill -0 "$pid" 2>/dev/null || die "the orphaned init $pid still runs"
}

@test "allow_host_loopback: 10.0.2.2 reaches a server on the host's loopback, and only then" {
    local port dir
    port=$(free_port)
    dir=$BATS_TEST_TMPDIR/www
    mkdir -p "$dir"
    echo "hello from the host" >"$dir/index.html"
    host_server busybox httpd -f -p "127.0.0.1:$port" -h "$dir"
    # (busybox wget's -T crashes: no timeout option; slirp4netns answers at once either way.)
    run_nook 0 run --rm --network slirp4netns:allow_host_loopback=true "$IMAGE" \
        wget -q -O - "http://10.0.2.2:$port/index.html"
    is "$stdout_only" "hello from the host"
    run_nook 1 run --rm "$IMAGE" wget -q -O - "http://10.0.2.2:$port/index.html"
}

@test "a crashed slirp4netns is reported by inspect" {
    run_nook 0 run -d --name victim "$IMAGE" sleep 1000
    local pid slirp
    pid=$("$NOOK" inspect --format '{{.State.Pid}}' victim)
    slirp=$(slirp_of "$pid")
    [[ -n $slirp ]] || die "no slirp4netns"
    kill -9 "$slirp"
    local i
    for i in $(seq 1 50); do
        run_nook 0 container inspect --format '{{.State.Error}}' victim
        [[ -n $stdout_only ]] && break
        sleep 0.1
    done
    assert_match "^slirp4netns exited while the container runs" "$stdout_only"
    run_nook 0 container inspect --format '{{.State.Status}}' victim
    is "$stdout_only" "running" "the container itself goes on"
}

@test "--network container: shares the network namespace, /etc/hosts and /etc/resolv.conf" {
    local port
    port=$(free_port)
    run_nook 0 run -d --name web -p "127.0.0.1:$port:80" "$IMAGE" sh -c "$HTTPD_SCRIPT"
    fetch "http://127.0.0.1:$port/index.html" >/dev/null
    local web_id web_pid
    web_id=$("$NOOK" inspect --format '{{.Id}}' web)
    web_pid=$("$NOOK" inspect --format '{{.State.Pid}}' web)
    # Same namespace: the web server answers on the other container's loopback, tap0 is there.
    run_nook 0 run --rm --name side --hostname sidehost --network container:web "$IMAGE" sh -c \
        'wget -q -O - http://127.0.0.1/index.html; ip -o -4 addr show tap0 | grep -o "10.0.2.100/24"; readlink /proc/self/ns/net; grep sidehost /etc/hosts'
    is "${lines[0]}" "hello from nook"
    is "${lines[1]}" "10.0.2.100/24"
    is "${lines[2]}" "$(readlink "/proc/$web_pid/ns/net")" "the same network namespace"
    is "${lines[3]}" "$(printf '127.0.0.1\tsidehost side')" "its line in the shared hosts file"
    # The --rm container's line left the hosts file with it; the running web sees the same file.
    run_nook 0 exec web cat /etc/hosts
    [[ $stdout_only != *sidehost* ]] || die "the line of a removed container stayed: $stdout_only"
    run_nook 0 create --name side2 --hostname side2host --network "container:${web_id:0:12}" "$IMAGE" sleep 1000
    run_nook 0 inspect --format '{{.HostConfig.NetworkMode}}' side2
    is "$stdout_only" "container:$web_id" "the full id, as podman"
    run_nook 0 exec web grep -c side2host /etc/hosts
    is "$stdout_only" "1" "the running dependency sees the new line at once"
    # -p and --dns are not for a shared namespace.
    run_nook 0 create --name side3 -p 8080 --network container:web "$IMAGE" true
    is "$(sed -n 1p <<<"$stderr_only")" "Port mappings have been discarded as one of the Host, Container, Pod, and None network modes are in use"
    run_nook 125 create --dns 10.0.0.1 --network container:web "$IMAGE" true
    is "$stderr_only" "Error: conflicting options: dns and the network mode: container"
    run_nook 125 create --network container:nosuch "$IMAGE" true
    is "$stderr_only" "Error: no container with name or ID \"nosuch\" found: no such container"

    # The dependency cannot go while containers use its namespace; --depend takes them along.
    run_nook 125 rm -f -t 0 web
    [[ $stderr_only == "Error: container $web_id has dependent containers which must be removed before it: "* ]] ||
        die "unexpected: $stderr_only"
    run_nook 0 inspect --format '{{.State.Status}}' web
    is "$stdout_only" "running" "the refused rm stopped nothing"

    # Starting the dependent starts a stopped dependency first (as podman does).
    run_nook 0 stop -t 0 web
    run_nook 0 start side2
    run_nook 0 inspect --format '{{.State.Status}}' web side2
    is "$stdout_only" "$(printf 'running\nrunning')"
    is "$(fetch "http://127.0.0.1:$port/index.html")" "hello from nook" "web's ports work again"
    run_nook 0 exec side2 wget -q -O - http://127.0.0.1/index.html
    is "$stdout_only" "hello from nook"
    web_pid=$("$NOOK" inspect --format '{{.State.Pid}}' web)
    run_nook 0 rm --depend -f -t 0 web
    [[ -z $(slirp_of "$web_pid") ]] || die "slirp4netns outlived the container"
    run_nook 0 ps -a --format '{{.Names}}'
    is "$stdout_only" "" "rm --depend removed web and both containers sharing its network"
}
