// GPT-2 byte-level BPE. No GPT-2 tokenizer is installed to serve as an oracle, so the expected
// pieces and ids below were derived by hand and cross-checked with a separate Python script (the
// regex run by Python's `re` with \p{L}/\p{N} spelled out from unicodedata, and encoder.py's bpe()).
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <random>
#include <thread>

#include <nlohmann/json.hpp>

#include "error_of.h"
#include "generate/byte_level.h"
#include "generate/pre_tokenize.h"
#include "generate/tokenizer.h"
#include "generate/unicode_classes.h"
#include "ir/error.h"

using namespace frugal::generate;
namespace fs = std::filesystem;
using Ids = std::vector<TokenId>;
using nlohmann::json;

using frugal::test::error_of;

namespace {

struct TempDir {
    fs::path path;
    TempDir() {
        std::string pattern = (fs::temp_directory_path() / "frugal_tokenizer_XXXXXX").string();
        path = mkdtemp(pattern.data());
    }
    ~TempDir() { fs::remove_all(path); }
    fs::path write(const std::string& name, const std::string& text) const {
        fs::create_directories((path / name).parent_path());
        std::ofstream(path / name, std::ios::binary) << text;
        return path / name;
    }
};

std::string utf8(char32_t cp) {
    std::string s;
    append_utf8(s, cp);
    return s;
}

// GPT-2's own layout: the 188 bytes that stand for themselves take ids 0..187 in byte order, the
// other 68 take 188..255 (so ' ' is 220 and '\n' is 198, as in GPT-2's vocab.json).
json byte_vocab() {
    json vocab = json::object();
    int id = 0;
    for (int pass = 0; pass < 2; ++pass) {
        for (int b = 0; b < 256; ++b) {
            bool self = byte_to_unicode(uint8_t(b)) == char32_t(b);
            if (self == (pass == 0)) vocab[utf8(byte_to_unicode(uint8_t(b)))] = id++;
        }
    }
    return vocab;
}

// Ranks 0..12; each result gets the next id from 256, and "<|endoftext|>" is 269.
const std::vector<std::pair<std::string, std::string>> kMerges = {
    {"Ġ", "t"}, {"h", "e"}, {"Ġt", "he"}, {"l", "l"}, {"he", "ll"}, {"hell", "o"}, {"a", "a"},
    {"aa", "aa"}, {"Ġ", "Ġ"}, {"'", "s"}, {"1", "2"}, {"e", "r"}, {"ä", "¸"}};

json test_vocab() {
    json vocab = byte_vocab();
    int id = 256;
    for (const auto& [a, b] : kMerges) vocab[a + b] = id++;
    vocab["<|endoftext|>"] = id;
    return vocab;
}

std::string merges_txt() {
    std::string text = "#version: 0.2\n";
    for (const auto& [a, b] : kMerges) text += a + " " + b + "\n";
    return text;
}

Tokenizer test_tokenizer(const TempDir& dir) {
    return Tokenizer::from_files(dir.write("vocab.json", test_vocab().dump()), dir.write("merges.txt", merges_txt()));
}

std::vector<std::string> pieces(std::string_view text) {
    std::vector<std::string> out;
    for (std::string_view p : pre_tokenize(text)) out.emplace_back(p);
    return out;
}

// Runs `f` and returns the frugal::Error message it throws ("" if it does not throw).
}  // namespace

TEST(ByteLevel, TableIsGpt2s) {
    EXPECT_EQ(byte_to_unicode('!'), U'!');
    EXPECT_EQ(byte_to_unicode('~'), U'~');
    EXPECT_EQ(byte_to_unicode(0xA1), U'\u00A1');
    EXPECT_EQ(byte_to_unicode(0xFF), U'\u00FF');
    EXPECT_EQ(byte_to_unicode(0x00), U'\u0100');
    EXPECT_EQ(byte_to_unicode('\n'), U'\u010A');  // 'Ċ'
    EXPECT_EQ(byte_to_unicode(' '), U'\u0120');   // 'Ġ'
    EXPECT_EQ(byte_to_unicode(0x7F), U'\u0121');  // 33 control bytes and space come first
    EXPECT_EQ(byte_to_unicode(0xA0), U'\u0142');
    EXPECT_EQ(byte_to_unicode(0xAD), U'\u0143');  // the soft hyphen is the last of the 68
    std::string all;
    for (int b = 0; b < 256; ++b) {
        all.push_back(char(b));
        EXPECT_EQ(unicode_to_byte(byte_to_unicode(uint8_t(b))), uint8_t(b));
    }
    EXPECT_EQ(unicode_to_byte(U'\u0144'), std::nullopt);
    EXPECT_EQ(unicode_to_byte(U' '), std::nullopt);
    EXPECT_EQ(byte_level_to_bytes(bytes_to_byte_level(all)), all);
    EXPECT_EQ(bytes_to_byte_level("a b\n"), "aĠbĊ");
}

