#!/usr/bin/env bats
# The local image commands as the unprivileged test user: images (table, -q, --digests,
# --no-trunc, --format, filters, sort), image inspect / inspect, history, image tree, image exists,
# tag, untag, rmi, image prune; ids and layers checked against skopeo's view of the registry.

load helpers

REG=$NOOK_TEST_REGISTRY

pull() {
    run_nook 0 pull -q --tls-verify=false "$1"
}

# The layer directories left in the store (as seen inside the user namespace).
layer_count() {
    local root
    root=$("$NOOK" info --format '{{.Store.GraphRoot}}')
    "$NOOK" unshare sh -c "ls -A '$root/layers' 2>/dev/null | wc -l"
}

@test "images: empty store prints the header only" {
    run_nook 0 images
    is "$stdout_only" "REPOSITORY  TAG         IMAGE ID    CREATED     SIZE" "header"
    run_nook 0 images -q
    is "$stdout_only" "" "no ids"
    run_nook 0 images --format json
    is "$stdout_only" "[]" "empty JSON array"
}

@test "image list and its hidden alias image ls print what images prints" {
    pull "$REG/busybox:latest"
    run_nook 0 images --no-trunc
    local want=$stdout_only
    run_nook 0 image list --no-trunc
    is "$stdout_only" "$want" "image list"
    run_nook 0 image ls --no-trunc
    is "$stdout_only" "$want" "image ls"
    run_nook 0 image --help
    [[ $stdout_only != *"  ls "* ]] || die "the alias should not be listed: $stdout_only"
}

@test "images: table, -q, --no-trunc, --digests, --noheading" {
    pull "$REG/busybox:latest"
    local id
    id=$(config_id "$REG/busybox:latest")
    is "$stdout_only" "$id" "pull prints the id"

    run_nook 0 images
    is "${lines[0]}" "REPOSITORY *TAG *IMAGE ID *CREATED *SIZE" "header line"
    assert_match "^$REG/busybox +latest +${id:0:12} +.* ago +[0-9.]+ [kM]B\$" "${lines[1]}"

    run_nook 0 images -q
    is "$stdout_only" "${id:0:12}" "short id"
    run_nook 0 images -q --no-trunc
    is "$stdout_only" "sha256:$id" "full id"
    run_nook 0 images --noheading
    is "${#lines[@]}" 1 "no header with -n"

    local digest
    digest=$(skopeo inspect --tls-verify=false --raw "docker://$REG/busybox:latest" | sha256sum | cut -d' ' -f1)
    run_nook 0 images --digests
    is "${lines[0]}" "REPOSITORY *TAG *DIGEST *IMAGE ID *CREATED *SIZE" "digest header"
    assert_match "sha256:$digest" "${lines[1]}"

    run_nook 0 images --format '{{.ID}} {{.Repository}}:{{.Tag}}'
    is "$stdout_only" "${id:0:12} $REG/busybox:latest" "template"
    run_nook 0 images --format 'table {{.ID}} {{.Tag}}'
    is "${lines[0]}" "IMAGE ID      TAG" "table header from the template"
}

@test "images --format json has podman's keys" {
    pull "$REG/busybox:latest"
    local id
    id=$(config_id "$REG/busybox:latest")
    run_nook 0 images --format json
    jq -e 'type == "array" and length == 1' <<<"$stdout_only" >/dev/null || die "not a one-element array"
    is "$(jq -r '.[0].Id' <<<"$stdout_only")" "$id" "Id"
    is "$(jq -r '.[0].Names[0]' <<<"$stdout_only")" "$REG/busybox:latest" "Names"
    is "$(jq -r '.[0].RepoTags' <<<"$stdout_only")" "null" "RepoTags is null as in podman"
    is "$(jq -r '.[0].RepoDigests[0]' <<<"$stdout_only")" "$REG/busybox@sha256:.*" "RepoDigests"
    is "$(jq -r '.[0].Created | type' <<<"$stdout_only")" "number" "Created is unix seconds"
    is "$(jq -r '.[0].Size == .[0].VirtualSize and .[0].Size > 0' <<<"$stdout_only")" "true" "Size"
    for key in ParentId SharedSize Labels Containers Digest History CreatedAt; do
        jq -e ".[0] | has(\"$key\")" <<<"$stdout_only" >/dev/null || die "key $key missing"
    done
    # podman indents images JSON by four spaces.
    is "$(sed -n 3p <<<"$stdout_only")" '        "[A-Z].*' "four-space indentation"
}

