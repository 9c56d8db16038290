// The client's socket layer against a scripted fake daemon on a temporary
// Unix socket: replies split across reads, notifications in between, errors,
// a daemon that is not running, one that closes or never answers.
#include "client/rpc_client.hpp"

#include <boost/json.hpp>
#include <catch2/catch.hpp>

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <filesystem>
#include <functional>
#include <string>
#include <thread>

using namespace pvpn;
using namespace pvpn::client;
namespace json = boost::json;
using namespace std::chrono_literals;

namespace {

std::string temp_socket_path(std::string_view name) {
    return (std::filesystem::temp_directory_path() /
            ("pvpn-test-" + std::to_string(::getpid()) + "-" + std::string(name) + ".sock"))
        .string();
}

int listen_on(std::string const& path) {
    ::unlink(path.c_str());
    int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::strncpy(addr.sun_path, path.c_str(), sizeof addr.sun_path - 1);
    REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
    REQUIRE(::listen(fd, 4) == 0);
    return fd;
}

std::string read_line(int fd) {
    std::string line;
    char c = 0;
    while (::read(fd, &c, 1) == 1 && c != '\n') line.push_back(c);
    return line;
}

void write_all(int fd, std::string_view text) {
    while (!text.empty()) {
        auto n = ::write(fd, text.data(), text.size());
        if (n <= 0) return;
        text.remove_prefix(static_cast<std::size_t>(n));
    }
}

// Accepts one connection and runs `script` on it in a thread.
class FakeDaemon {
public:
    FakeDaemon(std::string_view name, std::function<void(int)> script)
        : path_(temp_socket_path(name)), listener_(listen_on(path_)) {
        thread_ = std::thread([this, script = std::move(script)] {
            int fd = ::accept4(listener_, nullptr, nullptr, SOCK_CLOEXEC);
            if (fd < 0) return;
            script(fd);
            ::close(fd);
        });
    }
    ~FakeDaemon() {
        ::shutdown(listener_, SHUT_RDWR);
        thread_.join();
        ::close(listener_);
        ::unlink(path_.c_str());
    }
    std::string const& path() const { return path_; }

private:
    std::string path_;
    int listener_;
    std::thread thread_;
};

} // namespace

TEST_CASE("a missing socket means pvpnd is not running", "[cli]") {
    RpcClient rpc(temp_socket_path("missing"));
    auto e = rpc.connect(1s);
    REQUIRE(e.has_value());
    CHECK(e->kind == CallError::Kind::unreachable);
    CHECK_THAT(e->error.message, Catch::Contains("pvpnd is not running (cannot connect to " + rpc.socket_path() + ")") &&
                                     Catch::Contains("systemctl start pvpnd"));
}

TEST_CASE("a stale socket file (nobody listening) means pvpnd is not running", "[cli]") {
    auto path = temp_socket_path("stale");
    ::close(listen_on(path));
    RpcClient rpc(path);
    auto e = rpc.connect(1s);
    ::unlink(path.c_str());
    REQUIRE(e.has_value());
    CHECK(e->kind == CallError::Kind::unreachable);
    CHECK_THAT(e->error.message, Catch::Contains("pvpnd is not running"));
}

TEST_CASE("a call sends one request line and reads a reply split across writes", "[cli]") {
    std::string request;
    {
        FakeDaemon daemon("call", [&](int fd) {
            request = read_line(fd);
            write_all(fd, R"({"jsonrpc":"2.0","method":"event","params":{"type":"state"}})" "\n");
            write_all(fd, R"({"jsonrpc":"2.0","id":1,"res)");
            std::this_thread::sleep_for(20ms);
            write_all(fd, R"(ult":{"state":"connected"}})" "\n");
        });
        RpcClient rpc(daemon.path());
        REQUIRE_FALSE(rpc.connect(1s));
        auto r = rpc.call("status.v1", json::object{{"x", 1}}, 2s);
        REQUIRE(r.has_value());
        CHECK(r->at("state") == "connected");
    }
    auto req = json::parse(request).as_object();
    CHECK(req.at("jsonrpc") == "2.0");
    CHECK(req.at("id") == 1);
    CHECK(req.at("method") == "status.v1");
    CHECK(req.at("params") == json::object{{"x", 1}});
}