TEST(ByteLevel, Utf8DecodingRejectsMalformedSequences) {
    EXPECT_TRUE(decode_utf8("é", 0).valid);
    EXPECT_EQ(decode_utf8("😀", 0).cp, U'\U0001F600');
    EXPECT_EQ(decode_utf8("😀", 0).length, 4u);
    for (std::string bad : {"\xC0\xAF", "\xED\xA0\x80", "\xF4\x90\x80\x80", "\xE4\xB8", "\x80", "\xFF"}) {
        Utf8Char ch = decode_utf8(bad, 0);
        EXPECT_FALSE(ch.valid) << bad;
        EXPECT_EQ(ch.length, 1u);
    }
}

TEST(UnicodeClasses, LettersNumbersSpaces) {
    for (char32_t c : {U'a', U'Z', U'é', U'ß', U'Ж', U'中', U'ひ', U'\u02B0' /* Lm */}) EXPECT_TRUE(is_unicode_letter(c)) << int(c);
    for (char32_t c : {U'1', U'_', U'\u0301', U'😀', U'!', U' ', U'\u00B2'}) EXPECT_FALSE(is_unicode_letter(c)) << int(c);
    for (char32_t c : {U'0', U'\u0663' /* Arabic-Indic 3 */, U'\u00B2', U'\u216B' /* Roman 12 */}) EXPECT_TRUE(is_unicode_number(c)) << int(c);
    for (char32_t c : {U'a', U'.', U'中'}) EXPECT_FALSE(is_unicode_number(c)) << int(c);
    for (char32_t c : {U' ', U'\t', U'\n', U'\r', U'\u00A0', U'\u3000', U'\u2009'}) EXPECT_TRUE(is_unicode_whitespace(c)) << int(c);
    for (char32_t c : {U'a', U'\u200B' /* zero width space is not White_Space */, U'\u001C'}) EXPECT_FALSE(is_unicode_whitespace(c)) << int(c);
}

TEST(PreTokenize, WordsAndContractions) {
    using V = std::vector<std::string>;
    EXPECT_EQ(pieces("Hello world"), (V{"Hello", " world"}));
    EXPECT_EQ(pieces("don't"), (V{"don", "'t"}));
    EXPECT_EQ(pieces("we're they've I'll he'd"), (V{"we", "'re", " they", "'ve", " I", "'ll", " he", "'d"}));
    // Contractions are lower case only; a space before the apostrophe makes it punctuation.
    EXPECT_EQ(pieces("'S ''s"), (V{"'", "S", " ''", "s"}));
    EXPECT_EQ(pieces(" 's"), (V{" '", "s"}));
    EXPECT_EQ(pieces("hi!? ok"), (V{"hi", "!?", " ok"}));
}

TEST(PreTokenize, NumbersAreOneRunWithItsSpace) {
    using V = std::vector<std::string>;
    EXPECT_EQ(pieces("12345 678"), (V{"12345", " 678"}));
    EXPECT_EQ(pieces("abc123"), (V{"abc", "123"}));
    EXPECT_EQ(pieces("٣٤ ² Ⅻ"), (V{"٣٤", " ²", " Ⅻ"}));
}

