// Shared data of the lib/oci unit tests.
#pragma once

#include <string>
#include <vector>

namespace nook::oci::test_support {

// podman's default capabilities (containers.conf default_capabilities) as the spec lists them.
inline const std::vector<std::string> kDefaultCaps = {
    "CAP_CHOWN",   "CAP_DAC_OVERRIDE", "CAP_FOWNER", "CAP_FSETID", "CAP_KILL",      "CAP_NET_BIND_SERVICE",
    "CAP_SETFCAP", "CAP_SETGID",       "CAP_SETPCAP", "CAP_SETUID", "CAP_SYS_CHROOT"};

}  // namespace nook::oci::test_support