TEST_CASE("an error reply carries code, message and data", "[cli]") {
    FakeDaemon daemon("error", [](int fd) {
        read_line(fd);
        write_all(fd, R"({"jsonrpc":"2.0","id":1,"error":{"code":-32012,"message":"verify","data":{"name":"human_verification","url":"https://v"}}})" "\n");
    });
    RpcClient rpc(daemon.path());
    REQUIRE_FALSE(rpc.connect(1s));
    auto r = rpc.call("connect.v1", {}, 2s);
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().kind == CallError::Kind::rpc);
    CHECK(r.error().error.code == Errc::human_verification);
    CHECK(r.error().error.message == "verify");
    CHECK(r.error().data.at("url") == "https://v");
}

TEST_CASE("a daemon that closes or never answers is a transport error", "[cli]") {
    SECTION("closed") {
        FakeDaemon daemon("closed", [](int fd) { read_line(fd); });
        RpcClient rpc(daemon.path());
        REQUIRE_FALSE(rpc.connect(1s));
        auto r = rpc.call("status.v1", {}, 2s);
        REQUIRE_FALSE(r.has_value());
        CHECK(r.error().kind == CallError::Kind::transport);
        CHECK_THAT(r.error().error.message, Catch::Contains("closed the connection"));
    }
    SECTION("silent") {
        FakeDaemon daemon("silent", [](int fd) {
            read_line(fd);
            std::this_thread::sleep_for(600ms);
        });
        RpcClient rpc(daemon.path());
        REQUIRE_FALSE(rpc.connect(1s));
        auto start = std::chrono::steady_clock::now();
        auto r = rpc.call("status.v1", {}, 200ms);
        REQUIRE_FALSE(r.has_value());
        CHECK(std::chrono::steady_clock::now() - start < 550ms);
        CHECK(r.error().kind == CallError::Kind::transport);
        CHECK_THAT(r.error().error.message, Catch::Contains("did not answer"));
    }
    SECTION("garbage") {
        FakeDaemon daemon("garbage", [](int fd) {
            read_line(fd);
            write_all(fd, "not json\n");
        });
        RpcClient rpc(daemon.path());
        REQUIRE_FALSE(rpc.connect(1s));
        auto r = rpc.call("status.v1", {}, 2s);
        REQUIRE_FALSE(r.has_value());
        CHECK(r.error().kind == CallError::Kind::transport);
    }
}

TEST_CASE("notifications are delivered one at a time after subscribing", "[cli]") {
    FakeDaemon daemon("watch", [](int fd) {
        read_line(fd);
        write_all(fd, R"({"jsonrpc":"2.0","id":1,"result":{"subscribed":true}})" "\n"
                      R"({"jsonrpc":"2.0","method":"event","params":{"type":"state","time":1}})" "\n");
        std::this_thread::sleep_for(20ms);
        write_all(fd, R"({"jsonrpc":"2.0","method":"event","params":{"type":"port","time":2}})" "\n");
    });
    RpcClient rpc(daemon.path());
    REQUIRE_FALSE(rpc.connect(1s));
    REQUIRE(rpc.call("watch.v1", {}, 2s).has_value());
    std::vector<std::string> types;
    auto collect = [&](std::string_view method, json::object const& params) {
        CHECK(method == "event");
        types.emplace_back(params.at("type").as_string());
    };
    CHECK_FALSE(rpc.wait_notification(collect, false));
    CHECK_FALSE(rpc.wait_notification(collect, false));
    CHECK(types == std::vector<std::string>{"state", "port"});
    auto end = rpc.wait_notification(collect, false);
    REQUIRE(end);
    CHECK_THAT(end->error.message, Catch::Contains("closed the connection"));
}
