#include "daemon/core/resume.hpp"

#include "common/atomic_file.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <system_error>

namespace pvpn::core {
namespace json = boost::json;

namespace {

constexpr std::size_t max_resume_bytes = 64 * 1024;

} // namespace

std::string resume_json(ResumeState const& state) {
    json::object o{{"version", 1}, {"params", to_json(state.params)}};
    if (state.server) o["server"] = server_record(*state.server);
    else o["server"] = nullptr;
    return json::serialize(o) + "\n";
}

Result<ResumeState> parse_resume(std::string_view text, Config const& config) {
    boost::system::error_code ec;
    auto doc = json::parse(text, ec);
    if (ec || !doc.is_object()) return fail(Errc::internal, "not a JSON object");
    auto const& o = doc.as_object();
    auto const* version = o.if_contains("version");
    if (!version || *version != 1) return fail(Errc::internal, "unknown version");
    auto const* params = o.if_contains("params");
    if (!params || !params->is_object()) return fail(Errc::internal, "no connect parameters");
    auto parsed = parse_connect_params(params->as_object(), config);
    if (!parsed) return parsed.error();
    ResumeState state{*parsed, std::nullopt};
    if (auto const* server = o.if_contains("server"); server && !server->is_null()) {
        auto s = parse_server_record(*server);
        if (!s) return s.error();
        state.server = *s;
    }
    return state;
}

Result<std::optional<ResumeState>> load_resume(std::filesystem::path const& path, Config const& config) {
    auto text = read_file_if_exists(path, max_resume_bytes);
    if (!text) return text.error();
    if (!*text) return std::optional<ResumeState>{};
    auto state = parse_resume(**text, config);
    if (!state) return fail(Errc::internal, path.string() + ": " + state.error().message);
    return std::optional<ResumeState>{*state};
}

Result<void> save_resume(std::filesystem::path const& path, ResumeState const& state) {
    return write_file_atomic(path, resume_json(state), 0600);
}

Result<void> forget_resume(std::filesystem::path const& path) {
    std::error_code ec;
    std::filesystem::remove(path, ec);
    if (ec) return fail(Errc::internal, "cannot remove " + path.string() + ": " + ec.message());
    return {};
}

} // namespace pvpn::core
