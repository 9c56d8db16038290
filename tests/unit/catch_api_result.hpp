// Lets Catch print a proton::ApiResult when a check on it fails, e.g.
// REQUIRE(session.ensure()) shows "error auth_failed (HTTP 422, Code 8002): <message>".
#pragma once

#include "catch_result.hpp"
#include "daemon/proton/api.hpp"

#include <catch2/catch.hpp>

#include <string>

namespace Catch {

template <class T>
struct StringMaker<pvpn::proton::ApiResult<T>> {
    static std::string convert(pvpn::proton::ApiResult<T> const& r) {
        if (r) return "ok";
        auto const& e = r.error();
        return "error " + std::string(pvpn::errc_name(e.error.code)) + " (HTTP " + std::to_string(e.http_status) +
               ", Code " + std::to_string(e.api_code) + "): " + e.error.message;
    }
};

} // namespace Catch
