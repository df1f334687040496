#include "lib/oci/mount_spec.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace nook::oci {
namespace {

using Options = std::vector<std::string>;

MountRequest ok(Result<MountRequest> r) {
  EXPECT_TRUE(r) << r.error().message();
  return r.value_or(MountRequest{});
}

std::string error_of(Result<MountRequest> r) {
  if (r) return "no error";
  EXPECT_EQ(r.error().kind(), ErrorKind::InvalidArgument);
  return r.error().message();
}

// Options as podman 4.3.1 wrote them for the same flags (before the statfs-based defaults).
TEST(MountSpec, HostPathVolume) {
  MountRequest m = ok(parse_volume("/srv/data:/data"));
  EXPECT_EQ(m.kind, MountKind::Bind);
  EXPECT_EQ(m.source, "/srv/data");
  EXPECT_EQ(m.destination, "/data");
  EXPECT_EQ(m.options, (Options{"rw", "rprivate", "rbind"}));
  EXPECT_FALSE(m.read_only);

  MountRequest ro = ok(parse_volume("/srv:/d2/:ro,U"));
  EXPECT_EQ(ro.destination, "/d2");
  EXPECT_EQ(ro.options, (Options{"ro", "rprivate", "rbind"}));
  EXPECT_TRUE(ro.read_only);
  EXPECT_TRUE(ro.chown);

  MountRequest flags = ok(parse_volume("/srv:/d4:nosuid,exec,shared,bind"));
  EXPECT_EQ(flags.options, (Options{"nosuid", "exec", "shared", "bind", "rw"}));

  MountRequest rel = ok(parse_volume("./here:/x:z"));
  EXPECT_EQ(rel.kind, MountKind::Bind);
  EXPECT_EQ(rel.source, "./here");
  EXPECT_EQ(rel.relabel, 'z');
}

TEST(MountSpec, NamedAndAnonymousVolumes) {
  MountRequest named = ok(parse_volume("cache:/var/cache:ro,nocopy"));
  EXPECT_EQ(named.kind, MountKind::Volume);
  EXPECT_EQ(named.source, "cache");
  EXPECT_EQ(named.copy, false);
  EXPECT_TRUE(named.read_only);

  MountRequest anon = ok(parse_volume("/scratch"));
  EXPECT_EQ(anon.kind, MountKind::Volume);
  EXPECT_EQ(anon.source, "");
  EXPECT_EQ(anon.destination, "/scratch");

  MountRequest overlay = ok(parse_volume("/srv:/o:O"));
  EXPECT_TRUE(overlay.overlay);
  MountRequest idmapped = ok(parse_volume("/srv:/i:idmap=uids=0-1-10"));
  EXPECT_EQ(idmapped.idmap, "idmap=uids=0-1-10");
}

TEST(MountSpec, VolumeErrors) {
  EXPECT_EQ(error_of(parse_volume("/a:rel")), "invalid container path \"rel\", must be an absolute path");
  EXPECT_EQ(error_of(parse_volume(":/b")), "host directory cannot be empty");
  EXPECT_EQ(error_of(parse_volume("/a:/b:ro:x")),
            "\"/a:/b:ro:x\": incorrect volume format, should be [host-dir:]ctr-dir[:option]");
  EXPECT_EQ(error_of(parse_volume("/a:/b:ro,rw")),
            "invalid options \"ro, rw\", can only specify 1 'rw' or 'ro' option");
  EXPECT_EQ(error_of(parse_volume("/a:/b:z,Z")),
            "invalid options \"z, Z\", can only specify 1 'z', 'Z', or 'O' option");
  EXPECT_EQ(error_of(parse_volume("/a:/b:fast")), "invalid option type \"fast\"");
  EXPECT_EQ(error_of(parse_volume("/a:/b:O,ro")), "can't use 'O' with other options");
  EXPECT_EQ(error_of(parse_volume("-bad:/b")),
            "\"-bad\": names must match [a-zA-Z0-9][a-zA-Z0-9_.-]*: invalid argument");
}

TEST(MountSpec, Tmpfs) {
  MountRequest t = ok(parse_tmpfs("/x:size=1m,mode=700"));
  EXPECT_EQ(t.kind, MountKind::Tmpfs);
  EXPECT_EQ(t.source, "tmpfs");
  EXPECT_EQ(t.options, (Options{"size=1m", "mode=700", "rw", "rprivate", "nosuid", "nodev", "tmpcopyup"}));
  EXPECT_EQ(ok(parse_tmpfs("/scratch")).options, (Options{"rw", "rprivate", "nosuid", "nodev", "tmpcopyup"}));
  EXPECT_EQ(ok(parse_tmpfs("/y:exec,suid,notmpcopyup,ro")).options,
            (Options{"exec", "suid", "ro", "rprivate", "nodev"}));
  EXPECT_EQ(error_of(parse_tmpfs("y")), "invalid container path \"y\", must be an absolute path");
  EXPECT_EQ(error_of(parse_tmpfs("/y:rbind")),
            "the 'bind' and 'rbind' options are not allowed with tmpfs mounts: invalid mount option");
  EXPECT_EQ(error_of(parse_tmpfs("/y:size=1m,size=2m")),
            "only one tmpfs size can be specified: duplicate mount option passed");
  EXPECT_EQ(error_of(parse_tmpfs("/y:bogus")), "unknown mount option \"bogus\": invalid mount option");
}

TEST(MountSpec, MountFlag) {
  MountRequest b = ok(parse_mount("type=bind,src=/srv,dst=/d3,ro"));
  EXPECT_EQ(b.kind, MountKind::Bind);
  EXPECT_EQ(b.options, (Options{"ro", "rprivate", "rbind"}));
  EXPECT_TRUE(b.read_only);

  MountRequest t = ok(parse_mount("type=tmpfs,dst=/t2,tmpfs-size=1m,tmpfs-mode=755"));
  EXPECT_EQ(t.options, (Options{"size=1m", "mode=755", "rw", "rprivate", "nosuid", "nodev", "tmpcopyup"}));

  MountRequest p =
      ok(parse_mount("type=bind,source=/srv,target=/d5,readonly=false,bind-propagation=rslave,bind-nonrecursive"));
  EXPECT_EQ(p.destination, "/d5");
  EXPECT_EQ(p.options, (Options{"rslave", "bind", "rw"}));

  MountRequest v =
      ok(parse_mount("type=volume,source=data,destination=/v,volume-opt=o=size=1m,U=true,relabel=private"));
  EXPECT_EQ(v.kind, MountKind::Volume);
  EXPECT_EQ(v.source, "data");
  EXPECT_EQ(v.volume_options, Options{"o=size=1m"});
  EXPECT_TRUE(v.chown);
  EXPECT_EQ(v.relabel, 'Z');

  MountRequest anon = ok(parse_mount("type=volume,dst=/anon"));
  EXPECT_EQ(anon.source, "");

  MountRequest img = ok(parse_mount("type=image,src=busybox,dst=/img,rw=true"));
  EXPECT_EQ(img.kind, MountKind::Image);
  EXPECT_EQ(img.options, Options{"rw"});
  EXPECT_EQ(ok(parse_mount("type=image,src=busybox,dst=/img")).options, Options{"ro"});
}

TEST(MountSpec, MountFlagErrors) {
  EXPECT_EQ(error_of(parse_mount("src=/a,dst=/b")), "invalid mount option: must have a type");
  EXPECT_EQ(error_of(parse_mount("type=nfs,dst=/b")), "invalid filesystem type \"nfs\"");
  EXPECT_EQ(error_of(parse_mount("type=bind,dst=/b")), "must set source volume");
  EXPECT_EQ(error_of(parse_mount("type=bind,src=/a")), "must set volume destination");
  EXPECT_EQ(error_of(parse_mount("type=bind,src=/a,dst=b")), "invalid container path \"b\", must be an absolute path");
  EXPECT_EQ(error_of(parse_mount("type=tmpfs,src=/a,dst=/b")),
            "\"src\" option not supported for \"tmpfs\" mount types");
  EXPECT_EQ(error_of(parse_mount("type=bind,src=/a,dst=/b,tmpfs-size=1m")),
            "\"tmpfs-size\" option not supported for \"bind\" mount types");
  EXPECT_EQ(error_of(parse_mount("type=bind,src=/a,dst=/b,ro,rw")),
            "cannot pass 'readonly', 'ro', or 'rw' options more than once: must provide an argument for option");
  EXPECT_EQ(error_of(parse_mount("type=bind,src=/a,dst=/b,speed=fast")), "speed: invalid mount option");
  EXPECT_EQ(error_of(parse_mount("type=bind,src=/a,dst")), "dst: must provide an argument for option");
}

TEST(MountSpec, DuplicateDestinations) {
  std::vector<MountRequest> requests = {ok(parse_volume("/a:/data")), ok(parse_tmpfs("/tmp")),
                                        ok(parse_mount("type=bind,src=/b,dst=/data/"))};
  auto checked = check_duplicate_destinations(requests);
  ASSERT_FALSE(checked);
  EXPECT_EQ(checked.error().message(), "/data: duplicate mount destination");
  requests.pop_back();
  EXPECT_TRUE(check_duplicate_destinations(requests));
}

TEST(MountSpec, RamInBytes) {
  EXPECT_EQ(parse_ram_bytes("65536k").value(), 67108864);
  EXPECT_EQ(parse_ram_bytes("1m").value(), 1048576);
  EXPECT_EQ(parse_ram_bytes("512").value(), 512);
  EXPECT_EQ(parse_ram_bytes("1.5g").value(), 1610612736);
  EXPECT_EQ(parse_ram_bytes("2GiB").value(), 2147483648);
  EXPECT_EQ(parse_ram_bytes("100 kb").value(), 102400);
  for (std::string_view bad : {"", "m", "1x", "-1", "1.2.3", "1mm", "1.m"}) {
    auto r = parse_ram_bytes(bad);
    ASSERT_FALSE(r) << bad;
    EXPECT_EQ(r.error().message(), fmt::format("invalid size: '{}'", bad));
  }
}

}  // namespace
}  // namespace nook::oci
