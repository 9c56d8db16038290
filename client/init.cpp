#include "client/init.hpp"

#include "common/log.hpp"
#include "proto/methods.hpp"

namespace pvpn::client {
namespace json = boost::json;

namespace {

// The current text of section.key in a config.get.v1 result ("" if absent).
std::string current_value(json::value const& current, std::string_view section, std::string_view key) {
    auto const* root = current.if_object();
    auto const* sections = root ? root->if_contains("sections") : nullptr;
    auto const* sec = sections && sections->is_object() ? sections->as_object().if_contains(section) : nullptr;
    auto const* v = sec && sec->is_object() ? sec->as_object().if_contains(key) : nullptr;
    if (!v || v->is_null()) return {};
    if (v->is_string()) return std::string(v->as_string());
    return json::serialize(*v);
}

std::string_view hint(ValueKind kind) {
    switch (kind) {
    case ValueKind::boolean: return " (true/false)";
    case ValueKind::threshold: return " (1..100)";
    case ValueKind::port: return " (1..65535)";
    case ValueKind::twofa: return " (6 digits)";
    default: return "";
    }
}

void register_secrets(json::object const& sections) {
    for (auto const& spec : flags()) {
        if (!is_secret(spec.kind) || spec.section.empty()) continue;
        auto const* sec = sections.if_contains(spec.section);
        auto const* v = sec && sec->is_object() ? sec->as_object().if_contains(spec.key) : nullptr;
        if (v && v->is_string()) log::add_secret(v->as_string());
    }
}

} // namespace

std::string init_question(FlagSpec const& spec, std::string_view current) {
    std::string q(spec.prompt);
    q += hint(spec.kind);
    if (is_secret(spec.kind)) {
        if (!current.empty()) q += " [(set)]";
    } else if (!current.empty()) {
        q += " [";
        q += current;
        q += "]";
    }
    return q + ": ";
}

std::optional<json::object> collect_init_values(InitPlan const& plan, json::value const& current,
                                                Terminal* terminal) {
    json::object out = plan.sections;
    register_secrets(out);
    if (!terminal) return out;
    for (auto const& scope : scopes()) {
        auto* section = out.if_contains(scope.section);
        if (!section || !section->is_object()) continue;
        terminal->say("[" + std::string(scope.section) + "] " + std::string(scope.title) +
                      " (Enter keeps the value in brackets)");
        for (auto const& spec : flags()) {
            if (spec.section != scope.section || section->as_object().contains(spec.key)) continue;
            auto const question = init_question(spec, current_value(current, spec.section, spec.key));
            for (;;) {
                auto answer = terminal->ask(question, is_secret(spec.kind));
                if (!answer) return std::nullopt;
                if (is_secret(spec.kind)) log::add_secret(*answer);
                if (answer->empty()) break;
                auto value = validate_flag(spec, *answer);
                if (value) {
                    section->as_object()[spec.key] = std::move(*value);
                    break;
                }
                terminal->say(value.error().message);
            }
        }
    }
    return out;
}

CallResult run_init(RpcClient& rpc, InitPlan const& plan, Terminal* terminal, std::chrono::milliseconds timeout,
                    json::object& sent) {
    auto current = rpc.call(proto::method::config_get, {}, timeout);
    if (!current) return current.error();
    auto sections = collect_init_values(plan, *current, terminal);
    if (!sections)
        return CallError{CallError::Kind::local,
                         Error{Errc::internal, "input ended before init was complete: nothing was changed"}, nullptr};
    sent = *sections;
    return rpc.call(proto::method::config_set, std::move(*sections), timeout);
}

} // namespace pvpn::client
