#include "generate/tokenizer.h"

#include <algorithm>
#include <cstdio>
#include <limits>
#include <mutex>

#include "generate/byte_level.h"
#include "generate/pre_tokenize.h"
#include "ir/error.h"

namespace frugal::generate {
namespace {

constexpr std::string_view kEndOfText = "<|endoftext|>";
// Ids index a table, so a stray huge id would cost memory before anything else went wrong.
constexpr TokenId kMaxTokenId = (1 << 24) - 1;
// Pieces are mostly words, which repeat; the cache is dropped whole when it reaches this size.
constexpr size_t kCacheEntries = 1 << 16;

uint64_t pair_key(TokenId left, TokenId right) { return (uint64_t(uint32_t(left)) << 32) | uint32_t(right); }

std::string byte_name(int b) {
    char hex[8];
    std::snprintf(hex, sizeof hex, "0x%02X", b);
    std::string token;
    append_utf8(token, byte_to_unicode(uint8_t(b)));
    return std::string(hex) + " ('" + token + "')";
}

std::string origin_of(const TokenizerSpec& spec, size_t merge_index) {
    if (merge_index < spec.merge_origins.size() && !spec.merge_origins[merge_index].empty())
        return spec.merge_origins[merge_index];
    return spec.source + ": merge " + std::to_string(merge_index + 1);
}

}  // namespace

struct Tokenizer::Cache {
    std::mutex mutex;
    std::unordered_map<std::string, std::vector<TokenId>> pieces;
};

Tokenizer::Tokenizer() : cache_(std::make_unique<Cache>()) {}
Tokenizer::Tokenizer(Tokenizer&&) noexcept = default;
Tokenizer& Tokenizer::operator=(Tokenizer&&) noexcept = default;
Tokenizer::~Tokenizer() = default;

Tokenizer Tokenizer::from_spec(TokenizerSpec spec) {
    Tokenizer t;
    t.source_ = spec.source;
    t.add_prefix_space_ = spec.add_prefix_space;

    auto add_token = [&](const std::string& token, TokenId id, const char* what) {
        if (token.empty()) fail(spec.source + ": " + what + " with id " + std::to_string(id) + " is an empty string");
        if (id < 0 || id > kMaxTokenId) {
            fail(spec.source + ": " + what + " '" + token + "' has id " + std::to_string(id) + "; ids must be in 0.." +
                 std::to_string(kMaxTokenId));
        }
        if (size_t(id) >= t.id_to_token_.size()) t.id_to_token_.resize(size_t(id) + 1);
        std::string& slot = t.id_to_token_[size_t(id)];
        if (!slot.empty() && slot != token) {
            fail(spec.source + ": tokens '" + slot + "' and '" + token + "' both have id " + std::to_string(id));
        }
        slot = token;
    };
    // Sorted so that a duplicate id is reported the same way on every run.
    std::vector<std::pair<std::string, TokenId>> entries(spec.vocab.begin(), spec.vocab.end());
    std::sort(entries.begin(), entries.end(), [](const auto& a, const auto& b) { return a.second < b.second || (a.second == b.second && a.first < b.first); });
    for (const auto& [token, id] : entries) add_token(token, id, "token");
    t.token_to_id_ = std::move(spec.vocab);

    for (const auto& [token, id] : spec.special_tokens) {
        auto it = t.token_to_id_.find(token);
        if (it != t.token_to_id_.end() && it->second != id) {
            fail(spec.source + ": special token '" + token + "' has id " + std::to_string(id) +
                 " but the vocabulary gives it id " + std::to_string(it->second));
        }
        add_token(token, id, "special token");
        t.token_to_id_.emplace(token, id);
    }
    if (auto it = t.token_to_id_.find(std::string(kEndOfText)); it != t.token_to_id_.end()) {
        t.end_of_text_ = it->second;
        spec.special_tokens.emplace_back(it->first, it->second);
    }
    t.is_special_.assign(t.id_to_token_.size(), false);
    for (const auto& [token, id] : spec.special_tokens) {
        if (t.is_special_[size_t(id)]) continue;
        t.is_special_[size_t(id)] = true;
        t.specials_.emplace_back(token, id);
    }
    // At one position the longest special token wins ("<|a|>x" before "<|a|>").
    std::stable_sort(t.specials_.begin(), t.specials_.end(), [](const auto& a, const auto& b) { return a.first.size() > b.first.size(); });

    for (int b = 0; b < 256; ++b) {
        std::string token;
        append_utf8(token, byte_to_unicode(uint8_t(b)));
        auto it = t.token_to_id_.find(token);
        if (it == t.token_to_id_.end()) {
            fail(spec.source + ": the vocabulary has no token for byte " + byte_name(b) +
                 "; a byte-level BPE vocabulary has one for each of the 256 bytes");
        }
        t.byte_ids_[b] = it->second;
    }

    auto lookup = [&](const std::string& token, size_t index, const char* role) {
        auto it = t.token_to_id_.find(token);
        if (it == t.token_to_id_.end()) {
            fail(origin_of(spec, index) + ": merge '" + spec.merges[index].first + " " + spec.merges[index].second +
                 "': its " + role + " '" + token + "' is not in the vocabulary");
        }
        return it->second;
    };
    if (spec.merges.size() > size_t(std::numeric_limits<int32_t>::max())) fail(spec.source + ": too many merges");
    for (size_t i = 0; i < spec.merges.size(); ++i) {
        const auto& [left, right] = spec.merges[i];
        TokenId left_id = lookup(left, i, "first token");
        TokenId right_id = lookup(right, i, "second token");
        TokenId merged_id = lookup(left + right, i, "result");
        // A repeated pair takes its last rank, as Python's dict(zip(merges, range(...))) does.
        t.merges_[pair_key(left_id, right_id)] = {int32_t(i), merged_id};
    }
    return t;
}

std::optional<TokenId> Tokenizer::token_id(std::string_view token) const {
    auto it = token_to_id_.find(std::string(token));
    if (it == token_to_id_.end()) return std::nullopt;
    return it->second;
}

std::vector<TokenId> Tokenizer::bpe(std::string_view piece) const {
    std::vector<TokenId> symbols;
    symbols.reserve(piece.size());
    for (char c : piece) symbols.push_back(byte_ids_[uint8_t(c)]);

    // encoder.py's loop: merge every occurrence (left to right, not overlapping) of the adjacent
    // pair with the lowest rank, until no adjacent pair has a rank.
    std::vector<TokenId> merged;
    while (symbols.size() > 1) {
        int32_t best_rank = std::numeric_limits<int32_t>::max();
        TokenId first = -1, second = -1, result = -1;
        for (size_t i = 0; i + 1 < symbols.size(); ++i) {
            auto it = merges_.find(pair_key(symbols[i], symbols[i + 1]));
            if (it != merges_.end() && it->second.first < best_rank) {
                best_rank = it->second.first;
                first = symbols[i], second = symbols[i + 1], result = it->second.second;
            }
        }
        if (result < 0) break;
        merged.clear();
        for (size_t i = 0; i < symbols.size();) {
            if (i + 1 < symbols.size() && symbols[i] == first && symbols[i + 1] == second) {
                merged.push_back(result);
                i += 2;
            } else {
                merged.push_back(symbols[i]);
                i += 1;
            }
        }
        symbols.swap(merged);
    }
    return symbols;
}

void Tokenizer::encode_piece(std::string_view piece, std::vector<TokenId>& out) const {
    std::string key(piece);
    {
        std::lock_guard lock(cache_->mutex);
        auto it = cache_->pieces.find(key);
        if (it != cache_->pieces.end()) {
            out.insert(out.end(), it->second.begin(), it->second.end());
            return;
        }
    }
    std::vector<TokenId> ids = bpe(piece);
    out.insert(out.end(), ids.begin(), ids.end());
    std::lock_guard lock(cache_->mutex);
    if (cache_->pieces.size() >= kCacheEntries) cache_->pieces.clear();
    cache_->pieces.emplace(std::move(key), std::move(ids));
}

void Tokenizer::encode_ordinary(std::string_view text, std::vector<TokenId>& out) const {
    if (text.empty()) return;
    std::string prefixed;
    if (add_prefix_space_ && text.front() != ' ') {
        prefixed.reserve(text.size() + 1);
        prefixed.push_back(' ');
        prefixed.append(text);
        text = prefixed;
    }
    for (std::string_view piece : pre_tokenize(text)) encode_piece(piece, out);
}

std::vector<TokenId> Tokenizer::encode(std::string_view text, bool allow_special) const {
    std::vector<TokenId> out;
    if (!allow_special || specials_.empty()) {
        encode_ordinary(text, out);
        return out;
    }
    // Special tokens are cut out first; the text between them is encoded on its own, so a space
    // before "<|endoftext|>" is a piece by itself (as in Hugging Face's added-token split).
    size_t done = 0;
    for (size_t pos = 0; pos < text.size(); ++pos) {
        for (const auto& [token, id] : specials_) {
            if (text.compare(pos, token.size(), token) != 0) continue;
            encode_ordinary(text.substr(done, pos - done), out);
            out.push_back(id);
            done = pos + token.size();
            pos = done - 1;
            break;
        }
    }
    encode_ordinary(text.substr(done), out);
    return out;
}

std::string Tokenizer::decode_token(TokenId id) const {
    if (id < 0 || id >= vocab_size() || id_to_token_[size_t(id)].empty()) {
        fail("token id " + std::to_string(id) + " is not in the vocabulary of " + source_ + " (" +
             std::to_string(token_to_id_.size()) + " tokens, ids 0.." + std::to_string(vocab_size() - 1) + ")");
    }
    const std::string& token = id_to_token_[size_t(id)];
    return is_special_[size_t(id)] ? token : byte_level_to_bytes(token);
}

std::string Tokenizer::decode(std::span<const TokenId> ids) const {
    std::string out;
    for (TokenId id : ids) out += decode_token(id);
    return out;
}

}  // namespace frugal::generate