TEST(PreTokenize, SpacesRunsTrailingAndNewlines) {
    using V = std::vector<std::string>;
    EXPECT_EQ(pieces("I'm  fine"), (V{"I", "'m", " ", " fine"}));  // the last space leads the word
    EXPECT_EQ(pieces("a   b"), (V{"a", "  ", " b"}));
    EXPECT_EQ(pieces("x  "), (V{"x", "  "}));  // trailing spaces stay together
    EXPECT_EQ(pieces("hi!?  "), (V{"hi", "!?", "  "}));
    EXPECT_EQ(pieces("a \nb"), (V{"a", " ", "\n", "b"}));
    EXPECT_EQ(pieces("end\n\n"), (V{"end", "\n\n"}));
    EXPECT_EQ(pieces("a\n\n b"), (V{"a", "\n\n", " b"}));
    EXPECT_EQ(pieces("\thello"), (V{"\t", "hello"}));  // only U+0020 leads a word
    EXPECT_EQ(pieces("x\u00A0y"), (V{"x", "\u00A0", "y"}));
    EXPECT_EQ(pieces(" "), (V{" "}));
    EXPECT_EQ(pieces("  "), (V{"  "}));
    EXPECT_TRUE(pieces("").empty());
}

TEST(PreTokenize, UnicodeAndInvalidBytes) {
    using V = std::vector<std::string>;
    EXPECT_EQ(pieces("中文 字"), (V{"中文", " 字"}));
    EXPECT_EQ(pieces("😀 ok"), (V{"😀", " ok"}));
    EXPECT_EQ(pieces("e\u0301x"), (V{"e", "\u0301", "x"}));  // a combining mark is not a letter
    EXPECT_EQ(pieces("ab\xFF\xFE" "cd"), (V{"ab", "\xFF\xFE", "cd"}));
    EXPECT_EQ(pieces(" \xE4\xB8 z"), (V{" \xE4\xB8", " z"}));  // a truncated character
}

TEST(Tokenizer, KnownEncodingsOfAHandBuiltMergeTable) {
    TempDir dir;
    Tokenizer t = test_tokenizer(dir);
    EXPECT_EQ(t.vocab_size(), 270);
    // 'h' 'e' 'l' 'l' 'o': "he"(1), "ll"(3), "hell"(4), "hello"(5).
    EXPECT_EQ(t.encode("hello"), (Ids{261}));
    EXPECT_EQ(t.encode("the"), (Ids{83, 257}));          // 't' is byte 116 - 33
    EXPECT_EQ(t.encode("ther"), (Ids{83, 257, 81}));     // "he" (rank 1) takes the 'e' before "er" (11)
    EXPECT_EQ(t.encode(" the"), (Ids{258}));             // "Ġt", "he", "Ġthe"
    EXPECT_EQ(t.encode(" there"), (Ids{258, 81, 68}));
    EXPECT_EQ(t.encode("aaa"), (Ids{262, 64}));          // occurrences merge left to right
    EXPECT_EQ(t.encode("aaaa"), (Ids{263}));
    EXPECT_EQ(t.encode("aaaaa"), (Ids{263, 64}));
    EXPECT_EQ(t.encode("a   b"), (Ids{64, 264, 220, 65}));
    EXPECT_EQ(t.encode("it's 12 123"), (Ids{72, 83, 265, 220, 266, 220, 266, 18}));
    EXPECT_EQ(t.encode("hello world\n"), (Ids{261, 220, 86, 78, 81, 75, 67, 198}));
    EXPECT_EQ(t.encode("中"), (Ids{268, 255}));           // E4 B8 merged, AD is the last byte id
    EXPECT_EQ(t.encode("hello  "), (Ids{261, 264}));
    EXPECT_TRUE(t.encode("").empty());
    EXPECT_EQ(t.decode(Ids{261, 220, 86, 78, 81, 75, 67, 198}), "hello world\n");
    EXPECT_EQ(t.token_id("Ġthe"), 258);
    EXPECT_EQ(t.token_id("nope"), std::nullopt);
}

TEST(Tokenizer, RoundTripsArbitraryText) {
    TempDir dir;
    Tokenizer t = test_tokenizer(dir);
    for (std::string text : {"Hello, world! It's 2024.", "emoji 😀👍🏽 and 👨‍👩‍👧", "中文字符 日本語 한국어", "e\u0301 n\u0303 a\u0308\u0301",
                             "tabs\tand\r\nnewlines\n\n  ", "   leading", "\x01\x7F control", "ab\xFF\xFE\xC3(cd"}) {
        EXPECT_EQ(t.decode(t.encode(text)), text);
    }
    std::mt19937_64 rng(7);
    for (int n = 0; n < 200; ++n) {
        std::string bytes(rng() % 40, '\0');
        for (char& c : bytes) c = char(rng() % 256);
        Ids ids = t.encode(bytes);
        EXPECT_EQ(t.decode(ids), bytes);
        for (TokenId id : ids) EXPECT_LT(id, t.vocab_size());
    }
}

