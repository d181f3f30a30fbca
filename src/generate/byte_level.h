#pragma once
// GPT-2's byte-level alphabet: every byte 0..255 stands for one printable code point, so that a
// vocabulary of strings can hold arbitrary bytes (bytes_to_unicode in OpenAI's encoder.py).
// Printable Latin-1 bytes ('!'..'~', 0xA1..0xAC, 0xAE..0xFF) stand for themselves; the other 68
// bytes take U+0100, U+0101, ... in byte order (so ' ' is U+0120 'Ġ' and '\n' is U+010A 'Ċ').
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace frugal::generate {

// The code point that stands for `byte`.
char32_t byte_to_unicode(uint8_t byte);

// The byte a code point stands for, or nothing if it is not in the alphabet.
std::optional<uint8_t> unicode_to_byte(char32_t cp);

// Each byte of `bytes` mapped to its code point, as UTF-8.
std::string bytes_to_byte_level(std::string_view bytes);

// The inverse of bytes_to_byte_level. Code points outside the alphabet (and bytes that are not
// valid UTF-8) are kept as they are, so that no input is lost.
std::string byte_level_to_bytes(std::string_view text);

// UTF-8 helpers shared by the tokenizer.
struct Utf8Char {
    char32_t cp;   // the code point, or the byte itself when `valid` is false
    size_t length; // bytes consumed, at least 1
    bool valid;
};

// Decodes the character at text[pos] (pos < text.size()). Overlong forms, surrogates, code points
// above U+10FFFF and truncated sequences are invalid: they consume one byte.
Utf8Char decode_utf8(std::string_view text, size_t pos);

void append_utf8(std::string& out, char32_t cp);

}  // namespace frugal::generate
