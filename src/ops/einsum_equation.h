#pragma once
// The Einsum equation, parsed and resolved against the operands' ranks. Both the reference
// evaluate and the decompose_einsum pass work on this resolved form, never on the string.
#include <cstddef>
#include <span>
#include <string>
#include <vector>

namespace frugal {

// Label ids: [0, ellipsis_rank) are the dims one ellipsis covers, left to right; letters follow
// in ASCII order. Every resolved term has exactly one id per axis of its tensor.
struct EinsumSpec {
    size_t ellipsis_rank = 0;              // dims one ellipsis covers (the max over operands)
    bool has_ellipsis = false;             // some input term has "..."
    std::vector<std::vector<int>> inputs;  // per operand, one label id per axis
    std::vector<int> output;               // one label id per output axis
    std::vector<std::string> label_names;  // "a", or "...0" for the first ellipsis dim

    int label_count() const { return int(label_names.size()); }
    bool is_ellipsis_label(int id) const { return id >= 0 && size_t(id) < ellipsis_rank; }
};

// Validates `equation` for operands of the given ranks; throws frugal::Error saying what is
// wrong. Spaces are ignored. An operand whose ellipsis covers fewer dims than ellipsis_rank
// maps them to the last ellipsis labels (numpy broadcasting aligns from the right).
EinsumSpec parse_einsum(const std::string& equation, std::span<const size_t> input_ranks);

}  // namespace frugal