TEST(Tokenizer, DecodeKeepsInvalidUtf8AsBytes) {
    TempDir dir;
    Tokenizer t = test_tokenizer(dir);
    // Byte 0xFF is id 187 (0xAE..0xFF are 106..187); 0xC3 is 106 + 0xC3 - 0xAE = 127.
    EXPECT_EQ(t.decode(Ids{187}), "\xFF");
    EXPECT_EQ(t.decode(Ids{64, 127, 64}), "a\xC3" "a");
    // "中" split over tokens decodes to its bytes whichever way it is cut.
    EXPECT_EQ(t.decode_token(268), "\xE4\xB8");
    EXPECT_EQ(t.decode_token(268) + t.decode_token(255), "中");
}

TEST(Tokenizer, EndOfTextIsOneToken) {
    TempDir dir;
    Tokenizer t = test_tokenizer(dir);
    EXPECT_EQ(t.end_of_text(), 269);
    EXPECT_EQ(t.encode("<|endoftext|>"), (Ids{269}));
    EXPECT_EQ(t.encode("hello<|endoftext|> the"), (Ids{261, 269, 258}));
    EXPECT_EQ(t.encode("a <|endoftext|><|endoftext|>b"), (Ids{64, 220, 269, 269, 65}));
    EXPECT_EQ(t.decode(Ids{261, 269, 258}), "hello<|endoftext|> the");
    Ids literal = t.encode("<|endoftext|>", /*allow_special=*/false);
    EXPECT_GT(literal.size(), 1u);
    EXPECT_EQ(t.decode(literal), "<|endoftext|>");
}

TEST(Tokenizer, TokenizerJsonEqualsVocabAndMerges) {
    TempDir dir;
    Tokenizer files = test_tokenizer(dir);
    json as_strings = json::array(), as_pairs = json::array();
    for (const auto& [a, b] : kMerges) {
        as_strings.push_back(a + " " + b);
        as_pairs.push_back({a, b});
    }
    for (const json& merges : {as_strings, as_pairs}) {
        json doc = {{"version", "1.0"},
                    {"added_tokens", {{{"id", 269}, {"content", "<|endoftext|>"}, {"special", true}}}},
                    {"normalizer", nullptr},
                    {"pre_tokenizer", {{"type", "ByteLevel"}, {"add_prefix_space", false}, {"use_regex", true}}},
                    {"decoder", {{"type", "ByteLevel"}}},
                    {"model", {{"type", "BPE"}, {"dropout", nullptr}, {"vocab", test_vocab()}, {"merges", merges}}}};
        Tokenizer json_tok = Tokenizer::from_tokenizer_json(dir.write("tokenizer.json", doc.dump(2)));
        EXPECT_EQ(json_tok.vocab_size(), files.vocab_size());
        EXPECT_EQ(json_tok.end_of_text(), 269);
        for (std::string text : {"hello world", " there aaaaa it's 12", "中文 😀\n\n x  ", "a<|endoftext|>b"}) {
            EXPECT_EQ(json_tok.encode(text), files.encode(text)) << text;
        }
    }
}

TEST(Tokenizer, TokenizerJsonAddedTokensAndPrefixSpace) {
    TempDir dir;
    json doc = {{"added_tokens", {{{"id", 270}, {"content", "<pad here>"}, {"special", true}}}},
                {"pre_tokenizer", {{"type", "ByteLevel"}, {"add_prefix_space", true}}},
                {"model", {{"type", "BPE"}, {"vocab", test_vocab()}, {"merges", json::array({"h e", "he ll", "l l"})}}}};
    Tokenizer t = Tokenizer::from_tokenizer_json(dir.write("tokenizer.json", doc.dump()));
    EXPECT_EQ(t.vocab_size(), 271);
    // Without "hell o" the word stops at "hell"; the prefix space is not merged with anything.
    EXPECT_EQ(t.encode("hello"), (Ids{220, 260, 78}));
    EXPECT_EQ(t.encode(" hello<pad here>"), (Ids{220, 260, 78, 270}));
    EXPECT_EQ(t.decode(Ids{270}), "<pad here>");  // verbatim, not through the byte alphabet
}

