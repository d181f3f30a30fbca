#include "generate/pre_tokenize.h"

#include "generate/byte_level.h"
#include "generate/unicode_classes.h"

namespace frugal::generate {
namespace {

enum class CharClass { Letter, Number, Space, Other };

struct Char {
    char32_t cp;
    size_t offset;  // byte offset in the text
    CharClass cls;
};

CharClass classify(const Utf8Char& ch) {
    if (!ch.valid) return CharClass::Other;
    if (is_unicode_letter(ch.cp)) return CharClass::Letter;
    if (is_unicode_number(ch.cp)) return CharClass::Number;
    if (is_unicode_whitespace(ch.cp)) return CharClass::Space;
    return CharClass::Other;
}

std::vector<Char> decode_chars(std::string_view text) {
    std::vector<Char> chars;
    chars.reserve(text.size());
    for (size_t pos = 0; pos < text.size();) {
        Utf8Char ch = decode_utf8(text, pos);
        chars.push_back({ch.cp, pos, classify(ch)});
        pos += ch.length;
    }
    return chars;
}

// Ends (exclusive char indices) of the longest run of `cls` starting at `i`.
size_t run_end(const std::vector<Char>& chars, size_t i, CharClass cls) {
    while (i < chars.size() && chars[i].cls == cls) ++i;
    return i;
}

// 's|'t|'re|'ve|'m|'ll|'d: the end of the contraction at `i`, or `i` if there is none.
size_t match_contraction(const std::vector<Char>& chars, size_t i) {
    if (chars[i].cp != U'\'') return i;
    static constexpr std::u32string_view kSuffixes[] = {U"s", U"t", U"re", U"ve", U"m", U"ll", U"d"};
    for (std::u32string_view suffix : kSuffixes) {
        if (i + 1 + suffix.size() > chars.size()) continue;
        bool same = true;
        for (size_t k = 0; k < suffix.size() && same; ++k) same = chars[i + 1 + k].cp == suffix[k];
        if (same) return i + 1 + suffix.size();
    }
    return i;
}

// The end of the piece that starts at char `i` (always > i).
size_t match_piece(const std::vector<Char>& chars, size_t i) {
    if (size_t end = match_contraction(chars, i); end > i) return end;

    // ` ?\p{L}+`, ` ?\p{N}+`, ` ?[^\s\p{L}\p{N}]+`: only U+0020 may lead, and only if the class
    // follows it. Without the leading space the first char itself must be of the class; a space
    // never is, so either way the class is decided by the char at `k`.
    size_t k = chars[i].cp == U' ' ? i + 1 : i;
    if (k < chars.size() && chars[k].cls != CharClass::Space) return run_end(chars, k, chars[k].cls);

    // Here chars[i] is whitespace. `\s+(?!\S)` takes the whole run at the end of the text, and
    // otherwise backs off one char so that the last space can lead the next word; a single space
    // before a non-space leaves it to `\s+`, which takes it alone.
    size_t end = run_end(chars, i, CharClass::Space);
    if (end == chars.size() || end - i == 1) return end;
    return end - 1;
}

}  // namespace

std::vector<std::string_view> pre_tokenize(std::string_view text) {
    std::vector<Char> chars = decode_chars(text);
    std::vector<std::string_view> pieces;
    for (size_t i = 0; i < chars.size();) {
        size_t end = match_piece(chars, i);
        size_t begin_byte = chars[i].offset;
        size_t end_byte = end < chars.size() ? chars[end].offset : text.size();
        pieces.push_back(text.substr(begin_byte, end_byte - begin_byte));
        i = end;
    }
    return pieces;
}

}  // namespace frugal::generate