@test "images: filters, sort and the IMAGE argument" {
    pull "$REG/busybox:latest"
    pull "$REG/multilayer:latest"
    local bb ml
    bb=$(config_id "$REG/busybox:latest")
    ml=$(config_id "$REG/multilayer:latest")

    run_nook 0 images --format '{{.Repository}}' --sort repository
    is "$stdout_only" "$REG/busybox
$REG/multilayer" "sorted by repository"
    run_nook 0 images --format '{{.Repository}}' --filter reference='*multi*'
    is "$stdout_only" "$REG/multilayer" "reference glob"
    run_nook 0 images --format '{{.Repository}}' "$REG/busybox"
    is "$stdout_only" "$REG/busybox" "IMAGE argument"
    run_nook 0 images -q --filter id="${ml:0:8}"
    is "$stdout_only" "${ml:0:12}" "id filter"
    run_nook 0 images -q --filter dangling=true
    is "$stdout_only" "" "nothing dangling"
    run_nook 0 images -q --filter label=no.such.label
    is "$stdout_only" "" "label filter"
    run_nook 0 images -q --filter readonly=false --sort id
    is "$stdout_only" "$(printf '%s\n' "${bb:0:12}" "${ml:0:12}" | sort)" "readonly=false, sorted by id"

    run_nook 125 images --sort bogus
    is "$stderr_only" 'Error: "bogus" is not a valid field for sorting. Choose from: created, id, repository, size, tag'
    run_nook 125 images --filter bogus=1
    is "$stderr_only" 'Error: unsupported image filter "bogus"'
    run_nook 125 images busybox --filter dangling=true
    is "$stderr_only" "Error: cannot specify an image and a filter(s)"
}

@test "image inspect: Id, RootFS and Config match the registry's config" {
    pull "$REG/multilayer:latest"
    local id config
    id=$(config_id "$REG/multilayer:latest")
    config=$(registry_config "$REG/multilayer:latest")

    run_nook 0 image inspect "$REG/multilayer"
    is "$(jq -r 'length' <<<"$stdout_only")" 1 "one object"
    is "$(jq -r '.[0].Id' <<<"$stdout_only")" "$id" "Id is the config digest"
    is "$(jq -c '.[0].RootFS.Layers' <<<"$stdout_only")" "$(jq -c '.rootfs.diff_ids' <<<"$config")" "RootFS.Layers"
    is "$(jq -r '.[0].RootFS.Type' <<<"$stdout_only")" "layers"
    is "$(jq -c '.[0].Config.Cmd' <<<"$stdout_only")" "$(jq -c '.config.Cmd' <<<"$config")" "Config.Cmd"
    is "$(jq -c '.[0].Config.Env' <<<"$stdout_only")" "$(jq -c '.config.Env' <<<"$config")" "Config.Env"
    is "$(jq -r '.[0].Os' <<<"$stdout_only")" "linux"
    is "$(jq -r '.[0].Architecture' <<<"$stdout_only")" "$(jq -r '.architecture' <<<"$config")"
    is "$(jq -r '.[0].RepoTags[0]' <<<"$stdout_only")" "$REG/multilayer:latest"
    is "$(jq -r '.[0].Digest' <<<"$stdout_only")" "sha256:[0-9a-f]{64}"
    is "$(jq -c '.[0].History | length' <<<"$stdout_only")" "$(jq -c '.history | length' <<<"$config")" "History"
    for key in Parent Comment Created Version Author Size VirtualSize GraphDriver Labels Annotations ManifestType User NamesHistory; do
        jq -e ".[0] | has(\"$key\")" <<<"$stdout_only" >/dev/null || die "key $key missing"
    done
    # podman inspect indents by five spaces.
    is "$(sed -n 3p <<<"$stdout_only")" '          "[A-Z].*' "five-space indentation"

    run_nook 0 image inspect --format '{{.Id}} {{.ID}} {{.Os}}' "${id:0:10}"
    is "$stdout_only" "$id $id linux" "template, lookup by id prefix"
    run_nook 0 inspect --type image --format '{{.RepoTags}}' "sha256:$id"
    is "$stdout_only" "[$REG/multilayer:latest]" "inspect --type image by sha256:id"
    run_nook 0 inspect --format '{{.Id}}' "$REG/multilayer:latest"
    is "$stdout_only" "$id" "inspect (type all) finds images"
}

