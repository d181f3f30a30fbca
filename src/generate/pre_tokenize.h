#pragma once
// GPT-2's pre-tokenization: the text is cut into pieces by the regex
//   's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
// and BPE runs on each piece alone. std::regex has no \p classes, so the regex is matched by hand
// (pre_tokenize.cpp follows the alternatives in order, as a backtracking engine would).
#include <string_view>
#include <vector>

namespace frugal::generate {

// The pieces, in order; concatenated they are `text` again. Bytes that are not valid UTF-8 count as
// one character each of the class [^\s\p{L}\p{N}] (Python would have refused to decode them).
std::vector<std::string_view> pre_tokenize(std::string_view text);

}  // namespace frugal::generate
