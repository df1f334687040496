#include <algorithm>
#include <array>

#include "cmd/command.h"

namespace nook::cli {

// Setup functions live in their verb files.
Runner setup_version(CLI::App& app);
Runner setup_info(CLI::App& app);
Runner setup_completion(CLI::App& app);
Runner setup_unshare(CLI::App& app);
Runner setup_login(CLI::App& app);
Runner setup_logout(CLI::App& app);
Runner setup_pull(CLI::App& app);
Runner setup_images(CLI::App& app);
Runner setup_image_inspect(CLI::App& app);
Runner setup_inspect(CLI::App& app);
Runner setup_history(CLI::App& app);
Runner setup_image_tree(CLI::App& app);
Runner setup_image_exists(CLI::App& app);
Runner setup_tag(CLI::App& app);
Runner setup_untag(CLI::App& app);
Runner setup_rmi(CLI::App& app);
Runner setup_image_prune(CLI::App& app);
Runner setup_save(CLI::App& app);
Runner setup_load(CLI::App& app);
Runner setup_push(CLI::App& app);
Runner setup_oci_create(CLI::App& app);
Runner setup_oci_start(CLI::App& app);
Runner setup_oci_state(CLI::App& app);
Runner setup_oci_kill(CLI::App& app);
Runner setup_oci_delete(CLI::App& app);
Runner setup_oci_run(CLI::App& app);
Runner setup_internal_monitor(CLI::App& app);
Runner setup_run(CLI::App& app);
Runner setup_create(CLI::App& app);
Runner setup_start(CLI::App& app);
Runner setup_stop(CLI::App& app);
Runner setup_kill(CLI::App& app);
Runner setup_rm(CLI::App& app);
Runner setup_wait(CLI::App& app);
Runner setup_ps(CLI::App& app);
Runner setup_logs(CLI::App& app);
Runner setup_container_inspect(CLI::App& app);
Runner setup_container_exists(CLI::App& app);
Runner setup_restart(CLI::App& app);
Runner setup_rename(CLI::App& app);
Runner setup_pause(CLI::App& app);
Runner setup_unpause(CLI::App& app);
Runner setup_top(CLI::App& app);
Runner setup_port(CLI::App& app);
Runner setup_container_prune(CLI::App& app);
Runner setup_container_init(CLI::App& app);
Runner setup_volume_create(CLI::App& app);
Runner setup_volume_ls(CLI::App& app);
Runner setup_volume_inspect(CLI::App& app);
Runner setup_volume_exists(CLI::App& app);
Runner setup_volume_rm(CLI::App& app);
Runner setup_volume_prune(CLI::App& app);
Runner setup_volume_export(CLI::App& app);
Runner setup_volume_import(CLI::App& app);
Runner setup_exec(CLI::App& app);
Runner setup_attach(CLI::App& app);
Runner setup_cp(CLI::App& app);
Runner setup_diff(CLI::App& app);
Runner setup_commit(CLI::App& app);
Runner setup_export(CLI::App& app);
Runner setup_import(CLI::App& app);
Runner setup_mount(CLI::App& app);
Runner setup_unmount(CLI::App& app);
Runner setup_system_df(CLI::App& app);
Runner setup_system_prune(CLI::App& app);
Runner setup_system_reset(CLI::App& app);

namespace {

constexpr std::string_view kInfoDescription =
    "Display information pertaining to the host, current storage stats, and build of nook.\n\n"
    "  Useful for the user and when reporting issues.";

constexpr std::string_view kCompletionDescription =
    "Generate shell autocompletions.\n"
    "  Valid arguments are bash, zsh and fish.\n"
    "  The scripts are generated from nook's own command definitions; the packaged copies live in\n"
    "  completions/ of the source tree.";

constexpr std::string_view kUnshareDescription =
    "Runs a command in a modified user namespace.\n\n"
    "  The command runs as uid 0 in the user namespace nook uses for its store and containers:\n"
    "  container id 0 is the user, 1 and up are the user's ranges in /etc/subuid and /etc/subgid.\n"
    "  Without a command, the user's $SHELL is started.";

constexpr std::string_view kPullDescription =
    "Pulls an image from a registry and stores it locally.\n\n"
    "  An image can be pulled by tag or digest. If a tag is not specified, the image with the 'latest'\n"
    "  tag is pulled. Layers are downloaded, verified and unpacked in one streaming pass, several at once.";

constexpr std::string_view kImagesDescription = "Lists images previously pulled to the system or created on the system.";

constexpr std::string_view kInspectDescription =
    "Displays the low-level information on an object identified by name or ID.\n"
    "  The objects are containers and images (a name is looked up as a container first, then as an image);\n"
    "  pods, networks and volumes come later (--type accepts container, image and all).";

constexpr std::string_view kRmiDescription =
    "Removes one or more previously pulled or locally created images.";

constexpr std::string_view kPruneDescription =
    "Removes dangling or unused images from local storage.";

constexpr std::string_view kLoadDescription =
    "Loads an image from a locally stored archive (tar file) into container storage.";

constexpr std::string_view kPushDescription =
    "Pushes a source image to a specified destination.\n\n"
    "  The Image \"DESTINATION\" uses a \"transport\":\"details\" format. See nook-push(1) section \"DESTINATION\" for\n"
    "  the supported transports (docker://, oci:, oci-archive:, docker-archive:, dir:).";

constexpr std::string_view kSaveDescription =
    "Save an image to docker-archive or oci-archive on the local machine. Default is docker-archive.";

constexpr std::string_view kRunDescription =
    "Runs a command in a new container from the given image.";
constexpr std::string_view kCreateDescription =
    "Creates a new container from the given image, without starting it.";
constexpr std::string_view kPsDescription = "Prints out information about the containers";
constexpr std::string_view kRmDescription = "Removes one or more containers from the host.";
constexpr std::string_view kLogsDescription =
    "Retrieves logs for one or more containers.\n\n"
    "  This does not guarantee execution order when combined with nook run (i.e., your run may not have\n"
    "  generated any logs at the time you execute nook logs).";

// cp, diff, commit, export, mount, unmount (lib/engine/container_fs.h), under "container" and top level.
#define NOOK_CONTAINER_FS_VERBS(prefix)                                                                          \
  Verb{.path = prefix "commit", .summary = "Create new image based on the changed container",                     \
       .description = "Creates an image from a container's changes. Optionally tags the image created, set the author with the --author flag, set the commit message with the --message flag, and make changes to the instructions with the --change flag.", \
       .usage = "[options] CONTAINER [IMAGE]",                                                                    \
       .example = "nook commit -q --message \"committing container to image\" reverent_golick image-committed\n  nook commit -q --author \"firstName lastName\" reverent_golick image-committed\n  nook commit -q --pause=false containerID image-committed\n  nook commit containerID", \
       .args = Args::Any, .setup = &setup_commit, .needs_userns = true},                                          \
  Verb{.path = prefix "cp", .summary = "Copy files/folders between a container and the local filesystem",         \
       .description = "Copy the contents of SRC_PATH to the DEST_PATH.\n\n  You can copy from the container's file system to the local machine or the other way around. Use \"-\" as SRC_PATH or DEST_PATH to stream a tar archive through stdin or stdout.", \
       .usage = "[options] [CONTAINER:]SRC_PATH [CONTAINER:]DEST_PATH",                                           \
       .example = "nook cp [options] [CONTAINER:]SRC_PATH [CONTAINER:]DEST_PATH",                                 \
       .args = Args::Any, .setup = &setup_cp},                                              \
  Verb{.path = prefix "diff", .summary = "Inspect changes to the container's file systems",                       \
       .description = "Displays changes to the container filesystem's'.  The container will be compared to its parent layer.", \
       .usage = "[options] CONTAINER", .example = "nook container diff myCtr\n  nook container diff -l --format json myCtr", \
       .args = Args::Any, .setup = &setup_diff, .needs_userns = true},                                            \
  Verb{.path = prefix "export", .summary = "Export a container's filesystem contents as a tar archive",           \
       .description = "Exports container's filesystem contents as a tar archive and saves it on the local machine.", \
       .usage = "[options] CONTAINER", .example = "nook export ctrID > myCtr.tar\n  nook export --output=\"myCtr.tar\" ctrID", \
       .args = Args::Any, .setup = &setup_export, .needs_userns = true},                                          \
  Verb{.path = prefix "mount", .summary = "Mount a working container's root filesystem",                          \
       .description = "Mounts the specified containers' root file system in a location which can be\n  accessed from the host, and returns its location.\n\n  If you execute the command without any arguments, nook will list all of the\n  currently mounted containers. Rootless, run it inside `nook unshare`.", \
       .usage = "[options] [CONTAINER...]", .example = "nook container mount\n  nook container mount ctrID\n  nook container mount --format=json", \
       .args = Args::Any, .setup = &setup_mount},                                                                  \
  Verb{.path = prefix "umount", .summary = "Unmount working container's root filesystem",                          \
       .usage = "[options] CONTAINER [CONTAINER...]", .example = "nook container umount ctrID",                     \
       .args = Args::Any, .setup = &setup_unmount, .hidden = true},                                                \
  Verb{.path = prefix "unmount", .summary = "Unmount working container's root filesystem",                         \
       .description = "Container storage increments a mount counter each time a container is mounted.\n\n  When a container is unmounted, the mount counter is decremented. The container's root filesystem is physically unmounted only when the mount counter reaches zero indicating no other processes are using the mount.", \
       .usage = "[options] CONTAINER [CONTAINER...]", .example = "nook container unmount ctrID\n  nook container unmount --all", \
       .args = Args::Any, .setup = &setup_unmount}

// restart, rename, pause, unpause, top, port, init (lib/engine/container_verbs.h), under "container" and top level.
#define NOOK_LIFECYCLE_VERBS(prefix)                                                                             \
  Verb{.path = prefix "init", .summary = "Initialize one or more containers",                                    \
       .description = "Initialize one or more containers, creating the OCI spec and mounts for inspection. Container names or IDs can be used.", \
       .usage = "[options] CONTAINER [CONTAINER...]", .example = "nook init 3c45ef19d893\n  nook init test1",         \
       .args = Args::Any, .setup = &setup_container_init, .needs_userns = true},                                   \
  Verb{.path = prefix "pause", .summary = "Pause all the processes in one or more containers",                   \
       .description = "Pauses one or more running containers.  The container name or ID can be used.",            \
       .usage = "[options] CONTAINER [CONTAINER...]", .example = "nook pause mywebserver\n  nook pause 860a4b23\n  nook pause -a", \
       .args = Args::Any, .setup = &setup_pause},                                                                  \
  Verb{.path = prefix "port", .summary = "List port mappings or a specific mapping for the container",            \
       .description = "List port mappings for the CONTAINER, or look up the public-facing port that is NAT-ed to the PRIVATE_PORT.", \
       .usage = "[options] CONTAINER [PORT]", .example = "nook port --all\n  nook port ctrID 80/tcp\n  nook port --latest 80", \
       .args = Args::Any, .setup = &setup_port},                                                                   \
  Verb{.path = prefix "rename", .summary = "Rename an existing container",                                       \
       .description = "The nook rename command allows you to rename an existing container",                       \
       .usage = "CONTAINER NAME", .example = "nook rename containerA newName", .args = Args::Any,                   \
       .setup = &setup_rename},                                                                                    \
  Verb{.path = prefix "restart", .summary = "Restart one or more containers",                                    \
       .description = "Restarts one or more running containers. The container ID or name can be used.\n\n  A timeout before forcibly stopping can be set, but defaults to 10 seconds.", \
       .usage = "[options] CONTAINER [CONTAINER...]", .example = "nook restart -l\n  nook restart ctrID\n  nook restart --running --all", \
       .args = Args::Any, .setup = &setup_restart, .needs_userns = true, .starts_containers = true},                                          \
  Verb{.path = prefix "top", .summary = "Display the running processes of a container",                          \
       .description = "Display the running processes of a container.\n\n  The top command extends the ps(1) compatible AIX descriptors with container-specific ones as shown below.  In the absence of a descriptor the default format is used.\n\n  Format descriptors: args, comm, etime, group, hgroup, hpid, huser, nice, pcpu, pgid, pid, ppid, rgroup, rss, ruser, state, time, tty, user, vsz", \
       .usage = "[options] CONTAINER [FORMAT-DESCRIPTORS|ARGS...]",                                               \
       .example = "nook top ctrID\n  nook top ctrID pid seccomp args %C\n  nook top ctrID -eo user,pid,comm", \
       .args = Args::Any, .setup = &setup_top},                                                                    \
  Verb{.path = prefix "unpause", .summary = "Unpause the processes in one or more containers",                   \
       .description = "Unpauses one or more previously paused containers.  The container name or ID can be used.", \
       .usage = "[options] CONTAINER [CONTAINER...]", .example = "nook unpause ctrID\n  nook unpause --all",        \
       .args = Args::Any, .setup = &setup_unpause}

#define NOOK_CONTAINER_VERBS(prefix)                                                                              \
  Verb{.path = prefix "attach", .summary = "Attach to a running container",                                      \
       .description = "The nook attach command allows you to attach to a running container using the container's ID or name, either to view its ongoing output or to control it interactively.", \
       .usage = "[options] CONTAINER", .example = "nook attach ctrID\n  nook attach 1234\n  nook attach --no-stdin foobar", \
       .args = Args::Any, .setup = &setup_attach},                                                                 \
  Verb{.path = prefix "create", .summary = "Create but do not start a container", .description = kCreateDescription, \
       .usage = "[options] IMAGE [COMMAND [ARG...]]", .example = "nook create alpine ls",                         \
       .args = Args::AtLeastOne, .setup = &setup_create, .needs_userns = true},                                   \
  Verb{.path = prefix "exec", .summary = "Run a process in a running container",                                 \
       .description = "Execute the specified command inside a running container.",                                  \
       .usage = "[options] CONTAINER [COMMAND [ARG...]]",                                                           \
       .example = "nook exec -it ctrID ls\n  nook exec -it -w /tmp myCtr pwd\n  nook exec --user root ctrID ls",   \
       .args = Args::Any, .setup = &setup_exec},                                                                   \
  Verb{.path = prefix "kill", .summary = "Kill one or more running containers with a specific signal",            \
       .usage = "[options] CONTAINER [CONTAINER...]", .example = "nook kill mywebserver\n  nook kill -s TERM ctrID", \
       .args = Args::Any, .setup = &setup_kill},                                                                   \
  Verb{.path = prefix "logs", .summary = "Fetch the logs of one or more containers", .description = kLogsDescription, \
       .usage = "[options] CONTAINER [CONTAINER...]", .example = "nook logs ctrID\n  nook logs --tail 2 mywebserver", \
       .args = Args::Any, .setup = &setup_logs},                                                                   \
  Verb{.path = prefix "rm", .summary = "Remove one or more containers", .description = kRmDescription,            \
       .usage = "[options] CONTAINER [CONTAINER...]", .example = "nook rm imageID\n  nook rm -f --all",            \
       .args = Args::Any, .setup = &setup_rm, .needs_userns = true},                                              \
  Verb{.path = prefix "run", .summary = "Run a command in a new container", .description = kRunDescription,       \
       .usage = "[options] IMAGE [COMMAND [ARG...]]", .example = "nook run imageID ls -alF /etc\n  nook run -d --name web busybox httpd -f", \
       .args = Args::AtLeastOne, .setup = &setup_run, .needs_userns = true},                                      \
  Verb{.path = prefix "start", .summary = "Start one or more containers",                                          \
       .usage = "[options] CONTAINER [CONTAINER...]", .example = "nook start ctrID\n  nook start -a ctrID",         \
       .args = Args::Any, .setup = &setup_start, .needs_userns = true, .starts_containers = true},                                           \
  Verb{.path = prefix "stop", .summary = "Stop one or more containers",                                            \
       .usage = "[options] CONTAINER [CONTAINER...]", .example = "nook stop ctrID\n  nook stop -t 2 ctrID",         \
       .args = Args::Any, .setup = &setup_stop},                                                                   \
  Verb{.path = prefix "wait", .summary = "Block on one or more containers",                                        \
       .usage = "[options] CONTAINER [CONTAINER...]", .example = "nook wait ctrID",                                 \
       .args = Args::Any, .setup = &setup_wait}

const std::array kVerbs = {
    Verb{.path = "completion", .summary = "Generate shell autocompletions", .description = kCompletionDescription,
         .usage = "[options] {bash|zsh|fish}", .example = "nook completion bash\n  nook completion fish > ~/.config/fish/completions/nook.fish",
         .args = Args::ExactlyOne, .setup = &setup_completion},
    // Handled in main.cc (rewritten to --help); listed here for help and completions.
    Verb{.path = "container", .summary = "Manage containers", .description = "Manage containers", .usage = "[command]"},
    Verb{.path = "container exists", .summary = "Check if a container exists in local storage",
         .description = "If the named container exists in local storage, nook container exists exits with 0, otherwise the exit code will be 1.",
         .usage = "[options] CONTAINER", .example = "nook container exists containerID",
         .args = Args::ExactlyOne, .setup = &setup_container_exists},
    Verb{.path = "container inspect", .summary = "Display the configuration of a container",
         .usage = "[options] CONTAINER [CONTAINER...]", .example = "nook container inspect myCtr\n  nook container inspect -l --format '{{.State.Status}}'",
         .args = Args::Any, .setup = &setup_container_inspect},
    Verb{.path = "container list", .summary = "List containers", .description = kPsDescription, .usage = "[options]",
         .args = Args::None, .setup = &setup_ps, .hidden = true},
    Verb{.path = "container ls", .summary = "List containers", .description = kPsDescription, .usage = "[options]",
         .args = Args::None, .setup = &setup_ps, .hidden = true},
    Verb{.path = "container ps", .summary = "List containers", .description = kPsDescription, .usage = "[options]",
         .args = Args::None, .setup = &setup_ps},
    NOOK_CONTAINER_VERBS("container "),
    NOOK_LIFECYCLE_VERBS("container "),
    Verb{.path = "container prune", .summary = "Remove all non running containers",
         .description = "nook container prune removes all non running containers",
         .usage = "[options]", .example = "nook container prune",
         .args = Args::None, .setup = &setup_container_prune, .needs_userns = true},
    NOOK_CONTAINER_FS_VERBS("container "),
    NOOK_CONTAINER_VERBS(""),
    NOOK_LIFECYCLE_VERBS(""),
    NOOK_CONTAINER_FS_VERBS(""),
    Verb{.path = "import", .summary = "Import a tarball to create a filesystem image",
         .description = "Create a container image from the contents of the specified tarball (.tar, .tar.gz, .tgz, .bzip, .tar.xz, .txz).\n\n  Note remote tar balls can be specified, via web address, but nook does not download them: fetch the file first.",
         .usage = "[options] PATH [REFERENCE]",
         .example = "nook import http://example.com/ctr.tar url-image\n  cat ctr.tar | nook -q import --message \"importing the ctr.tar tarball\" - image-imported\n  cat ctr.tar | nook import -",
         .args = Args::Any, .setup = &setup_import, .needs_userns = true},
    Verb{.path = "help", .summary = "Help about any command", .usage = "[command]", .args = Args::Any},
    Verb{.path = "history", .summary = "Show history of a specified image", .description = "Displays the history of an image.",
         .usage = "[options] IMAGE", .example = "nook history quay.io/fedora/fedora",
         .args = Args::ExactlyOne, .setup = &setup_history},
    Verb{.path = "image", .summary = "Manage images", .description = "Manage images", .usage = "[command]"},
    Verb{.path = "image exists", .summary = "Check if an image exists in local storage",
         .description = "If the named image exists in local storage, nook image exists exits with 0, otherwise the exit code will be 1.",
         .usage = "IMAGE", .example = "nook image exists ID\n  nook image exists IMAGE && nook pull IMAGE",
         .args = Args::ExactlyOne, .setup = &setup_image_exists},
    Verb{.path = "image history", .summary = "Show history of a specified image", .description = "Displays the history of an image.",
         .usage = "[options] IMAGE", .example = "nook image history quay.io/fedora/fedora",
         .args = Args::ExactlyOne, .setup = &setup_history},
    Verb{.path = "image inspect", .summary = "Display the configuration of an image",
         .description = "Displays the low-level information of an image identified by name or ID.",
         .usage = "[options] IMAGE [IMAGE...]", .example = "nook image inspect alpine\n  nook image inspect --format \"imageId: {{.Id}} size: {{.Size}}\" alpine",
         .args = Args::AtLeastOne, .setup = &setup_image_inspect},
    Verb{.path = "image list", .summary = "List images in local storage", .description = kImagesDescription,
         .usage = "[options] [IMAGE]", .example = "nook image list --format json\n  nook image list --sort repository --format \"table {{.ID}} {{.Repository}} {{.Tag}}\"\n  nook image list --filter dangling=true",
         .args = Args::Any, .setup = &setup_images},
    Verb{.path = "image load", .summary = "Load image(s) from a tar archive", .description = kLoadDescription,
         .usage = "[options]", .example = "nook load -i fedora.tar\n  nook load < fedora.tar",
         .args = Args::None, .setup = &setup_load, .needs_userns = true},
    Verb{.path = "image ls", .summary = "List images in local storage", .description = kImagesDescription,
         .usage = "[options] [IMAGE]", .example = "nook image ls --format json", .args = Args::Any, .setup = &setup_images,
         .hidden = true},
    Verb{.path = "image prune", .summary = "Remove unused images", .description = kPruneDescription,
         .usage = "[options]", .example = "nook image prune", .args = Args::None, .setup = &setup_image_prune,
         .needs_userns = true},
    Verb{.path = "image push", .summary = "Push an image to a specified destination", .description = kPushDescription,
         .usage = "[options] IMAGE [DESTINATION]",
         .example = "nook push imageID docker://registry.example.com/repository:tag\n  nook push imageID oci-archive:/path/to/layout:image:tag",
         .args = Args::AtLeastOne, .setup = &setup_push, .needs_userns = true},
    Verb{.path = "image rm", .summary = "Remove one or more images from local storage", .description = kRmiDescription,
         .usage = "[options] IMAGE [IMAGE...]", .example = "nook image rm imageID\n  nook image rm --force alpine\n  nook image rm c4dfb1609ee2 93fd78260bd1 c0ed59d05ff7",
         .args = Args::Any, .setup = &setup_rmi, .needs_userns = true},
    Verb{.path = "image save", .summary = "Save image(s) to an archive", .description = kSaveDescription,
         .usage = "[options] IMAGE [IMAGE...]",
         .example = "nook save --quiet -o myimage.tar imageID\n  nook save --format docker-dir -o ubuntu-dir ubuntu\n  nook save > alpine-all.tar alpine:latest alpine:3.18",
         .args = Args::AtLeastOne, .setup = &setup_save, .needs_userns = true},
    Verb{.path = "image tag", .summary = "Add an additional name to a local image",
         .description = "Adds one or more additional names to locally-stored image.",
         .usage = "IMAGE TARGET_NAME [TARGET_NAME...]", .example = "nook image tag 0e3bbc2 fedora:latest\n  nook image tag httpd myregistryhost:5000/fedora/httpd:v2",
         .args = Args::AtLeastOne, .setup = &setup_tag},
    Verb{.path = "image tree", .summary = "Prints layer hierarchy of an image in a tree format",
         .description = "Prints layer hierarchy of an image in a tree format", .usage = "[options] IMAGE",
         .example = "nook image tree alpine:latest\n  nook image tree --whatrequires alpine:latest",
         .args = Args::ExactlyOne, .setup = &setup_image_tree},
    Verb{.path = "image untag", .summary = "Remove a name from a local image",
         .description = "Removes one or more names from a locally-stored image.", .usage = "IMAGE [IMAGE...]",
         .example = "nook image untag 0e3bbc2\n  nook image untag 0e3bbc2 fedora:latest", .args = Args::AtLeastOne,
         .setup = &setup_untag},
    Verb{.path = "images", .summary = "List images in local storage", .description = kImagesDescription,
         .usage = "[options] [IMAGE]", .example = "nook images --format json\n  nook images --sort repository --format \"table {{.ID}} {{.Repository}} {{.Tag}}\"\n  nook images --filter dangling=true",
         .args = Args::Any, .setup = &setup_images},
    Verb{.path = "info", .summary = "Display nook system information", .description = kInfoDescription,
         .usage = "[options]", .example = "nook info\n  nook info --format '{{.Host.Kernel}}'",
         .args = Args::None, .setup = &setup_info},
    Verb{.path = "inspect", .summary = "Display the configuration of object denoted by ID", .description = kInspectDescription,
         .usage = "[options] {CONTAINER|IMAGE} [...]", .example = "nook inspect fedora\n  nook inspect --type image fedora\n  nook inspect --format \"imageId: {{.Id}} size: {{.Size}}\" fedora",
         .args = Args::Any, .setup = &setup_inspect},
    // Hidden verbs the engine execs (cmd/internal/); they run inside the user namespace already.
    Verb{.path = "internal", .summary = "Internal commands of nook", .usage = "[command]", .hidden = true},
    Verb{.path = "internal monitor", .summary = "Run the monitor of a container", .usage = "ARGS...",
         .args = Args::Any, .setup = &setup_internal_monitor, .hidden = true},
    Verb{.path = "load", .summary = "Load image(s) from a tar archive", .description = kLoadDescription,
         .usage = "[options]", .example = "nook load -i fedora.tar\n  nook load < fedora.tar",
         .args = Args::None, .setup = &setup_load, .needs_userns = true},
    Verb{.path = "login", .summary = "Log in to a container registry",
         .description = "Log in to a container registry on a specified server.", .usage = "[options] [REGISTRY]",
         .example = "nook login quay.io\n  nook login --username ... --password ... quay.io\n  nook login --authfile dir/auth.json quay.io",
         .args = Args::Any, .setup = &setup_login},
    Verb{.path = "logout", .summary = "Log out of a container registry",
         .description = "Remove the cached username and password for the registry.", .usage = "[options] [REGISTRY]",
         .example = "nook logout quay.io\n  nook logout --authfile dir/auth.json quay.io\n  nook logout --all",
         .args = Args::Any, .setup = &setup_logout},
    Verb{.path = "ps", .summary = "List containers", .description = kPsDescription, .usage = "[options]",
         .example = "nook ps -a\n  nook ps -a --format \"{{.ID}}  {{.Image}}  {{.Labels}}  {{.Mounts}}\"",
         .args = Args::None, .setup = &setup_ps},
    Verb{.path = "oci", .summary = "Run OCI bundles with nook's built-in runtime",
         .description = "Run OCI runtime-spec bundles with nook's built-in runtime, as crun and runc do.", .usage = "[command]"},
    Verb{.path = "oci create", .summary = "Create a container from a bundle",
         .description = "Creates a container from an OCI bundle; its process waits until `nook oci start`.",
         .usage = "[options] ID", .example = "nook oci create --bundle ./bundle mycontainer",
         .args = Args::ExactlyOne, .setup = &setup_oci_create, .needs_userns = true},
    Verb{.path = "oci delete", .summary = "Delete a stopped container", .description = "Removes the state of a container.",
         .usage = "[options] ID", .example = "nook oci delete mycontainer\n  nook oci delete -f mycontainer",
         .args = Args::ExactlyOne, .setup = &setup_oci_delete, .needs_userns = true},
    Verb{.path = "oci kill", .summary = "Send a signal to a container's process",
         .description = "Sends SIGNAL (a name or a number, default TERM) to the container's init process.",
         .usage = "ID [SIGNAL]", .example = "nook oci kill mycontainer KILL", .args = Args::AtLeastOne,
         .setup = &setup_oci_kill, .needs_userns = true},
    Verb{.path = "oci run", .summary = "Create and start a container from a bundle, in the foreground",
         .description = "Runs an OCI bundle in the foreground with the terminal's stdio; exits with the container's exit code.",
         .usage = "[options] ID", .example = "nook oci run --bundle ./bundle mycontainer",
         .args = Args::ExactlyOne, .setup = &setup_oci_run, .needs_userns = true},
    Verb{.path = "oci start", .summary = "Start a created container", .description = "Lets a created container run its process.",
         .usage = "ID", .example = "nook oci start mycontainer", .args = Args::ExactlyOne, .setup = &setup_oci_start,
         .needs_userns = true},
    Verb{.path = "oci state", .summary = "Output the state of a container",
         .description = "Prints the runtime-spec state of a container as JSON.", .usage = "ID",
         .example = "nook oci state mycontainer", .args = Args::ExactlyOne, .setup = &setup_oci_state,
         .needs_userns = true},
    Verb{.path = "pull", .summary = "Pull an image from a registry", .description = kPullDescription,
         .usage = "[options] IMAGE [IMAGE...]",
         .example = "nook pull imageName\n  nook pull fedora:latest\n  nook pull --all-tags 127.0.0.1:5000/busybox\n  nook pull --platform linux/arm64 busybox",
         .args = Args::AtLeastOne, .setup = &setup_pull, .needs_userns = true},
    Verb{.path = "push", .summary = "Push an image to a specified destination", .description = kPushDescription,
         .usage = "[options] IMAGE [DESTINATION]",
         .example = "nook push imageID docker://registry.example.com/repository:tag\n  nook push imageID oci-archive:/path/to/layout:image:tag",
         .args = Args::AtLeastOne, .setup = &setup_push, .needs_userns = true},
    Verb{.path = "rmi", .summary = "Remove one or more images from local storage", .description = kRmiDescription,
         .usage = "[options] IMAGE [IMAGE...]", .example = "nook rmi imageID\n  nook rmi --force alpine\n  nook rmi c4dfb1609ee2 93fd78260bd1 c0ed59d05ff7",
         .args = Args::Any, .setup = &setup_rmi, .needs_userns = true},
    Verb{.path = "save", .summary = "Save image(s) to an archive", .description = kSaveDescription,
         .usage = "[options] IMAGE [IMAGE...]",
         .example = "nook save --quiet -o myimage.tar imageID\n  nook save --format docker-dir -o ubuntu-dir ubuntu\n  nook save > alpine-all.tar alpine:latest alpine:3.18",
         .args = Args::AtLeastOne, .setup = &setup_save, .needs_userns = true},
    Verb{.path = "system", .summary = "Manage nook", .description = "Manage nook", .usage = "[command]"},
    Verb{.path = "system df", .summary = "Show nook disk usage", .description = "Show nook disk usage",
         .usage = "[options]", .example = "nook system df\n  nook system df -v", .args = Args::Any,
         .setup = &setup_system_df, .needs_userns = true},
    Verb{.path = "system info", .summary = "Display nook system information", .description = kInfoDescription,
         .usage = "[options]", .example = "nook system info", .args = Args::None, .setup = &setup_info},
    Verb{.path = "system prune", .summary = "Remove unused data",
         .description = "nook system prune removes all unused containers (stopped containers) and images (dangling images;\n  with --all, every image no container uses). With --volumes, volumes no container uses go too.",
         .usage = "[options]", .example = "nook system prune\n  nook system prune -a -f --volumes", .args = Args::Any,
         .setup = &setup_system_prune, .needs_userns = true},
    Verb{.path = "system reset", .summary = "Reset nook storage",
         .description = "Reset nook storage back to default state\n\n  All containers will be stopped and removed, and all images, volumes and container content will be removed.",
         .usage = "[options]", .example = "nook system reset\n  nook system reset -f", .args = Args::Any,
         .setup = &setup_system_reset, .needs_userns = true},
    Verb{.path = "tag", .summary = "Add an additional name to a local image",
         .description = "Adds one or more additional names to locally-stored image.",
         .usage = "IMAGE TARGET_NAME [TARGET_NAME...]", .example = "nook tag 0e3bbc2 fedora:latest\n  nook tag httpd myregistryhost:5000/fedora/httpd:v2",
         .args = Args::AtLeastOne, .setup = &setup_tag},
    Verb{.path = "unshare", .summary = "Run a command in a modified user namespace",
         .description = kUnshareDescription, .usage = "[options] [COMMAND [ARG...]]",
         .example = "nook unshare id\n  nook unshare cat /proc/self/uid_map /proc/self/gid_map\n  nook unshare ls -la ~/.local/share/nook",
         .args = Args::Any, .setup = &setup_unshare, .needs_userns = true},
    Verb{.path = "untag", .summary = "Remove a name from a local image",
         .description = "Removes one or more names from a locally-stored image.", .usage = "IMAGE [IMAGE...]",
         .example = "nook untag 0e3bbc2\n  nook untag 0e3bbc2 fedora:latest", .args = Args::AtLeastOne, .setup = &setup_untag},
    Verb{.path = "volume", .summary = "Manage volumes", .description = "Volumes are created in and can be shared between containers",
         .usage = "[command]"},
    Verb{.path = "volume create", .summary = "Create a new volume",
         .description = "If using the default driver, \"local\", the volume will be created on the host in the volumes directory under nook's storage.",
         .usage = "[options] [NAME]", .example = "nook volume create myvol\n  nook volume create\n  nook volume create --label foo=bar myvol\n  nook volume create -o type=tmpfs -o device=tmpfs -o o=size=2m tmpvol",
         .args = Args::Any, .setup = &setup_volume_create, .needs_userns = true},
    Verb{.path = "volume exists", .summary = "volume exists",
         .description = "If the given volume exists, nook volume exists exits with 0, otherwise the exit code will be 1.",
         .usage = "VOLUME", .example = "nook volume exists myvol", .args = Args::ExactlyOne, .setup = &setup_volume_exists},
    Verb{.path = "volume export", .summary = "Export volumes",
         .description = "Exports a volume to a tar archive on stdout or into the file given with --output.",
         .usage = "[options] VOLUME", .example = "nook volume export myvol --output myvol.tar",
         .args = Args::ExactlyOne, .setup = &setup_volume_export, .needs_userns = true},
    Verb{.path = "volume import", .summary = "Import a tarball contents into a nook volume",
         .description = "Imports the contents of a tarball (a file, or - for stdin) into an existing volume.",
         .usage = "VOLUME [SOURCE]", .example = "nook volume import my_vol /home/user/import.tar\n  cat ctr.tar | nook volume import my_vol -",
         .args = Args::AtLeastOne, .setup = &setup_volume_import, .needs_userns = true},
    Verb{.path = "volume inspect", .summary = "Display detailed information on one or more volumes",
         .description = "Display detailed information on one or more volumes.\n\n  Use a Go template to change the format from JSON.",
         .usage = "[options] VOLUME [VOLUME...]", .example = "nook volume inspect myvol\n  nook volume inspect --all\n  nook volume inspect --format \"{{.Driver}} {{.Scope}}\" myvol",
         .args = Args::Any, .setup = &setup_volume_inspect},
    Verb{.path = "volume list", .summary = "List volumes", .description = "List all available volumes. The output of the volumes can be filtered\n  and the output format can be changed to JSON or a user specified Go template.",
         .usage = "[options]", .args = Args::None, .setup = &setup_volume_ls, .hidden = true},
    Verb{.path = "volume ls", .summary = "List volumes", .description = "List all available volumes. The output of the volumes can be filtered\n  and the output format can be changed to JSON or a user specified Go template.",
         .usage = "[options]", .example = "nook volume ls\n  nook volume ls --format json\n  nook volume ls --filter label=foo", .args = Args::None, .setup = &setup_volume_ls},
    Verb{.path = "volume prune", .summary = "Remove all unused volumes",
         .description = "Remove all unused volumes. Will prompt for confirmation if not using force.",
         .usage = "[options]", .example = "nook volume prune", .args = Args::None, .setup = &setup_volume_prune, .needs_userns = true},
    Verb{.path = "volume rm", .summary = "Remove one or more volumes",
         .description = "Remove one or more existing volumes.\n\n  By default only volumes that are not being used by any containers will be removed. To remove the volumes anyways, use the --force flag.",
         .usage = "[options] VOLUME [VOLUME...]", .example = "nook volume rm myvol1 myvol2\n  nook volume rm --all\n  nook volume rm --force myvol",
         .args = Args::Any, .setup = &setup_volume_rm, .needs_userns = true},
    Verb{.path = "volume remove", .summary = "Remove one or more volumes",
         .description = "Remove one or more existing volumes.", .usage = "[options] VOLUME [VOLUME...]",
         .args = Args::Any, .setup = &setup_volume_rm, .hidden = true, .needs_userns = true},
    Verb{.path = "version", .summary = "Display the nook version information", .usage = "[options]",
         .example = "nook version\n  nook version --format json", .args = Args::None, .setup = &setup_version},
};

}  // namespace

std::span<const Verb> verbs() { return kVerbs; }

const Verb* find_verb(std::string_view path) {
  auto it = std::find_if(kVerbs.begin(), kVerbs.end(), [&](const Verb& v) { return v.path == path; });
  return it == kVerbs.end() ? nullptr : &*it;
}

std::vector<const Verb*> children_of(std::string_view path) {
  std::vector<const Verb*> out;
  for (const Verb& verb : kVerbs) {
    if (verb.hidden) continue;
    std::string_view p = verb.path;
    size_t space = p.rfind(' ');
    std::string_view parent = space == std::string_view::npos ? std::string_view{} : p.substr(0, space);
    if (parent == path) out.push_back(&verb);
  }
  // The table groups verbs by file; help and completions list them alphabetically, as cobra does.
  std::stable_sort(out.begin(), out.end(), [](const Verb* a, const Verb* b) { return a->path < b->path; });
  return out;
}

}  // namespace nook::cli