@test "inspect: missing objects" {
    run_nook 125 image inspect nosuch
    is "$stdout_only" "[]" "an empty array is printed"
    is "$stderr_only" "Error: inspecting object: nosuch: image not known"
    run_nook 125 inspect nosuch
    is "$stderr_only" 'Error: inspecting object: no such object: "nosuch"'
    run_nook 125 inspect --type container x
    is "$stderr_only" "Error: inspecting object: no such container x" "podman's message for a missing container"
    run_nook 125 inspect --type volume x
    assert_match 'invalid type "volume"' "$stderr_only"
    run_nook 0 inspect --help
    assert_match "containers" "$stdout_only"
}

@test "history: rows follow the config history" {
    pull "$REG/multilayer:latest"
    local id config
    id=$(config_id "$REG/multilayer:latest")
    config=$(registry_config "$REG/multilayer:latest")
    local n
    n=$(jq '.history | length' <<<"$config")

    run_nook 0 history "$REG/multilayer:latest"
    is "${lines[0]}" "ID *CREATED *CREATED BY *SIZE *COMMENT" "header"
    is "$((${#lines[@]} - 1))" "$n" "one row per history entry"
    assert_match "^${id:0:12} " "${lines[1]}"

    run_nook 0 image history --format json "$REG/multilayer:latest"
    is "$(jq -r '.[0].id' <<<"$stdout_only")" "$id" "newest entry carries the image id"
    is "$(jq -r '[.[].CreatedBy // ""] | reverse | join("|")' <<<"$stdout_only")" \
       "$(jq -r '[.history[].created_by // ""] | join("|")' <<<"$config")" "created_by, newest first"
    is "$(jq -r '[.[] | select(.size > 0)] | length' <<<"$stdout_only")" \
       "$(jq -r '[.history[] | select(.empty_layer != true)] | length' <<<"$config")" "sizes for layer entries"

    run_nook 0 history --human=false --format '{{.Created}}' "$REG/multilayer:latest"
    is "${lines[0]}" "$(jq -r '.history[-1].created' <<<"$config" | sed 's/\.[0-9]*//')" "RFC 3339 without --human"
    run_nook 0 history -q --no-trunc "$REG/multilayer:latest"
    is "${lines[0]}" "$id" "quiet, full id"
    run_nook 0 history --format '{{.ID}}|{{.Size}}' "$REG/multilayer:latest"
    assert_match "^<missing>\|[0-9.]+ [kM]?B\$" "${lines[-1]}"
    run_nook 125 history nosuch
    is "$stderr_only" "Error: nosuch: image not known"
}

@test "image tree lists the layers, top first" {
    pull "$REG/multilayer:latest"
    local nlayers
    nlayers=$(jq '.rootfs.diff_ids | length' <<<"$(registry_config "$REG/multilayer:latest")")
    run_nook 0 image tree "$REG/multilayer:latest"
    assert_match "^Image ID: [0-9a-f]{12}\$" "${lines[0]}"
    is "${lines[1]}" "Tags:     \[$REG/multilayer:latest\]"
    assert_match "^Size:     [0-9.]+[kM]B\$" "${lines[2]}"
    is "${lines[3]}" "Image Layers"
    is "$((${#lines[@]} - 4))" "$nlayers" "one line per layer"
    assert_match "^├── ID: [0-9a-f]{12} Size: +[0-9.]+[kM]?B Top Layer of: \[$REG/multilayer:latest\]\$" "${lines[4]}"
    assert_match "^└── ID: [0-9a-f]{12} Size: +[0-9.]+[kM]?B\$" "${lines[-1]}"

    # busybox is multilayer's base: --whatrequires from busybox shows multilayer's layers.
    pull "$REG/busybox:latest"
    run_nook 0 image tree --whatrequires "$REG/busybox:latest"
    is "$((${#lines[@]} - 4))" "$nlayers" "busybox's layer and the ones on top of it"
}

@test "image exists" {
    run_nook 1 image exists busybox
    is "$output" "" "no output"
    pull "$REG/busybox:latest"
    run_nook 0 image exists "$REG/busybox:latest"
    is "$output" ""
    run_nook 0 image exists "$REG/busybox"
    local id
    id=$(config_id "$REG/busybox:latest")
    run_nook 0 image exists "$id"
    run_nook 0 image exists "${id:0:12}"
}

