#include "common/atomic_file.hpp"

#include "catch_result.hpp"
#include "temp_dir.hpp"

#include <catch2/catch.hpp>

#include <sys/stat.h>

#include <filesystem>

using namespace pvpn;
using pvpn::test::TempDir;
namespace fs = std::filesystem;

namespace {

mode_t mode_of(fs::path const& p) {
    struct stat st {};
    REQUIRE(::lstat(p.c_str(), &st) == 0);
    return st.st_mode & 07777;
}

std::vector<std::string> names_in(fs::path const& dir) {
    std::vector<std::string> out;
    for (auto const& e : fs::directory_iterator(dir)) out.push_back(e.path().filename().string());
    std::sort(out.begin(), out.end());
    return out;
}

/// Sets the umask for one scope.
struct Umask {
    explicit Umask(mode_t m) : old(::umask(m)) {}
    ~Umask() { ::umask(old); }
    mode_t old;
};

} // namespace

TEST_CASE("write_file_atomic creates a file with the mode asked for", "[atomic]") {
    TempDir dir;
    Umask loose(0);
    auto target = dir / "config.ini";
    REQUIRE(write_file_atomic(target, "a = 1\n", 0600));
    CHECK(test::read_text(target) == "a = 1\n");
    CHECK(mode_of(target) == 0600);
    CHECK(names_in(dir.path()) == std::vector<std::string>{"config.ini"});
}

TEST_CASE("write_file_atomic replaces a file and tightens its mode", "[atomic]") {
    TempDir dir;
    auto target = dir / "config.ini";
    test::write_text(target, "old contents that are longer\n");
    fs::permissions(target, fs::perms(0644));
    REQUIRE(write_file_atomic(target, "new\n", 0600));
    CHECK(test::read_text(target) == "new\n");
    CHECK(mode_of(target) == 0600);
    REQUIRE(write_file_atomic(target, "", 0600));
    CHECK(test::read_text(target).empty());
    CHECK(names_in(dir.path()) == std::vector<std::string>{"config.ini"});
}

TEST_CASE("write_file_atomic replaces a symlink, not what it points to", "[atomic]") {
    TempDir dir;
    auto victim = dir / "victim";
    test::write_text(victim, "precious\n");
    fs::create_symlink(victim, dir / "config.ini");
    REQUIRE(write_file_atomic(dir / "config.ini", "mine\n", 0600));
    CHECK(test::read_text(victim) == "precious\n");
    CHECK_FALSE(fs::is_symlink(dir / "config.ini"));
    CHECK(test::read_text(dir / "config.ini") == "mine\n");
}

TEST_CASE("a failed write names the path and leaves no temporary file", "[atomic]") {
    TempDir dir;
    SECTION("the parent is a file") {
        test::write_text(dir / "file", "x");
        auto target = dir / "file" / "config.ini";
        auto r = write_file_atomic(target, "data", 0600);
        REQUIRE_FALSE(r);
        CHECK(r.error().code == Errc::internal);
        CHECK_THAT(r.error().message, Catch::Contains(target.string()));
        CHECK_THAT(r.error().message, Catch::Contains("Not a directory"));
        CHECK(names_in(dir.path()) == std::vector<std::string>{"file"});
    }
    SECTION("the rename fails (the target is a non-empty directory)") {
        fs::create_directories(dir / "config.ini" / "inside");
        auto r = write_file_atomic(dir / "config.ini", "data", 0600);
        REQUIRE_FALSE(r);
        CHECK_THAT(r.error().message, Catch::Contains((dir / "config.ini").string()));
        CHECK_THAT(r.error().message, Catch::StartsWith("cannot replace"));
        CHECK(names_in(dir.path()) == std::vector<std::string>{"config.ini"});
        CHECK(fs::is_directory(dir / "config.ini" / "inside"));
    }
    SECTION("the directory does not exist") {
        auto r = write_file_atomic(dir / "missing" / "config.ini", "data", 0600);
        REQUIRE_FALSE(r);
        CHECK_THAT(r.error().message, Catch::Contains("No such file or directory"));
        CHECK(names_in(dir.path()).empty());
    }
}

TEST_CASE("read_file reads whole files up to a limit", "[atomic]") {
    TempDir dir;
    test::write_text(dir / "f", "hello\n");
    CHECK(read_file(dir / "f", 6).value() == "hello\n");
    auto big = read_file(dir / "f", 5);
    REQUIRE_FALSE(big);
    CHECK_THAT(big.error().message, Catch::Contains("larger than 5 bytes"));

    auto missing = read_file(dir / "nope", 100);
    REQUIRE_FALSE(missing);
    CHECK_THAT(missing.error().message, Catch::Contains((dir / "nope").string()));
    CHECK(read_file_if_exists(dir / "nope", 100).value() == std::nullopt);
    CHECK(read_file_if_exists(dir / "f", 100).value() == std::optional<std::string>("hello\n"));

    auto directory = read_file(dir.path(), 100);
    REQUIRE_FALSE(directory);
    CHECK_THAT(directory.error().message, Catch::Contains("not a regular file"));
}

TEST_CASE("ensure_private_dir creates and tightens only the directory itself", "[atomic]") {
    TempDir dir;
    Umask loose(0);
    fs::permissions(dir.path(), fs::perms(0755));
    auto nested = dir / "a" / "b";
    REQUIRE(ensure_private_dir(nested));
    CHECK(fs::is_directory(nested));
    CHECK(mode_of(nested) == 0700);
    CHECK(mode_of(dir / "a") == 0700);
    CHECK(mode_of(dir.path()) == 0755);

    fs::permissions(nested, fs::perms(0755));
    REQUIRE(ensure_private_dir(nested));
    CHECK(mode_of(nested) == 0700);

    test::write_text(dir / "file", "x");
    auto r = ensure_private_dir(dir / "file");
    REQUIRE_FALSE(r);
    CHECK_THAT(r.error().message, Catch::Contains("not a directory"));
}