TEST(Tokenizer, MergesTxtWithCrlfAndNoHeader) {
    TempDir dir;
    std::string crlf;
    for (const auto& [a, b] : kMerges) crlf += a + " " + b + "\r\n";
    Tokenizer t = Tokenizer::from_files(dir.write("vocab.json", test_vocab().dump()), dir.write("merges.txt", crlf));
    EXPECT_EQ(t.encode(" the hello"), (Ids{258, 220, 261}));
}

TEST(Tokenizer, ConcurrentEncodesAgree) {
    TempDir dir;
    Tokenizer t = test_tokenizer(dir);
    Ids expected = t.encode("the hello aaaa 12 中");
    auto work = [&](bool* ok) {
        for (int i = 0; i < 200; ++i) *ok = *ok && t.encode("the hello aaaa 12 中") == expected;
    };
    bool ok1 = true, ok2 = true;
    std::thread a(work, &ok1), b(work, &ok2);
    a.join();
    b.join();
    EXPECT_TRUE(ok1 && ok2);
}

TEST(TokenizerErrors, BadJsonNamesFileAndLine) {
    TempDir dir;
    fs::path vocab = dir.write("vocab.json", "{\n  \"a\": 0,\n  \"b\": 1,\n  \"c\" 2\n}\n");
    fs::path merges = dir.write("merges.txt", merges_txt());
    std::string message = error_of([&] { Tokenizer::from_files(vocab, merges); });
    EXPECT_NE(message.find(vocab.string() + ":4: invalid JSON"), std::string::npos) << message;
    fs::path tj = dir.write("tokenizer.json", "{\"model\": {\"type\": \"BPE\",\n \"vocab\": [}");
    message = error_of([&] { Tokenizer::from_tokenizer_json(tj); });
    EXPECT_NE(message.find(tj.string() + ":2: invalid JSON"), std::string::npos) << message;
}

TEST(TokenizerErrors, MergeLineWithOneToken) {
    TempDir dir;
    fs::path vocab = dir.write("vocab.json", test_vocab().dump());
    fs::path merges = dir.write("merges.txt", "#version: 0.2\nĠ t\nhe\nh e\n");
    std::string message = error_of([&] { Tokenizer::from_files(vocab, merges); });
    EXPECT_NE(message.find(merges.string() + ":3: a merge is two tokens"), std::string::npos) << message;
    EXPECT_NE(message.find("'he'"), std::string::npos) << message;
    merges = dir.write("merges.txt", "h e x\n");
    message = error_of([&] { Tokenizer::from_files(vocab, merges); });
    EXPECT_NE(message.find(merges.string() + ":1: a merge is two tokens"), std::string::npos) << message;
}

TEST(TokenizerErrors, MergeNotInVocabulary) {
    TempDir dir;
    fs::path vocab = dir.write("vocab.json", test_vocab().dump());
    fs::path merges = dir.write("merges.txt", "#version: 0.2\nh e\nx y\n");  // "xy" has no token
    std::string message = error_of([&] { Tokenizer::from_files(vocab, merges); });
    EXPECT_NE(message.find(merges.string() + ":3: merge 'x y': its result 'xy' is not in the vocabulary"), std::string::npos) << message;
    merges = dir.write("merges.txt", "h e\nzz z\n");
    message = error_of([&] { Tokenizer::from_files(vocab, merges); });
    EXPECT_NE(message.find(merges.string() + ":2: merge 'zz z': its first token 'zz'"), std::string::npos) << message;
    json doc = {{"model", {{"type", "BPE"}, {"vocab", test_vocab()}, {"merges", json::array({"h e", json::array({"q", "q"})})}}}};
    fs::path tj = dir.write("tokenizer.json", doc.dump());
    message = error_of([&] { Tokenizer::from_tokenizer_json(tj); });
    EXPECT_NE(message.find(tj.string() + ": model.merges[1]: merge 'q q': its result 'qq'"), std::string::npos) << message;
}

TEST(TokenizerErrors, DecodeIdOutOfRange) {
    TempDir dir;
    Tokenizer t = test_tokenizer(dir);
    for (TokenId id : {270, -1, 1 << 30}) {
        std::string message = error_of([&] { t.decode(Ids{64, id}); });
        EXPECT_NE(message.find("token id " + std::to_string(id) + " is not in the vocabulary"), std::string::npos) << message;
        EXPECT_NE(message.find("ids 0..269"), std::string::npos) << message;
    }
}