@test "tag and untag" {
    pull "$REG/busybox:latest"
    local id
    id=$(config_id "$REG/busybox:latest")
    run_nook 0 tag "$REG/busybox:latest" mybox other.example/x/y:v1
    is "$output" "" "tag prints nothing"
    run_nook 0 images --format '{{.Repository}}:{{.Tag}}' --sort repository
    is "$stdout_only" "$REG/busybox:latest
localhost/mybox:latest
other.example/x/y:v1" "new names"
    run_nook 0 image exists mybox
    run_nook 0 image inspect --format '{{.Id}}' localhost/mybox
    is "$stdout_only" "$id"

    run_nook 0 untag "$id" mybox
    run_nook 1 image exists mybox
    run_nook 125 untag "$id" mybox
    is "$stderr_only" "Error: localhost/mybox:latest: tag not known"
    run_nook 125 tag "$id" 'Bad:Name'
    assert_match '^Error: normalizing name "Bad:Name": ' "$stderr_only"

    run_nook 0 image untag "$id"
    run_nook 0 images --format '{{.Repository}} {{.Tag}}'
    is "$stdout_only" "<none> <none>" "dangling after untagging every name"
    run_nook 0 images -q --filter dangling=true
    is "$stdout_only" "${id:0:12}"
}

@test "rmi: by name, by id, -f, missing images and exit codes" {
    pull "$REG/busybox:latest"
    local id
    id=$(config_id "$REG/busybox:latest")
    run_nook 0 tag "$id" second

    # By name with another name left: only untagged.
    run_nook 0 rmi second
    is "$stdout_only" "Untagged: localhost/second:latest"
    run_nook 0 image exists "$id"

    run_nook 0 tag "$id" third
    run_nook 125 rmi "${id:0:12}"
    is "$stderr_only" "Error: unable to delete image \"$id\" by ID with more than one tag \(\[.*\]\): please force removal"
    run_nook 0 rmi -f "${id:0:12}"
    assert_line "Deleted: $id"
    assert_line "Untagged: localhost/third:latest"
    run_nook 1 image exists "$id"

    run_nook 1 rmi nosuch
    is "$stderr_only" "Error: nosuch: image not known"
    run_nook 0 rmi -i nosuch
    run_nook 1 rmi nosuch other
    is "$stderr_only" "Error: 2 errors occurred:
	\* nosuch: image not known
	\* other: image not known"

    # A missing name does not stop the others.
    pull "$REG/busybox:latest"
    run_nook 1 image rm nosuch "$REG/busybox:latest"
    is "$stdout_only" "Untagged: $REG/busybox:latest
Deleted: $id"
    run_nook 125 rmi
    is "$stderr_only" "Error: image name or ID must be specified"
}

@test "rmi -a removes every image and every layer" {
    pull "$REG/busybox:latest"
    pull "$REG/multilayer:latest"
    pull "$REG/nested/deeper/busybox:latest"
    [[ $(layer_count) -gt 0 ]] || die "no layers after pulling"
    run_nook 0 rmi -a
    is "$(grep -c '^Deleted: ' <<<"$stdout_only")" 2 "two images deleted"
    run_nook 0 images -q
    is "$stdout_only" "" "no images left"
    is "$(layer_count)" 0 "no layers left"
}

@test "rmi of each image leaves no layers" {
    pull "$REG/busybox:latest"
    pull "$REG/multilayer:latest"
    run_nook 0 rmi "$REG/busybox:latest"
    [[ $(layer_count) -gt 0 ]] || die "multilayer's layers went too"
    run_nook 0 rmi "$REG/multilayer:latest"
    is "$(layer_count)" 0 "no layers left"
}

@test "image prune removes dangling images; -a every image" {
    pull "$REG/busybox:latest"
    pull "$REG/multilayer:latest"
    local bb
    bb=$(config_id "$REG/busybox:latest")
    run_nook 0 untag "$bb"

    run_nook 0 image prune <<<"n"
    is "$stdout_only" "WARNING! This command removes all dangling images.
Are you sure you want to continue\? \[y/N\] " "prompt, answered no"
    run_nook 0 image exists "$bb"
    run_nook 0 images -a --format '{{.Repository}}:{{.Tag}} {{.ID}}'
    assert_line "<none>:<none> ${bb:0:12}"
    run_nook 0 image prune -f --filter label=no.such=label
    is "$stdout_only" "" "the label filter keeps it"
    run_nook 0 image prune -f
    is "$stdout_only" "$bb" "the dangling image's id"
    run_nook 1 image exists "$bb"
    run_nook 0 image exists "$REG/multilayer:latest"

    run_nook 0 image prune -a -f
    is "$stdout_only" "$(config_id "$REG/multilayer:latest")"
    run_nook 0 images -q
    is "$stdout_only" ""
    is "$(layer_count)" 0 "no layers left"
}
