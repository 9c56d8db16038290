// Lets Catch print a pvpn::Result when a check on it fails, e.g.
// REQUIRE(store.load()) shows "error config_invalid: <message>".
#pragma once

#include "common/error.hpp"

#include <catch2/catch.hpp>

#include <string>

namespace Catch {

template <class T>
struct StringMaker<pvpn::Result<T>> {
    static std::string convert(pvpn::Result<T> const& r) {
        if (r) return "ok";
        return "error " + std::string(pvpn::errc_name(r.error().code)) + ": " + r.error().message;
    }
};

} // namespace Catch
