// `pvpn init --qb`: qBittorrent's password hash, qBittorrent.conf editing,
// finding qbittorrent-nox's config, and the rules for writing it.
#include "catch_result.hpp"
#include "common/qbt_password.hpp"
#include "daemon/qbt/qsettings.hpp"
#include "daemon/qbt/webui_setup.hpp"
#include "temp_dir.hpp"

#include <catch2/catch.hpp>
#include <sys/stat.h>
#include <unistd.h>

#include <array>

using namespace pvpn;
using namespace pvpn::qbt;
namespace fs = std::filesystem;

namespace {

// Both vectors come from Python's hashlib, independently of OpenSSL's PKCS5_PBKDF2_HMAC:
//   hashlib.pbkdf2_hmac("sha512", "pässwörd 1".encode(), bytes(range(16)), 100000, 64)
//   hashlib.pbkdf2_hmac("sha512", b"adminadmin", b"\xff" * 16, 100000, 64)
// and qBittorrent 4.5.2 accepts a value made this way (shared/docs/lab-facts.md A2).
constexpr char const* vector_1 = "@ByteArray(AAECAwQFBgcICQoLDA0ODw==:BDAXqHae4e47cbUw6j09VXSKIAlF0aLGFO4+bkW+MzKutnq7u35"
                                 "sesD+BFuUA88UxCx1LUQ3WbNC/aGihdc4+w==)";
constexpr char const* vector_2 = "@ByteArray(/////////////////////w==:IvNVsKKMOwvlPUDABgCukuYeOEXu8Ihd186C6jM2B/FjT6kMW"
                                 "j00pZfwzOVczblM0ylSASFjFoxYdDjyWoEWCQ==)";

constexpr char const* sample_conf = "[Application]\n"
                                    "FileLogger\\Enabled=true\n"
                                    "\n"
                                    "[BitTorrent]\n"
                                    "Session\\Port=6881\n"
                                    "\n"
                                    "[Preferences]\n"
                                    "Downloads\\SavePath=/home/pi/Downloads/\n"
                                    "WebUI\\Port=8090\n"
                                    "; a comment\n"
                                    "\n"
                                    "[LegalNotice]\n"
                                    "Accepted=true\n";

/// A fake system: accounts in a map, /proc and systemd under a temp dir.
struct FakeSystem {
    test::TempDir dir;
    std::vector<Account> accounts;
    SetupEnv env;

    FakeSystem() {
        fs::create_directories(dir / "proc");
        fs::create_directories(dir / "systemd");
        env.proc_dir = dir / "proc";
        env.systemd_dir = dir / "systemd";
        env.by_name = [this](std::string const& name) -> std::optional<Account> {
            for (auto const& a : accounts)
                if (a.name == name) return a;
            return std::nullopt;
        };
        env.by_uid = [this](uid_t uid) -> std::optional<Account> {
            for (auto const& a : accounts)
                if (a.uid == uid) return a;
            return std::nullopt;
        };
    }
    /// A user owned by the test's own uid (so no chown needs root), with a home.
    Account& user(std::string name) {
        auto home = dir / "home" / name;
        fs::create_directories(home);
        accounts.push_back(Account{name, ::getuid(), ::getgid(), home});
        return accounts.back();
    }
    fs::path conf_of(std::string const& name) const { return dir / "home" / name / ".config/qBittorrent/qBittorrent.conf"; }
    void process(int pid, std::string comm, uid_t uid, char state = 'S') {
        auto d = dir / "proc" / std::to_string(pid);
        fs::create_directories(d);
        test::write_text(d / "comm", comm + "\n");
        test::write_text(d / "status", "Name:\t" + comm + "\nUmask:\t0022\nState:\t" + std::string(1, state) +
                                           " (x)\nUid:\t" + std::to_string(uid) + "\t" + std::to_string(uid) +
                                           "\t0\t0\nGid:\t0\n");
    }
    WebUiRequest request() const {
        WebUiRequest r;
        r.caller = ::getuid();
        r.user = "pvpnuser";
        r.password_hash = vector_1;
        r.address = "127.0.0.1";
        r.port = 8080;
        return r;
    }
};

} // namespace

TEST_CASE("the WebUI password hash is qBittorrent's PBKDF2-HMAC-SHA512", "[qbt]") {
    std::array<std::uint8_t, 16> salt{};
    for (std::uint8_t i = 0; i < 16; ++i) salt[i] = i;
    CHECK(qbt_password_hash("pässwörd 1", salt) == vector_1);
    std::array<std::uint8_t, 16> ff{};
    ff.fill(0xff);
    CHECK(qbt_password_hash("adminadmin", ff) == vector_2);

    auto fresh = qbt_password_hash("secret").value();
    CHECK(is_qbt_password_hash(fresh));
    CHECK(fresh != qbt_password_hash("secret").value());  // a new salt every time
    CHECK(is_qbt_password_hash(vector_1));
    CHECK_FALSE(is_qbt_password_hash("AAECAwQFBgcICQoLDA0ODw==:abc"));
    CHECK_FALSE(is_qbt_password_hash("@ByteArray(AAECAwQFBgcICQoLDA0ODw==)"));
    CHECK_FALSE(is_qbt_password_hash("@ByteArray(AAEC:BDAX)"));
    CHECK_FALSE(is_qbt_password_hash("@ByteArray(AAECAwQFBgcICQoLDA0ODw==:BDAX\nqHae)"));
}

