#pragma once
// The three character classes of GPT-2's pre-tokenization regex: \p{L}, \p{N} and \s.
// Letters and numbers are exact for the Unicode version the tables were generated from
// (unicode_classes_version()); code points assigned in later versions count as "other".

namespace frugal::generate {

bool is_unicode_letter(char32_t cp);      // general category L*
bool is_unicode_number(char32_t cp);      // general category N*
bool is_unicode_whitespace(char32_t cp);  // the White_Space property
const char* unicode_classes_version();

}  // namespace frugal::generate
