#include "client/output.hpp"

#include <boost/json/serialize.hpp>

#include <ostream>

namespace pvpn::client {
namespace json = boost::json;

namespace {

std::string_view kind_name(CallError::Kind kind) {
    switch (kind) {
    case CallError::Kind::unreachable: return "daemon_unreachable";
    case CallError::Kind::transport: return "transport_error";
    case CallError::Kind::local: return "client_error";
    case CallError::Kind::rpc: break;
    }
    return "internal";
}

json::value const* data_member(CallError const& e, std::string_view key) {
    auto const* d = e.data.if_object();
    return d ? d->if_contains(key) : nullptr;
}

} // namespace

int exit_status(CallError const& error) {
    switch (error.kind) {
    case CallError::Kind::unreachable: return 3;
    case CallError::Kind::rpc: return exit_code(error.error.code);
    case CallError::Kind::transport:
    case CallError::Kind::local: break;
    }
    return 1;
}

json::object error_json(CallError const& error) {
    json::object e;
    bool const rpc = error.kind == CallError::Kind::rpc;
    e["code"] = rpc ? json::value(static_cast<int>(error.error.code)) : json::value(nullptr);
    e["name"] = rpc ? errc_name(error.error.code) : kind_name(error.kind);
    e["message"] = error.error.message;
    e["data"] = error.data;
    return json::object{{"error", std::move(e)}};
}

json::object usage_json(UsageError const& error) {
    return json::object{
        {"error", json::object{{"code", nullptr}, {"name", "usage"}, {"message", error.message}, {"data", nullptr}}}};
}

std::string error_hints(CallError const& error) {
    if (error.kind != CallError::Kind::rpc) return {};
    std::string out;
    switch (error.error.code) {
    case Errc::permission_denied:
        out = "hint: to control pvpnd without sudo, join group pvpn: sudo usermod -aG pvpn $USER "
              "(then log in again); or run the command with sudo\n";
        break;
    case Errc::human_verification:
        if (auto const* url = data_member(error, "url"); url && url->is_string())
            out = "Open this address in a browser and solve the challenge:\n  " +
                  std::string(url->as_string()) + "\n";
        out += "then run the command again with --hv-token TOKEN";
        if (auto const* token = data_member(error, "token"); token && token->is_string() && !token->as_string().empty())
            out += " (TOKEN: " + std::string(token->as_string()) + ")";
        out += "\n";
        break;
    case Errc::twofa_required:
        out = "hint: run the command on a terminal to be asked for the code, or store one for the next login "
              "with: pvpn init --proton --proton-2fa CODE\n";
        break;
    case Errc::rate_limited:
        if (auto const* retry = data_member(error, "retry_after"); retry && retry->is_int64())
            out = "hint: try again in " + std::to_string(retry->as_int64()) + " s\n";
        break;
    case Errc::api_error:
        if (auto const* code = data_member(error, "api_code"); code && code->is_int64())
            out = "(Proton API code " + std::to_string(code->as_int64()) + ")\n";
        break;
    default:
        break;
    }
    return out;
}

void Output::result(json::value const& raw, std::string_view human) {
    if (json_)
        out_ << json::serialize(raw) << '\n';
    else
        out_ << human;
    out_.flush();
}

int Output::failure(CallError const& error) {
    if (json_) {
        out_ << json::serialize(error_json(error)) << '\n' << std::flush;
    } else {
        err_ << "pvpn: " << error.error.message << '\n' << error_hints(error) << std::flush;
    }
    return exit_status(error);
}

int Output::usage(UsageError const& error) {
    if (json_) {
        out_ << json::serialize(usage_json(error)) << '\n' << std::flush;
    } else {
        std::string help = error.command.empty() ? "pvpn --help" : "pvpn " + error.command + " --help";
        err_ << "pvpn: " << error.message << "\nTry '" << help << "'.\n" << std::flush;
    }
    return 2;
}

void Output::note(std::string_view line) {
    if (!json_) err_ << line << '\n' << std::flush;
}

void Output::warn(std::string_view line) { err_ << "pvpn: warning: " << line << '\n' << std::flush; }

} // namespace pvpn::client
