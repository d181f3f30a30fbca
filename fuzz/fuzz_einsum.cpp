// Einsum equation parser: byte 0 gives the operand count (1..4), the next bytes each operand's
// rank (0..7), the rest is the equation.
#include <cstdint>
#include <string>
#include <vector>

#include "ir/error.h"
#include "ops/einsum_equation.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size < 1) return 0;
    size_t operands = data[0] % 4 + 1;
    if (size < 1 + operands) return 0;
    std::vector<size_t> ranks;
    for (size_t i = 0; i < operands; ++i) ranks.push_back(data[1 + i] % 8);
    std::string equation(reinterpret_cast<const char*>(data) + 1 + operands, size - 1 - operands);
    try {
        frugal::EinsumSpec spec = frugal::parse_einsum(equation, ranks);
        // The resolved form's promises (einsum_equation.h): one label per axis, ids in range.
        if (spec.inputs.size() != ranks.size()) __builtin_trap();
        for (size_t i = 0; i < ranks.size(); ++i) {
            if (spec.inputs[i].size() != ranks[i]) __builtin_trap();
            for (int id : spec.inputs[i])
                if (id < 0 || id >= spec.label_count()) __builtin_trap();
        }
        for (int id : spec.output)
            if (id < 0 || id >= spec.label_count()) __builtin_trap();
    } catch (const frugal::Error&) {
    }
    return 0;
}
