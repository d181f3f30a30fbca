// Reading tokenizer files: vocab.json + merges.txt, Hugging Face's tokenizer.json, and finding
// either beside a model. Every error names the file, and the line or the JSON key it is about.
#include <algorithm>
#include <fstream>
#include <limits>
#include <sstream>

#include <nlohmann/json.hpp>

#include "generate/tokenizer.h"
#include "ir/error.h"

namespace frugal::generate {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

std::string read_text_file(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) fail("cannot open tokenizer file " + path.string());
    std::ostringstream text;
    text << in.rdbuf();
    if (in.bad()) fail("cannot read tokenizer file " + path.string());
    return text.str();
}

// Tokenizer files nest a few levels; a hostile one nested thousands deep would parse (the parser
// keeps its own stack) but overflow the call stack when printed in an error (json::dump recurses).
constexpr int kMaxJsonDepth = 64;

void check_json_depth(const std::string& text, const fs::path& path) {
    int depth = 0;
    bool in_string = false;
    size_t line = 1;
    for (size_t i = 0; i < text.size(); ++i) {
        char c = text[i];
        if (c == '\n') ++line;
        if (in_string) {
            if (c == '\\') ++i;
            else if (c == '"') in_string = false;
        } else if (c == '"') {
            in_string = true;
        } else if (c == '[' || c == '{') {
            if (++depth > kMaxJsonDepth)
                fail(path.string() + ":" + std::to_string(line) + ": JSON nested deeper than " + std::to_string(kMaxJsonDepth) + " levels");
        } else if (c == ']' || c == '}') {
            --depth;
        }
    }
}

json parse_json(const std::string& text, const fs::path& path) {
    check_json_depth(text, path);
    try {
        return json::parse(text);
    } catch (const json::parse_error& e) {
        size_t end = std::min<size_t>(e.byte, text.size());
        size_t line = 1 + size_t(std::count(text.begin(), text.begin() + std::ptrdiff_t(end), '\n'));
        std::string what = e.what();
        if (size_t skip = what.find("] "); skip != std::string::npos) what = what.substr(skip + 2);  // "[json.exception...] "
        fail(path.string() + ":" + std::to_string(line) + ": invalid JSON: " + what);
    } catch (const json::exception& e) {
        // Not a syntax error but still the file's fault: a number past double's range ("1e400")
        // is json::out_of_range (found by fuzz_tokenizer_json; it escaped as a non-frugal error).
        std::string what = e.what();
        if (size_t skip = what.find("] "); skip != std::string::npos) what = what.substr(skip + 2);
        fail(path.string() + ": invalid JSON: " + what);
    }
}

TokenId read_id(const json& value, const std::string& where) {
    if (!value.is_number_integer()) fail(where + ": the id must be an integer, found " + value.dump());
    if (value.is_number_unsigned() ? value.get<uint64_t>() > uint64_t(std::numeric_limits<TokenId>::max())
                                   : (value.get<int64_t>() < 0 || value.get<int64_t>() > std::numeric_limits<TokenId>::max())) {
        fail(where + ": the id must be in 0.." + std::to_string(std::numeric_limits<TokenId>::max()) + ", found " + value.dump());
    }
    return value.get<TokenId>();
}

// `where` is how the object is named in errors ("vocab.json", "tokenizer.json: model.vocab").
std::unordered_map<std::string, TokenId> read_vocab(const json& object, const std::string& where) {
    if (!object.is_object()) fail(where + ": expected an object of token -> id, found " + std::string(object.type_name()));
    std::unordered_map<std::string, TokenId> vocab;
    vocab.reserve(object.size());
    for (const auto& [token, id] : object.items()) vocab.emplace(token, read_id(id, where + ": token \"" + token + "\""));
    return vocab;
}

// Splits "a b" into its two tokens; anything else is an error at `where`.
std::pair<std::string, std::string> split_merge(std::string_view line, const std::string& where) {
    std::vector<std::string_view> parts;
    size_t pos = 0;
    while (pos < line.size()) {
        size_t begin = line.find_first_not_of(" \t", pos);
        if (begin == std::string_view::npos) break;
        size_t end = std::min(line.find_first_of(" \t", begin), line.size());
        parts.push_back(line.substr(begin, end - begin));
        pos = end;
    }
    if (parts.size() != 2) {
        fail(where + ": a merge is two tokens separated by a space, found " + std::to_string(parts.size()) +
             " token" + (parts.size() == 1 ? "" : "s") + " in '" + std::string(line) + "'");
    }
    return {std::string(parts[0]), std::string(parts[1])};
}

