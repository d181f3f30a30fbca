#include "ops/einsum_equation.h"

#include <algorithm>
#include <cctype>

#include "ir/error.h"

namespace frugal {

namespace {

// One term as written: its letters in order, and where its ellipsis sits (if any).
struct RawTerm {
    std::string letters;
    bool has_ellipsis = false;
    size_t ellipsis_at = 0;  // number of letters before the ellipsis
};

bool is_label(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

std::string quoted(const std::string& s) { return "'" + s + "'"; }

RawTerm parse_term(const std::string& term, const std::string& equation) {
    RawTerm t;
    for (size_t i = 0; i < term.size();) {
        char c = term[i];
        if (is_label(c)) {
            t.letters += c;
            ++i;
        } else if (c == '.') {
            if (term.compare(i, 3, "...") != 0)
                fail("einsum equation " + quoted(equation) + ": a '.' that is not part of an ellipsis '...' in term " +
                     quoted(term));
            if (t.has_ellipsis)
                fail("einsum equation " + quoted(equation) + ": term " + quoted(term) + " has two ellipses");
            t.has_ellipsis = true;
            t.ellipsis_at = t.letters.size();
            i += 3;
        } else {
            fail("einsum equation " + quoted(equation) + ": unexpected character '" + std::string(1, c) +
                 "' (expected letters, '...', ',' or '->')");
        }
    }
    return t;
}

std::vector<std::string> split_commas(const std::string& s) {
    std::vector<std::string> parts(1);
    for (char c : s) {
        if (c == ',') parts.emplace_back();
        else parts.back() += c;
    }
    return parts;
}

}  // namespace

EinsumSpec parse_einsum(const std::string& equation, std::span<const size_t> input_ranks) {
    std::string eq;
    for (char c : equation)
        if (!std::isspace(static_cast<unsigned char>(c))) eq += c;

    size_t arrow = eq.find("->");
    bool explicit_output = arrow != std::string::npos;
    std::string lhs = explicit_output ? eq.substr(0, arrow) : eq;
    std::string rhs = explicit_output ? eq.substr(arrow + 2) : "";
    if (rhs.find("->") != std::string::npos) fail("einsum equation " + quoted(equation) + " has more than one '->'");
    if (rhs.find(',') != std::string::npos)
        fail("einsum equation " + quoted(equation) + ": the output term after '->' cannot contain ','");

    std::vector<RawTerm> terms;
    for (const std::string& t : split_commas(lhs)) terms.push_back(parse_term(t, equation));
    if (terms.size() != input_ranks.size())
        fail("einsum equation " + quoted(equation) + " has " + std::to_string(terms.size()) + " input terms but " +
             std::to_string(input_ranks.size()) + " operands were given");

    EinsumSpec spec;
    // How many dims each operand's ellipsis covers; the widest one sets ellipsis_rank.
    std::vector<size_t> covered(terms.size(), 0);
    for (size_t i = 0; i < terms.size(); ++i) {
        const RawTerm& t = terms[i];
        size_t rank = input_ranks[i];
        if (t.has_ellipsis) {
            spec.has_ellipsis = true;
            if (rank < t.letters.size())
                fail("einsum equation " + quoted(equation) + ": term " + std::to_string(i) + " has " +
                     std::to_string(t.letters.size()) + " labels and an ellipsis but operand " + std::to_string(i) +
                     " has rank " + std::to_string(rank));
            covered[i] = rank - t.letters.size();
            spec.ellipsis_rank = std::max(spec.ellipsis_rank, covered[i]);
        } else if (rank != t.letters.size()) {
            fail("einsum equation " + quoted(equation) + ": term " + std::to_string(i) + " has " +
                 std::to_string(t.letters.size()) + " labels but operand " + std::to_string(i) + " has rank " +
                 std::to_string(rank));
        }
    }

    // Label ids: ellipsis dims first, then every letter used, in ASCII order.
    for (size_t d = 0; d < spec.ellipsis_rank; ++d) spec.label_names.push_back("..." + std::to_string(d));
    std::vector<int> letter_id(128, -1);
    std::vector<int> letter_count(128, 0);
    for (const RawTerm& t : terms)
        for (char c : t.letters) letter_count[size_t(c)]++;
    for (int c = 0; c < 128; ++c) {
        if (letter_count[size_t(c)] == 0) continue;
        letter_id[size_t(c)] = spec.label_count();
        spec.label_names.push_back(std::string(1, char(c)));
    }

    for (size_t i = 0; i < terms.size(); ++i) {
        const RawTerm& t = terms[i];
        std::vector<int> ids;
        for (size_t k = 0; k <= t.letters.size(); ++k) {
            if (t.has_ellipsis && k == t.ellipsis_at)
                for (size_t d = spec.ellipsis_rank - covered[i]; d < spec.ellipsis_rank; ++d) ids.push_back(int(d));
            if (k < t.letters.size()) ids.push_back(letter_id[size_t(t.letters[k])]);
        }
        spec.inputs.push_back(std::move(ids));
    }

    if (!explicit_output) {
        // Implicit output: the ellipsis dims, then the letters that appear exactly once, sorted.
        for (size_t d = 0; d < spec.ellipsis_rank; ++d) spec.output.push_back(int(d));
        for (int c = 0; c < 128; ++c)
            if (letter_count[size_t(c)] == 1) spec.output.push_back(letter_id[size_t(c)]);
        return spec;
    }

    RawTerm out = parse_term(rhs, equation);
    if (out.has_ellipsis && !spec.has_ellipsis)
        fail("einsum equation " + quoted(equation) + ": the output has an ellipsis but no input term has one");
    if (!out.has_ellipsis && spec.ellipsis_rank > 0)
        fail("einsum equation " + quoted(equation) + ": the inputs' ellipsis covers " +
             std::to_string(spec.ellipsis_rank) + " dims but the output term has no '...' to receive them");
    std::vector<bool> seen(128, false);
    for (char c : out.letters) {
        if (letter_id[size_t(c)] < 0)
            fail("einsum equation " + quoted(equation) + ": output label '" + std::string(1, c) +
                 "' does not appear in any input term");
        if (seen[size_t(c)])
            fail("einsum equation " + quoted(equation) + ": output label '" + std::string(1, c) + "' appears twice");
        seen[size_t(c)] = true;
    }
    for (size_t k = 0; k <= out.letters.size(); ++k) {
        if (out.has_ellipsis && k == out.ellipsis_at)
            for (size_t d = 0; d < spec.ellipsis_rank; ++d) spec.output.push_back(int(d));
        if (k < out.letters.size()) spec.output.push_back(letter_id[size_t(out.letters[k])]);
    }
    return spec;
}

}  // namespace frugal
