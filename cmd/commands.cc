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
    "  For now the objects are images; containers, pods, networks and volumes come later\n"
    "  (--type accepts image and all).";

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
    "Runs a command in a new container from the given image.\n\n"
    "  Until networking lands, --network takes none (the default) or host.";
constexpr std::string_view kCreateDescription =
    "Creates a new container from the given image, without starting it.";
constexpr std::string_view kPsDescription = "Prints out information about the containers";
constexpr std::string_view kRmDescription = "Removes one or more containers from the host.";
constexpr std::string_view kLogsDescription =
    "Retrieves logs for one or more containers.\n\n"
    "  This does not guarantee execution order when combined with nook run (i.e., your run may not have\n"
    "  generated any logs at the time you execute nook logs).";

#define NOOK_CONTAINER_VERBS(prefix)                                                                              \
  Verb{.path = prefix "create", .summary = "Create but do not start a container", .description = kCreateDescription, \
       .usage = "[options] IMAGE [COMMAND [ARG...]]", .example = "nook create alpine ls",                         \
       .args = Args::AtLeastOne, .setup = &setup_create, .needs_userns = true},                                   \
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
       .args = Args::Any, .setup = &setup_start, .needs_userns = true},                                           \
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
         .usage = "[options] CONTAINER [CONTAINER...]", .example = "nook container inspect myCtr",
         .args = Args::AtLeastOne, .setup = &setup_container_inspect},
    Verb{.path = "container list", .summary = "List containers", .description = kPsDescription, .usage = "[options]",
         .args = Args::None, .setup = &setup_ps, .hidden = true},
    Verb{.path = "container ls", .summary = "List containers", .description = kPsDescription, .usage = "[options]",
         .args = Args::None, .setup = &setup_ps, .hidden = true},
    Verb{.path = "container ps", .summary = "List containers", .description = kPsDescription, .usage = "[options]",
         .args = Args::None, .setup = &setup_ps},
    NOOK_CONTAINER_VERBS("container "),
    NOOK_CONTAINER_VERBS(""),
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
         .args = Args::AtLeastOne, .setup = &setup_inspect},
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
    Verb{.path = "system info", .summary = "Display nook system information", .description = kInfoDescription,
         .usage = "[options]", .example = "nook system info", .args = Args::None, .setup = &setup_info},
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
