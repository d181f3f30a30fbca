#pragma once
// GPT-2's byte-level BPE tokenizer, as OpenAI's encoder.py and Hugging Face's GPT2Tokenizer:
// text -> special tokens cut out -> pre-tokenization (pre_tokenize.h) -> each piece's bytes in the
// byte-level alphabet (byte_level.h) -> merges applied by rank -> vocabulary ids; and back.
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

namespace frugal::generate {

using TokenId = int32_t;

// What a tokenizer is made of, before checking. Tokens are strings in the byte-level alphabet;
// merges are in rank order (rank 0 is applied first).
struct TokenizerSpec {
    std::unordered_map<std::string, TokenId> vocab;
    std::vector<std::pair<std::string, std::string>> merges;
    // Where each merge came from ("merges.txt:12", "tokenizer.json: model.merges[10]"), for errors;
    // empty or shorter than `merges` is allowed.
    std::vector<std::string> merge_origins;
    // Tokens matched whole in the text before pre-tokenization and decoded verbatim (Hugging Face's
    // added tokens). They are added to the vocabulary if it lacks them. "<|endoftext|>" is one
    // whenever the vocabulary has it.
    std::vector<std::pair<std::string, TokenId>> special_tokens;
    bool add_prefix_space = false;  // ByteLevel's option: each text piece gets a leading ' '
    std::string source;             // the file(s), for error messages
};

class Tokenizer {
public:
    // Checks the spec (every merge's parts and result are in the vocabulary, every byte has a
    // token, ids are unique and non-negative) and throws frugal::Error naming spec.source and the
    // merge's origin otherwise.
    static Tokenizer from_spec(TokenizerSpec spec);
    // OpenAI / Hugging Face vocab.json (token -> id) and merges.txt ("a b" per line, an optional
    // "#version" first line).
    static Tokenizer from_files(const std::filesystem::path& vocab_json, const std::filesystem::path& merges_txt);
    // Hugging Face tokenizer.json with model.type "BPE" and a ByteLevel pre-tokenizer.
    static Tokenizer from_tokenizer_json(const std::filesystem::path& path);

    Tokenizer(Tokenizer&&) noexcept;
    Tokenizer& operator=(Tokenizer&&) noexcept;
    ~Tokenizer();

    // `allow_special` false encodes "<|endoftext|>" in the text as ordinary characters.
    std::vector<TokenId> encode(std::string_view text, bool allow_special = true) const;
    // The bytes the ids stand for, concatenated; not necessarily valid UTF-8 (a character may be
    // split across tokens, or the model may produce invalid bytes). Throws for an unknown id.
    std::string decode(std::span<const TokenId> ids) const;
    std::string decode_token(TokenId id) const;

    // One more than the largest id.
    int64_t vocab_size() const { return int64_t(id_to_token_.size()); }
    std::optional<TokenId> token_id(std::string_view token) const;  // a vocabulary string
    std::optional<TokenId> end_of_text() const { return end_of_text_; }  // "<|endoftext|>"
    const std::string& source() const { return source_; }

private:
    Tokenizer();
    void encode_piece(std::string_view piece, std::vector<TokenId>& out) const;
    std::vector<TokenId> bpe(std::string_view byte_level_piece) const;
    void encode_ordinary(std::string_view text, std::vector<TokenId>& out) const;

    struct Cache;
    std::unordered_map<std::string, TokenId> token_to_id_;
    std::vector<std::string> id_to_token_;  // empty string where an id has no token
    std::vector<bool> is_special_;          // by id
    // (left id << 32 | right id) -> (rank, merged id)
    std::unordered_map<uint64_t, std::pair<int32_t, TokenId>> merges_;
    std::vector<std::pair<std::string, TokenId>> specials_;  // longest first
    TokenId byte_ids_[256] = {};
    bool add_prefix_space_ = false;
    std::optional<TokenId> end_of_text_;
    std::string source_;
    std::unique_ptr<Cache> cache_;  // piece -> ids; guarded by its own mutex so encode is const
};

// The tokenizer for a model: `explicit_path` if given (a tokenizer.json, a vocab.json with
// merges.txt beside it, or a directory holding either), else one beside the model file (or in the
// model directory): tokenizer.json first, then vocab.json + merges.txt. Throws saying where it
// looked when there is none.
Tokenizer find_tokenizer(const std::filesystem::path& model_path, const std::filesystem::path& explicit_path = {});

}  // namespace frugal::generate