TEST(TokenizerErrors, BrokenVocabularies) {
    TempDir dir;
    fs::path merges = dir.write("merges.txt", merges_txt());
    auto vocab_error = [&](const json& vocab) {
        fs::path path = dir.write("vocab.json", vocab.dump());
        return error_of([&] { Tokenizer::from_files(path, merges); });
    };
    json v = test_vocab();
    v["hello"] = "261";
    EXPECT_NE(vocab_error(v).find("token \"hello\": the id must be an integer"), std::string::npos);
    v = test_vocab();
    v["hello"] = -5;
    EXPECT_NE(vocab_error(v).find("token \"hello\": the id must be in 0.."), std::string::npos);
    v = test_vocab();
    v["hello"] = 3;  // the id of '$'
    EXPECT_NE(vocab_error(v).find("tokens '$' and 'hello' both have id 3"), std::string::npos) << vocab_error(v);
    v = test_vocab();
    v.erase("Ġ");
    EXPECT_NE(vocab_error(v).find("no token for byte 0x20 ('Ġ')"), std::string::npos) << vocab_error(v);
    EXPECT_NE(vocab_error(json::array({1, 2})).find("expected an object of token -> id"), std::string::npos);
    EXPECT_NE(error_of([&] { Tokenizer::from_files(dir.path / "missing.json", merges); }).find("cannot open tokenizer file"),
              std::string::npos);
}

TEST(TokenizerErrors, UnsupportedTokenizerJson) {
    TempDir dir;
    auto json_error = [&](const json& doc) {
        fs::path path = dir.write("tokenizer.json", doc.dump());
        return error_of([&] { Tokenizer::from_tokenizer_json(path); });
    };
    json model = {{"type", "BPE"}, {"vocab", test_vocab()}, {"merges", json::array()}};
    EXPECT_NE(json_error({{"model", {{"type", "WordPiece"}, {"vocab", test_vocab()}}}}).find("model.type is 'WordPiece'"),
              std::string::npos);
    EXPECT_NE(json_error({{"model", model}, {"pre_tokenizer", {{"type", "Whitespace"}}}}).find("type 'Whitespace' is not supported"),
              std::string::npos);
    EXPECT_NE(json_error({{"model", model}, {"normalizer", {{"type", "NFC"}}}}).find("normalizer 'NFC' is not supported"),
              std::string::npos);
    EXPECT_NE(json_error(test_vocab()).find("no \"model\" object"), std::string::npos);
    json odd_type = model;
    odd_type["type"] = 3;
    EXPECT_NE(json_error({{"model", odd_type}}).find("unexpected tokenizer.json content"), std::string::npos);
    EXPECT_NE(json_error({{"model", model}, {"pre_tokenizer", "ByteLevel"}}).find("pre_tokenizer: expected an object"), std::string::npos);
    json ignore_merges = model;
    ignore_merges["ignore_merges"] = true;
    EXPECT_NE(json_error({{"model", ignore_merges}}).find("model.ignore_merges true is not supported"), std::string::npos);
    json bad_merge = model;
    bad_merge["merges"] = json::array({json::array({"h"})});
    EXPECT_NE(json_error({{"model", bad_merge}}).find("model.merges[0]: a merge is \"a b\" or [\"a\", \"b\"]"), std::string::npos);
    EXPECT_NE(json_error({{"model", model}, {"added_tokens", {{{"id", 3}, {"content", "<x>"}}}}}).find("tokens '$' and '<x>' both have id 3"),
              std::string::npos);
}