TEST_CASE("qBittorrent.conf keys are read and set in place", "[qbt]") {
    CHECK(qsettings_get(sample_conf, "Preferences", "WebUI\\Port") == "8090");
    CHECK(qsettings_get(sample_conf, "BitTorrent", "Session\\Port") == "6881");
    CHECK_FALSE(qsettings_get(sample_conf, "Preferences", "Session\\Port"));
    CHECK_FALSE(qsettings_get(sample_conf, "Nowhere", "WebUI\\Port"));

    auto out = qsettings_set(sample_conf, "Preferences",
                             {{"WebUI\\Port", "8080"}, {"WebUI\\Username", "pi"}, {"WebUI\\Password_PBKDF2", "\"x\""}});
    CHECK(out == "[Application]\n"
                 "FileLogger\\Enabled=true\n"
                 "\n"
                 "[BitTorrent]\n"
                 "Session\\Port=6881\n"
                 "\n"
                 "[Preferences]\n"
                 "Downloads\\SavePath=/home/pi/Downloads/\n"
                 "WebUI\\Port=8080\n"
                 "WebUI\\Username=pi\n"
                 "WebUI\\Password_PBKDF2=\"x\"\n"
                 "; a comment\n"
                 "\n"
                 "[LegalNotice]\n"
                 "Accepted=true\n");
    CHECK(qsettings_get(out, "Preferences", "WebUI\\Password_PBKDF2") == "\"x\"");

    CHECK(qsettings_set("", "Preferences", {{"WebUI\\Port", "8080"}}) == "[Preferences]\nWebUI\\Port=8080\n");
    CHECK(qsettings_set("[BitTorrent]\nSession\\Port=1", "Preferences", {{"A", "1"}}) ==
          "[BitTorrent]\nSession\\Port=1\n\n[Preferences]\nA=1\n");
    CHECK(qsettings_set("[Preferences]\nA=1\nB=2\nA=3\n", "Preferences", {{"A", "9"}}) == "[Preferences]\nA=9\nB=2\n");
}

TEST_CASE("a WebUI counts as set up with a password and not switched off", "[qbt]") {
    CHECK_FALSE(webui_set_up(sample_conf));
    CHECK(webui_set_up("[Preferences]\nWebUI\\Password_PBKDF2=\"@ByteArray(a:b)\"\n"));
    CHECK(webui_set_up("[Preferences]\nWebUI\\Password_ha1=@ByteArray(abc)\n"));
    CHECK_FALSE(webui_set_up("[Preferences]\nWebUI\\Enabled=false\nWebUI\\Password_PBKDF2=\"@ByteArray(a:b)\"\n"));
    CHECK_FALSE(webui_set_up("[BitTorrent]\nWebUI\\Password_PBKDF2=\"@ByteArray(a:b)\"\n"));
}

TEST_CASE("qbittorrent-nox's user comes from its systemd service", "[qbt]") {
    FakeSystem sys;
    fs::create_directories(sys.dir / "systemd/multi-user.target.wants");
    test::write_text(sys.dir / "systemd/multi-user.target.wants/qbittorrent-nox@pi.service", "");
    test::write_text(sys.dir / "systemd/multi-user.target.wants/ssh.service", "");
    test::write_text(sys.dir / "systemd/qbittorrent.service", "[Service]\nUser=torrent\nExecStart=/usr/bin/x\n");
    CHECK(service_users(sys.env.systemd_dir) == std::vector<std::string>{"pi", "torrent"});
    CHECK(service_users(sys.dir / "missing").empty());

    sys.process(100, "qbittorrent-nox", 1000);
    sys.process(101, "bash", 1000);
    sys.process(102, "qbittorrent-nox", 0);
    sys.process(103, "qbittorrent-nox", 0, 'Z');  // exited, not reaped: it writes nothing any more
    auto running = running_qbittorrent(sys.env.proc_dir);
    REQUIRE(running.size() == 2);
    std::sort(running.begin(), running.end(), [](auto const& a, auto const& b) { return a.pid < b.pid; });
    CHECK(running[0].pid == 100);
    CHECK(running[0].uid == 1000);
    CHECK(running[1].uid == 0);
}

