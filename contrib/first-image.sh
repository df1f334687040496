#!/bin/bash
# Builds a one-layer busybox image from Debian's busybox-static (/bin/busybox) as a docker-archive
# and loads it into nook as localhost/busybox:latest: a first image without any registry or
# network. Usage: contrib/first-image.sh [NOOK]
set -euo pipefail
nook=${1:-nook}
busybox=/bin/busybox
[ -x "$busybox" ] || { echo "first-image.sh: $busybox is missing (apt-get install busybox-static)" >&2; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/rootfs/bin" "$work/rootfs/etc" "$work/rootfs/root" "$work/rootfs/tmp"
cp "$busybox" "$work/rootfs/bin/busybox"
for applet in $("$busybox" --list); do
    [ "$applet" = busybox ] || ln -s busybox "$work/rootfs/bin/$applet"
done
printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' >"$work/rootfs/etc/passwd"
printf 'root:x:0:\nnogroup:x:65534:\n' >"$work/rootfs/etc/group"
chmod 0700 "$work/rootfs/root"
chmod 1777 "$work/rootfs/tmp"
tar -C "$work/rootfs" --numeric-owner --owner=0 --group=0 --sort=name -cf "$work/layer.tar" .
diff_id=$(sha256sum "$work/layer.tar" | cut -d' ' -f1)
created=$(date -u +%Y-%m-%dT%H:%M:%SZ)
printf '{"architecture":"amd64","os":"linux","created":"%s","config":{"Env":["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],"Cmd":["sh"]},"rootfs":{"type":"layers","diff_ids":["sha256:%s"]},"history":[{"created":"%s","created_by":"contrib/first-image.sh"}]}' \
    "$created" "$diff_id" "$created" >"$work/config.json"
config_id=$(sha256sum "$work/config.json" | cut -d' ' -f1)
mv "$work/config.json" "$work/$config_id.json"
printf '[{"Config":"%s.json","RepoTags":["localhost/busybox:latest"],"Layers":["layer.tar"]}]' "$config_id" >"$work/manifest.json"
tar -C "$work" -cf "$work/busybox.tar" manifest.json "$config_id.json" layer.tar
"$nook" load -q -i "$work/busybox.tar"
