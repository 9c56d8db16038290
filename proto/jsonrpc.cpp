#include "proto/jsonrpc.hpp"

namespace pvpn::proto {
namespace json = boost::json;

namespace {

RequestError bad(Errc code, std::string message, json::value id = nullptr) {
    return RequestError{Error{code, std::move(message)}, std::move(id)};
}

bool valid_id(json::value const& id) {
    return id.is_string() || id.is_int64() || id.is_uint64() || id.is_null();
}

} // namespace

boost::system::result<Request, RequestError> parse_request(std::string_view line) {
    boost::system::error_code ec;
    json::value v = json::parse(line, ec);
    if (ec) return bad(Errc::parse_error, "parse error: not valid JSON");
    if (v.is_array()) return bad(Errc::invalid_request, "batch requests are not supported");
    if (!v.is_object()) return bad(Errc::invalid_request, "a request must be a JSON object");
    auto& obj = v.as_object();

    Request req;
    if (auto const* id = obj.if_contains("id")) {
        if (!valid_id(*id)) return bad(Errc::invalid_request, "\"id\" must be a string, an integer or null");
        req.id = *id;
        req.has_id = true;
    }
    auto const* version = obj.if_contains("jsonrpc");
    if (!version || !version->is_string() || version->as_string() != "2.0")
        return bad(Errc::invalid_request, "\"jsonrpc\" must be \"2.0\"", req.id);
    auto const* method = obj.if_contains("method");
    if (!method || !method->is_string() || method->as_string().empty())
        return bad(Errc::invalid_request, "\"method\" must be a non-empty string", req.id);
    req.method = std::string(method->as_string());
    if (auto const* params = obj.if_contains("params")) {
        if (params->is_object())
            req.params = params->as_object();
        else if (!params->is_null())
            return bad(Errc::invalid_params, "\"params\" must be an object", req.id);
    }
    for (auto const& kv : obj) {
        auto k = kv.key();
        if (k != "jsonrpc" && k != "id" && k != "method" && k != "params")
            return bad(Errc::invalid_request, "unknown member \"" + std::string(k) + "\"", req.id);
    }
    return req;
}

std::string encode_request(json::value const& id, std::string_view method, json::object params) {
    json::object o;
    o["jsonrpc"] = "2.0";
    o["id"] = id;
    o["method"] = method;
    o["params"] = std::move(params);
    return json::serialize(o) + "\n";
}

std::string encode_result(json::value const& id, json::value result) {
    json::object o;
    o["jsonrpc"] = "2.0";
    o["id"] = id;
    o["result"] = std::move(result);
    return json::serialize(o) + "\n";
}

std::string encode_error(json::value const& id, Error const& error, json::value data) {
    json::object err;
    err["code"] = static_cast<int>(error.code);
    err["message"] = error.message;
    json::object d = error.data;
    if (data.is_object())
        for (auto const& kv : data.as_object()) d[kv.key()] = kv.value();
    d["name"] = errc_name(error.code);
    err["data"] = std::move(d);
    json::object o;
    o["jsonrpc"] = "2.0";
    o["id"] = id;
    o["error"] = std::move(err);
    return json::serialize(o) + "\n";
}

std::string encode_notification(std::string_view method, json::object params) {
    json::object o;
    o["jsonrpc"] = "2.0";
    o["method"] = method;
    o["params"] = std::move(params);
    return json::serialize(o) + "\n";
}

Result<Reply> parse_reply(std::string_view line) {
    boost::system::error_code ec;
    json::value v = json::parse(line, ec);
    if (ec || !v.is_object()) return fail(Errc::parse_error, "the daemon sent a reply that is not JSON");
    auto& o = v.as_object();
    Reply r;
    if (auto const* id = o.if_contains("id")) r.id = *id;
    if (auto const* m = o.if_contains("method"); m && m->is_string()) {
        r.method = std::string(m->as_string());
        if (auto const* p = o.if_contains("params"); p && p->is_object()) r.params = p->as_object();
        return r;
    }
    if (auto const* res = o.if_contains("result")) {
        r.result = *res;
        return r;
    }
    auto const* err = o.if_contains("error");
    if (!err || !err->is_object()) return fail(Errc::parse_error, "the daemon sent a reply without result or error");
    auto const& eo = err->as_object();
    Error e;
    if (auto const* c = eo.if_contains("code"); c && c->is_int64())
        e.code = errc_from_int(static_cast<int>(c->as_int64()));
    if (auto const* m = eo.if_contains("message"); m && m->is_string()) e.message = std::string(m->as_string());
    if (auto const* d = eo.if_contains("data")) {
        r.error_data = *d;
        if (d->is_object()) e.data = d->as_object();
    }
    r.error = std::move(e);
    return r;
}

bool LineFramer::feed(std::string_view bytes) {
    if (poisoned_) return false;
    if (start_ > 0 && start_ == buffer_.size()) {
        buffer_.clear();
        start_ = tail_ = 0;
    }
    auto const old_size = buffer_.size();
    buffer_.append(bytes);
    // Only the unterminated tail counts against the limit. Newlines are looked
    // for in the new bytes only, so a long message arriving in pieces costs
    // linear time.
    if (auto nl = bytes.rfind('\n'); nl != std::string_view::npos) tail_ = old_size + nl + 1;
    if (buffer_.size() - tail_ > limit_) {
        poisoned_ = true;
        buffer_.clear();
        start_ = tail_ = 0;
        return false;
    }
    return true;
}

std::optional<std::string> LineFramer::next_line() {
    // A complete line is pending only if a newline came after start_.
    auto nl = tail_ > start_ ? buffer_.find('\n', start_) : std::string::npos;
    if (nl == std::string::npos) {
        if (start_ > 0) {
            buffer_.erase(0, start_);
            tail_ -= start_;
            start_ = 0;
        }
        return std::nullopt;
    }
    std::string line = buffer_.substr(start_, nl - start_);
    start_ = nl + 1;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.size() > limit_) {
        poisoned_ = true;
        return std::nullopt;
    }
    return line;
}

} // namespace pvpn::proto
