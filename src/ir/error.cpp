#include "ir/error.h"

namespace frugal {

std::string node_context(const std::string& node_name, const std::string& op) {
    return "node '" + node_name + "' (" + op + ")";
}

void fail(const std::string& message) { throw Error(message); }

}  // namespace frugal
