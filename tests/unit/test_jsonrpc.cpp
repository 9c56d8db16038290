#include "proto/jsonrpc.hpp"
#include "proto/methods.hpp"

#include <catch2/catch.hpp>

#include <set>

using namespace pvpn;
using namespace pvpn::proto;

TEST_CASE("a well-formed request parses", "[rpc]") {
    auto r = parse_request(R"({"jsonrpc":"2.0","id":7,"method":"status.v1","params":{"a":1}})");
    REQUIRE(r.has_value());
    CHECK(r->method == "status.v1");
    CHECK(r->has_id);
    CHECK(r->id.as_int64() == 7);
    CHECK(r->params.at("a").as_int64() == 1);
}

TEST_CASE("a notification has no id and params may be absent", "[rpc]") {
    auto r = parse_request(R"({"jsonrpc":"2.0","method":"hello.v1"})");
    REQUIRE(r.has_value());
    CHECK_FALSE(r->has_id);
    CHECK(r->params.empty());
}

TEST_CASE("malformed requests get the right JSON-RPC errors", "[rpc]") {
    auto code = [](std::string_view line) { return parse_request(line).error().error.code; };
    CHECK(code("{not json") == Errc::parse_error);
    CHECK(code("") == Errc::parse_error);
    CHECK(code("[1,2]") == Errc::invalid_request);
    CHECK(code("42") == Errc::invalid_request);
    CHECK(code(R"({"id":1,"method":"status.v1"})") == Errc::invalid_request);
    CHECK(code(R"({"jsonrpc":"1.0","id":1,"method":"status.v1"})") == Errc::invalid_request);
    CHECK(code(R"({"jsonrpc":"2.0","id":1,"method":7})") == Errc::invalid_request);
    CHECK(code(R"({"jsonrpc":"2.0","id":{"x":1},"method":"a"})") == Errc::invalid_request);
    CHECK(code(R"({"jsonrpc":"2.0","id":1,"method":"a","params":[1]})") == Errc::invalid_params);
    CHECK(code(R"({"jsonrpc":"2.0","id":1,"method":"a","extra":true})") == Errc::invalid_request);
}

TEST_CASE("errors keep the request id when it could be read", "[rpc]") {
    auto r = parse_request(R"({"jsonrpc":"2.0","id":"abc","method":"a","params":"x"})");
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().id.as_string() == "abc");
}

TEST_CASE("replies round-trip through encode and parse_reply", "[rpc]") {
    auto ok = parse_reply(encode_result(3, boost::json::object{{"x", 1}}));
    REQUIRE(ok.has_value());
    REQUIRE(ok->result);
    CHECK(ok->result->as_object().at("x").as_int64() == 1);

    auto err = parse_reply(encode_error(4, Error{Errc::permission_denied, "nope"}));
    REQUIRE(err.has_value());
    REQUIRE(err->error);
    CHECK(err->error->code == Errc::permission_denied);
    CHECK(err->error->message == "nope");
    CHECK(err->error_data.as_object().at("name").as_string() == "permission_denied");

    auto note = parse_reply(encode_notification("event", boost::json::object{{"type", "state"}}));
    REQUIRE(note.has_value());
    CHECK(note->is_notification());
    CHECK(note->params.at("type").as_string() == "state");
}

TEST_CASE("every encoded message is exactly one line", "[rpc]") {
    auto line = encode_result(1, boost::json::value("multi\nline\ntext"));
    CHECK(line.back() == '\n');
    CHECK(line.find('\n') == line.size() - 1);
}

TEST_CASE("the framer reassembles split reads", "[rpc]") {
    LineFramer f(100);
    CHECK(f.feed("{\"a\""));
    CHECK_FALSE(f.next_line());
    CHECK(f.feed(":1}\n{\"b\":2}\r\n{\"c\""));
    CHECK(f.next_line() == std::optional<std::string>("{\"a\":1}"));
    CHECK(f.next_line() == std::optional<std::string>("{\"b\":2}"));
    CHECK_FALSE(f.next_line());
    CHECK(f.pending() == 4);
    CHECK(f.feed(":3}\n"));
    CHECK(f.next_line() == std::optional<std::string>("{\"c\":3}"));
}

TEST_CASE("the framer is poisoned by an oversize line, split or whole", "[rpc]") {
    LineFramer split(10);
    CHECK(split.feed("0123456789"));
    CHECK_FALSE(split.feed("x"));
    CHECK(split.poisoned());

    LineFramer whole(10);
    whole.feed("short\n0123456789abc\n");
    CHECK(whole.next_line() == std::optional<std::string>("short"));
    CHECK_FALSE(whole.next_line());
    CHECK(whole.poisoned());
}

TEST_CASE("the method table is sorted and unique, names are versioned", "[rpc]") {
    std::set<std::string_view> seen;
    for (std::size_t i = 0; i < methods.size(); ++i) {
        CHECK(seen.insert(methods[i].name).second);
        if (i > 0) CHECK(methods[i - 1].name < methods[i].name);
        auto n = methods[i].name;
        CHECK(n.substr(n.rfind('.')).starts_with(".v"));
    }
    CHECK(find_method("status.v1")->access == Access::read);
    CHECK(find_method("connect.v1")->access == Access::control);
    CHECK(find_method("nope") == nullptr);
}

TEST_CASE("error codes map to documented exit codes", "[rpc]") {
    CHECK(exit_code(Errc::permission_denied) == 4);
    CHECK(exit_code(Errc::no_server) == 12);
    CHECK(errc_from_int(-32001) == Errc::permission_denied);
    CHECK(errc_from_int(12345) == Errc::internal);
}