void read_merges_txt(const fs::path& path, TokenizerSpec& spec) {
    std::string text = read_text_file(path);
    size_t line_number = 0;
    for (size_t pos = 0; pos < text.size();) {
        size_t end = std::min(text.find('\n', pos), text.size());
        std::string_view line(text.data() + pos, end - pos);
        pos = end + 1;
        ++line_number;
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        // The "#version: 0.2" header; blank lines carry nothing.
        if (line.starts_with("#version") || line.find_first_not_of(" \t") == std::string_view::npos) continue;
        std::string where = path.string() + ":" + std::to_string(line_number);
        spec.merges.push_back(split_merge(line, where));
        spec.merge_origins.push_back(where);
    }
}

void read_json_merges(const json& merges, const std::string& where, TokenizerSpec& spec) {
    if (!merges.is_array()) fail(where + ": expected an array, found " + std::string(merges.type_name()));
    for (size_t i = 0; i < merges.size(); ++i) {
        const json& m = merges[i];
        std::string at = where + "[" + std::to_string(i) + "]";
        if (m.is_string()) {
            spec.merges.push_back(split_merge(m.get<std::string>(), at));
        } else if (m.is_array() && m.size() == 2 && m[0].is_string() && m[1].is_string()) {
            spec.merges.emplace_back(m[0].get<std::string>(), m[1].get<std::string>());
        } else {
            fail(at + ": a merge is \"a b\" or [\"a\", \"b\"], found " + m.dump());
        }
        spec.merge_origins.push_back(at);
    }
}

const json* member(const json& object, const char* key) {
    auto it = object.find(key);
    return it == object.end() || it->is_null() ? nullptr : &*it;
}

// Only a ByteLevel pre-tokenizer with GPT-2's regex is what this tokenizer does; anything else
// would encode silently wrong, so it is refused.
void read_pre_tokenizer(const json& pre, const std::string& where, TokenizerSpec& spec) {
    if (!pre.is_object()) fail(where + ": expected an object, found " + pre.dump());
    std::string type = pre.value("type", "");
    if (type == "Sequence" && pre.contains("pretokenizers") && pre["pretokenizers"].is_array() &&
        pre["pretokenizers"].size() == 1) {
        read_pre_tokenizer(pre["pretokenizers"][0], where + ".pretokenizers[0]", spec);
        return;
    }
    if (type != "ByteLevel") fail(where + ": type '" + type + "' is not supported; frugal's tokenizer is GPT-2's ByteLevel");
    if (!pre.value("use_regex", true)) fail(where + ": use_regex false is not supported");
    spec.add_prefix_space = pre.value("add_prefix_space", false);
}

}  // namespace

Tokenizer Tokenizer::from_files(const fs::path& vocab_json, const fs::path& merges_txt) {
    TokenizerSpec spec;
    spec.source = vocab_json.string() + " + " + merges_txt.string();
    spec.vocab = read_vocab(parse_json(read_text_file(vocab_json), vocab_json), vocab_json.string());
    read_merges_txt(merges_txt, spec);
    return from_spec(std::move(spec));
}