TEST_CASE("init --qb finds the service user's qBittorrent.conf and enables the WebUI there", "[qbt]") {
    FakeSystem sys;
    sys.user("alice");
    sys.user("pi");
    fs::create_directories(sys.dir / "systemd/multi-user.target.wants");
    test::write_text(sys.dir / "systemd/multi-user.target.wants/qbittorrent-nox@pi.service", "");
    fs::create_directories(sys.conf_of("pi").parent_path());
    test::write_text(sys.conf_of("pi"), sample_conf);
    ::chmod(sys.conf_of("pi").c_str(), 0640);

    auto req = sys.request();
    req.hint_user = "alice";
    req.dry_run = true;
    auto look = setup_webui(sys.env, req);
    REQUIRE(look);
    CHECK(look->conf == sys.conf_of("pi"));
    CHECK(look->owner == "pi");
    CHECK(look->found_by == "service");
    CHECK(look->exists);
    CHECK_FALSE(look->set_up);
    CHECK_FALSE(look->changed);
    CHECK(test::read_text(sys.conf_of("pi")) == sample_conf);

    req.dry_run = false;
    auto done = setup_webui(sys.env, req);
    REQUIRE(done);
    CHECK(done->changed);
    CHECK_THAT(done->message, Catch::Contains("Restart qbittorrent-nox once"));
    auto text = test::read_text(sys.conf_of("pi"));
    CHECK(qsettings_get(text, "Preferences", "WebUI\\Enabled") == "true");
    CHECK(qsettings_get(text, "Preferences", "WebUI\\Address") == "127.0.0.1");
    CHECK(qsettings_get(text, "Preferences", "WebUI\\Port") == "8080");
    CHECK(qsettings_get(text, "Preferences", "WebUI\\Username") == "pvpnuser");
    CHECK(qsettings_get(text, "Preferences", "WebUI\\Password_PBKDF2") == std::string("\"") + vector_1 + "\"");
    CHECK(qsettings_get(text, "LegalNotice", "Accepted") == "true");  // the rest is kept
    struct stat st {};
    REQUIRE(::stat(sys.conf_of("pi").c_str(), &st) == 0);
    CHECK((st.st_mode & 07777) == 0640);  // its mode is kept

    auto again = setup_webui(sys.env, req);  // now set up: left alone
    REQUIRE(again);
    CHECK(again->set_up);
    CHECK_FALSE(again->changed);
    CHECK_THAT(again->message, Catch::Contains("already set up"));
}

TEST_CASE("init --qb creates the config of a user whose qbittorrent-nox never ran", "[qbt]") {
    FakeSystem sys;
    sys.user("carol");
    auto req = sys.request();
    req.hint_user = "carol";
    auto done = setup_webui(sys.env, req);
    REQUIRE(done);
    CHECK(done->conf == sys.conf_of("carol"));
    CHECK(done->found_by == "user");
    CHECK(done->changed);
    CHECK(test::read_text(sys.conf_of("carol")) == std::string("[Preferences]\nWebUI\\Enabled=true\nWebUI\\Address=127.0.0.1\n"
                                                    "WebUI\\Port=8080\nWebUI\\Username=pvpnuser\n"
                                                    "WebUI\\Password_PBKDF2=\"") + vector_1 + "\"\n");
}

TEST_CASE("init --qb refuses while qbittorrent-nox runs, and odd requests", "[qbt]") {
    FakeSystem sys;
    sys.user("pi");
    fs::create_directories(sys.conf_of("pi").parent_path());
    test::write_text(sys.conf_of("pi"), sample_conf);
    auto req = sys.request();
    req.conf = sys.conf_of("pi");

    sys.process(4242, "qbittorrent-nox", ::getuid());
    auto look = req;
    look.dry_run = true;
    auto seen = setup_webui(sys.env, look);
    REQUIRE(seen);
    REQUIRE(seen->running.size() == 1);
    CHECK(seen->running[0].pid == 4242);
    auto busy = setup_webui(sys.env, req);
    REQUIRE_FALSE(busy);
    CHECK(busy.error().code == Errc::busy);
    CHECK_THAT(busy.error().message, Catch::Contains("qbittorrent-nox is running as pi (pid 4242)"));
    CHECK(test::read_text(sys.conf_of("pi")) == sample_conf);
    fs::remove_all(sys.dir / "proc/4242");

    auto bad = req;
    bad.conf = sys.dir / "home/pi/qb.conf";
    CHECK(setup_webui(sys.env, bad).error().code == Errc::invalid_params);
    bad.conf = fs::path("relative/qBittorrent.conf");
    CHECK(setup_webui(sys.env, bad).error().code == Errc::invalid_params);
    bad = req;
    bad.password_hash = "plain password";
    CHECK(setup_webui(sys.env, bad).error().code == Errc::invalid_params);
    bad = req;
    bad.user = "a b";
    CHECK(setup_webui(sys.env, bad).error().code == Errc::invalid_params);
    bad = req;
    bad.caller = ::getuid() + 1;
    CHECK(setup_webui(sys.env, bad).error().code == Errc::permission_denied);
    auto link = sys.dir / "home/pi/link/qBittorrent.conf";
    fs::create_directories(link.parent_path());
    fs::create_symlink(sys.conf_of("pi"), link);
    bad = req;
    bad.conf = link;
    CHECK(setup_webui(sys.env, bad).error().code == Errc::invalid_params);
    CHECK(test::read_text(sys.conf_of("pi")) == sample_conf);

    FakeSystem nobody;
    auto none = nobody.request();
    none.caller = 0;
    CHECK(setup_webui(nobody.env, none).error().code == Errc::not_configured);
}