TEST(FindTokenizer, BesideTheModelOrExplicit) {
    TempDir dir;
    dir.write("gpt2/model.onnx", "not read");
    dir.write("gpt2/vocab.json", test_vocab().dump());
    dir.write("gpt2/merges.txt", merges_txt());
    EXPECT_EQ(find_tokenizer(dir.path / "gpt2/model.onnx").encode("hello"), (Ids{261}));
    EXPECT_EQ(find_tokenizer(dir.path / "gpt2").encode("hello"), (Ids{261}));

    // tokenizer.json wins over vocab.json + merges.txt in the same directory.
    json doc = {{"model", {{"type", "BPE"}, {"vocab", test_vocab()}, {"merges", json::array()}}}};
    dir.write("gpt2/tokenizer.json", doc.dump());
    EXPECT_EQ(find_tokenizer(dir.path / "gpt2/model.onnx").encode("hello"), (Ids{71, 68, 75, 75, 78}));
    EXPECT_EQ(find_tokenizer(dir.path / "gpt2/model.onnx", dir.path / "gpt2/vocab.json").encode("hello"), (Ids{261}));
    EXPECT_EQ(find_tokenizer("", dir.path / "gpt2/tokenizer.json").encode("hello").size(), 5u);
    EXPECT_EQ(find_tokenizer("", dir.path / "gpt2").encode("hello").size(), 5u);

    dir.write("other/model.onnx", "");
    std::string message = error_of([&] { find_tokenizer(dir.path / "other/model.onnx"); });
    EXPECT_NE(message.find("no tokenizer found for model"), std::string::npos) << message;
    EXPECT_NE(message.find((dir.path / "other/tokenizer.json").string()), std::string::npos) << message;
    message = error_of([&] { find_tokenizer(dir.path / "gpt2/model.onnx", dir.path / "nowhere.json"); });
    EXPECT_NE(message.find("nowhere.json does not exist"), std::string::npos) << message;
}

// With GPT-2's real files (FRUGAL_GPT2_TOKENIZER = a directory with tokenizer.json, vocab.json +
// merges.txt, or OpenAI's encoder.json + vocab.bpe), known encodings; skipped when not given.
// The ids come from an independent GPT-2 encoder (the gpt-3-encoder JavaScript port of encoder.py).
TEST(Tokenizer, RealGpt2Encodings) {
    const char* dir_env = std::getenv("FRUGAL_GPT2_TOKENIZER");
    if (!dir_env) GTEST_SKIP() << "set FRUGAL_GPT2_TOKENIZER to a GPT-2 tokenizer directory";
    fs::path dir = dir_env;
    Tokenizer t = fs::exists(dir / "encoder.json") ? Tokenizer::from_files(dir / "encoder.json", dir / "vocab.bpe")
                                                   : find_tokenizer("", dir);
    EXPECT_EQ(t.vocab_size(), 50257);
    EXPECT_EQ(t.end_of_text(), 50256);
    const std::vector<std::pair<std::string, Ids>> cases = {
        {"Hello world", {15496, 995}},
        {"don't I'm we're they've I'll he'd it's", {9099, 470, 314, 1101, 356, 821, 484, 1053, 314, 1183, 339, 1549, 340, 338}},
        {"   leading and trailing   ", {220, 220, 3756, 290, 25462, 220, 220, 220}},
        {"a\n\nb\n", {64, 198, 198, 65, 198}},
        {"12345 678 3.14159 1,000,000", {10163, 2231, 718, 3695, 513, 13, 1415, 19707, 352, 11, 830, 11, 830}},
        {"naïve café résumé", {2616, 38776, 40304, 40560, 16345, 2634}},
        {"中文字符 日本語のテキスト 한국어", {40792, 23877, 229, 27764, 245, 163, 105, 99, 10545, 245, 98, 17312, 105, 45739, 252,
                                               5641, 24336, 25084, 43302, 220, 47991, 250, 166, 113, 255, 168, 244, 112}},
        {"emoji 😀👍🏽 👨‍👩‍👧 🇫🇷", {368, 31370, 30325, 222, 41840, 235, 8582, 237, 121, 50169, 101, 447, 235, 41840, 102, 447,
                                     235, 41840, 100, 12520, 229, 104, 8582, 229, 115}},
        {"def f(x):\n    return x**2  # comment\n", {4299, 277, 7, 87, 2599, 198, 220, 220, 220, 1441, 2124, 1174, 17, 220, 1303, 2912, 198}},
        {"'S ''s 'll' 'LL", {6, 50, 10148, 82, 705, 297, 6, 705, 3069}},
        {"Hello<|endoftext|>", {15496, 50256}},
    };
    for (const auto& [text, ids] : cases) {
        EXPECT_EQ(t.encode(text), ids) << text;
        EXPECT_EQ(t.decode(ids), text);
    }
}