namespace {

TokenizerSpec read_tokenizer_json(const json& root, const std::string& file) {
    if (!root.is_object()) fail(file + ": expected a JSON object, found " + std::string(root.type_name()));
    const json* model = member(root, "model");
    if (!model || !model->is_object()) {
        fail(file + ": no \"model\" object; a Hugging Face tokenizer.json was expected (for vocab.json and merges.txt, " +
             "give their directory)");
    }
    std::string type = model->value("type", "BPE");
    if (type != "BPE") fail(file + ": model.type is '" + type + "'; frugal's tokenizer supports BPE only");
    for (const char* key : {"byte_fallback", "ignore_merges"}) {
        const json* v = member(*model, key);
        if (v && !(v->is_boolean() && !v->get<bool>())) fail(file + ": model." + key + " " + v->dump() + " is not supported");
    }
    for (const char* key : {"continuing_subword_prefix", "end_of_word_suffix"}) {
        const json* v = member(*model, key);
        if (v && !(v->is_string() && v->get<std::string>().empty())) fail(file + ": model." + key + " is not supported");
    }
    if (const json* normalizer = member(root, "normalizer")) {
        fail(file + ": normalizer '" + normalizer->value("type", "?") + "' is not supported (GPT-2 has none)");
    }
    // A missing pre_tokenizer is taken as GPT-2's (hand-written files often leave it out).
    TokenizerSpec spec;
    spec.source = file;
    if (const json* pre = member(root, "pre_tokenizer")) read_pre_tokenizer(*pre, file + ": pre_tokenizer", spec);

    const json* vocab = member(*model, "vocab");
    if (!vocab) fail(file + ": no model.vocab");
    spec.vocab = read_vocab(*vocab, file + ": model.vocab");
    const json* merges = member(*model, "merges");
    if (!merges) fail(file + ": no model.merges");
    read_json_merges(*merges, file + ": model.merges", spec);

    if (const json* added = member(root, "added_tokens")) {
        if (!added->is_array()) fail(file + ": added_tokens: expected an array");
        for (size_t i = 0; i < added->size(); ++i) {
            const json& a = (*added)[i];
            std::string at = file + ": added_tokens[" + std::to_string(i) + "]";
            if (!a.is_object() || !a.contains("content") || !a["content"].is_string() || !a.contains("id")) {
                fail(at + ": expected {\"id\": ..., \"content\": \"...\"}, found " + a.dump());
            }
            spec.special_tokens.emplace_back(a["content"].get<std::string>(), read_id(a["id"], at));
        }
    }
    return spec;
}

}  // namespace

Tokenizer Tokenizer::from_tokenizer_json(const fs::path& path) {
    json root = parse_json(read_text_file(path), path);
    TokenizerSpec spec;
    try {
        spec = read_tokenizer_json(root, path.string());
    } catch (const json::exception& e) {
        // A field of an unexpected JSON type ("type": 3) that the checks above did not name.
        fail(path.string() + ": unexpected tokenizer.json content: " + e.what());
    }
    return from_spec(std::move(spec));
}

namespace {

std::optional<Tokenizer> look_in(const fs::path& dir) {
    if (fs::is_regular_file(dir / "tokenizer.json")) return Tokenizer::from_tokenizer_json(dir / "tokenizer.json");
    if (fs::is_regular_file(dir / "vocab.json") && fs::is_regular_file(dir / "merges.txt"))
        return Tokenizer::from_files(dir / "vocab.json", dir / "merges.txt");
    return std::nullopt;
}

std::string looked_for(const fs::path& dir) {
    return (dir / "tokenizer.json").string() + ", or " + (dir / "vocab.json").string() + " with " + (dir / "merges.txt").string();
}

}  // namespace

Tokenizer find_tokenizer(const fs::path& model_path, const fs::path& explicit_path) {
    if (!explicit_path.empty()) {
        if (!fs::exists(explicit_path)) fail("tokenizer " + explicit_path.string() + " does not exist");
        if (fs::is_directory(explicit_path)) {
            if (auto t = look_in(explicit_path)) return std::move(*t);
            fail("no tokenizer in " + explicit_path.string() + ": looked for " + looked_for(explicit_path));
        }
        std::string name = explicit_path.filename().string();
        if (name == "vocab.json" || name == "merges.txt") {
            fs::path dir = explicit_path.parent_path();
            if (!fs::is_regular_file(dir / "vocab.json") || !fs::is_regular_file(dir / "merges.txt")) {
                fail("tokenizer " + explicit_path.string() + ": vocab.json and merges.txt must be side by side in " + dir.string());
            }
            return Tokenizer::from_files(dir / "vocab.json", dir / "merges.txt");
        }
        return Tokenizer::from_tokenizer_json(explicit_path);
    }
    fs::path dir = fs::is_directory(model_path) ? model_path : model_path.parent_path();
    if (dir.empty()) dir = ".";
    if (auto t = look_in(dir)) return std::move(*t);
    fail("no tokenizer found for model " + model_path.string() + ": looked for " + looked_for(dir) +
         "; give the tokenizer's path explicitly");
}

}  // namespace frugal::generate
