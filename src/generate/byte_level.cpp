#include "generate/byte_level.h"

#include <array>

namespace frugal::generate {
namespace {

bool stands_for_itself(int b) { return (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF); }

struct ByteTables {
    std::array<char32_t, 256> to_unicode{};
    std::array<int, 256 + 68> from_unicode{};  // indexed by code point; -1 where no byte maps

    ByteTables() {
        from_unicode.fill(-1);
        int next = 0;
        for (int b = 0; b < 256; ++b) {
            char32_t cp = stands_for_itself(b) ? char32_t(b) : char32_t(256 + next++);
            to_unicode[b] = cp;
            from_unicode[cp] = b;
        }
    }
};

const ByteTables& tables() {
    static const ByteTables t;
    return t;
}

}  // namespace

char32_t byte_to_unicode(uint8_t byte) { return tables().to_unicode[byte]; }

std::optional<uint8_t> unicode_to_byte(char32_t cp) {
    const auto& from = tables().from_unicode;
    if (cp >= from.size() || from[cp] < 0) return std::nullopt;
    return uint8_t(from[cp]);
}

std::string bytes_to_byte_level(std::string_view bytes) {
    std::string out;
    out.reserve(bytes.size() * 2);
    for (char c : bytes) append_utf8(out, byte_to_unicode(uint8_t(c)));
    return out;
}

std::string byte_level_to_bytes(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (size_t pos = 0; pos < text.size();) {
        Utf8Char ch = decode_utf8(text, pos);
        std::optional<uint8_t> byte = ch.valid ? unicode_to_byte(ch.cp) : std::nullopt;
        if (byte) {
            out.push_back(char(*byte));
        } else {
            out.append(text.substr(pos, ch.length));
        }
        pos += ch.length;
    }
    return out;
}

Utf8Char decode_utf8(std::string_view text, size_t pos) {
    auto byte = [&](size_t i) { return uint8_t(text[i]); };
    uint8_t b0 = byte(pos);
    Utf8Char invalid{b0, 1, false};
    if (b0 < 0x80) return {b0, 1, true};
    size_t length;
    char32_t cp;
    char32_t min_cp;
    if ((b0 & 0xE0) == 0xC0) {
        length = 2, cp = b0 & 0x1F, min_cp = 0x80;
    } else if ((b0 & 0xF0) == 0xE0) {
        length = 3, cp = b0 & 0x0F, min_cp = 0x800;
    } else if ((b0 & 0xF8) == 0xF0) {
        length = 4, cp = b0 & 0x07, min_cp = 0x10000;
    } else {
        return invalid;  // a continuation byte or 0xF8..0xFF
    }
    if (pos + length > text.size()) return invalid;
    for (size_t i = 1; i < length; ++i) {
        uint8_t b = byte(pos + i);
        if ((b & 0xC0) != 0x80) return invalid;
        cp = (cp << 6) | (b & 0x3F);
    }
    if (cp < min_cp || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return invalid;
    return {cp, length, true};
}

void append_utf8(std::string& out, char32_t cp) {
    if (cp < 0x80) {
        out.push_back(char(cp));
    } else if (cp < 0x800) {
        out.push_back(char(0xC0 | (cp >> 6)));
        out.push_back(char(0x80 | (cp & 0x3F)));
    } else if (cp < 0x10000) {
        out.push_back(char(0xE0 | (cp >> 12)));
        out.push_back(char(0x80 | ((cp >> 6) & 0x3F)));
        out.push_back(char(0x80 | (cp & 0x3F)));
    } else {
        out.push_back(char(0xF0 | (cp >> 18)));
        out.push_back(char(0x80 | ((cp >> 12) & 0x3F)));
        out.push_back(char(0x80 | ((cp >> 6) & 0x3F)));
        out.push_back(char(0x80 | (cp & 0x3F)));
    }
}

}  // namespace frugal::generate
