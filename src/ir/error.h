#pragma once
// Errors carry their context (file, node, op) in the message so that a user can find the
// offending piece of the model without a debugger.
#include <stdexcept>
#include <string>

namespace frugal {

struct Error : std::runtime_error {
    using std::runtime_error::runtime_error;
};

// Something valid that frugal does not implement (an op, an element type, a sequence input).
// Kept apart from Error so the conformance runner can skip such cases and name `feature`.
struct UnsupportedError : Error {
    UnsupportedError(const std::string& message, std::string what) : Error(message), feature(std::move(what)) {}
    std::string feature;  // "op Foo", "element type STRING", ...
};

// Builds "what" with the node context prepended: "node 'name' (Op): what".
std::string node_context(const std::string& node_name, const std::string& op);

[[noreturn]] void fail(const std::string& message);

}  // namespace frugal
