#include "frontend/ovir/ir_format.h"

#include <cctype>
#include <charconv>

#include "ir/error.h"

namespace frugal::ovir {

std::string lowercase(std::string_view s) {
    std::string r(s);
    for (char& c : r) c = char(std::tolower(static_cast<unsigned char>(c)));
    return r;
}

namespace {

struct TypeName {
    DType type;
    const char* element_type;
    const char* precision;
};

constexpr TypeName kTypeNames[] = {
    {DType::f32, "f32", "FP32"},   {DType::f16, "f16", "FP16"},     {DType::bf16, "bf16", "BF16"},
    {DType::f64, "f64", "FP64"},   {DType::i8, "i8", "I8"},         {DType::u8, "u8", "U8"},
    {DType::i16, "i16", "I16"},    {DType::u16, "u16", "U16"},      {DType::i32, "i32", "I32"},
    {DType::u32, "u32", "U32"},    {DType::i64, "i64", "I64"},      {DType::u64, "u64", "U64"},
    {DType::boolean, "boolean", "BOOL"},
};

std::string_view trim(std::string_view s) {
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
    return s;
}

bool parse_int64(std::string_view s, int64_t& out) {
    s = trim(s);
    if (s.empty()) return false;
    auto r = std::from_chars(s.data(), s.data() + s.size(), out);
    return r.ec == std::errc() && r.ptr == s.data() + s.size();
}

}  // namespace

std::optional<DType> dtype_from_ir(std::string_view name) {
    std::string n = lowercase(trim(name));
    for (const TypeName& t : kTypeNames)
        if (n == t.element_type || n == lowercase(t.precision)) return t.type;
    if (n == "bool") return DType::boolean;
    return std::nullopt;
}

bool is_unspecified_ir_type(std::string_view name) {
    std::string n = lowercase(trim(name));
    return n.empty() || n == "dynamic" || n == "undefined" || n == "unspecified";
}

const char* ir_element_type(DType t) {
    for (const TypeName& n : kTypeNames)
        if (n.type == t) return n.element_type;
    return "dynamic";
}

const char* ir_precision(DType t) {
    for (const TypeName& n : kTypeNames)
        if (n.type == t) return n.precision;
    return "UNSPECIFIED";
}

int64_t parse_ir_dim(std::string_view text) {
    std::string_view s = trim(text);
    if (s == "?" || s == "-1") return kDynamic;
    size_t dots = s.find("..");
    if (dots != std::string_view::npos) {
        // An interval lo..hi (either end may be empty): a fixed size only when both ends agree.
        std::string_view lo = trim(s.substr(0, dots)), hi = trim(s.substr(dots + 2));
        int64_t a = 0, b = 0;
        if ((!lo.empty() && !parse_int64(lo, a)) || (!hi.empty() && !parse_int64(hi, b)))
            fail("malformed dimension '" + std::string(text) + "'");
        return (!lo.empty() && !hi.empty() && a == b && a >= 0) ? a : kDynamic;
    }
    int64_t d = 0;
    if (!parse_int64(s, d) || d < -1) fail("malformed dimension '" + std::string(text) + "' (expected an integer >= -1, '?' or 'lo..hi')");
    return d;
}

PartialShape parse_ir_shape(std::string_view text) {
    std::string_view s = trim(text);
    if (s.find("...") != std::string_view::npos) return PartialShape::unknown_rank();
    if (s.size() >= 2 && s.front() == '[' && s.back() == ']') s = trim(s.substr(1, s.size() - 2));
    PartialShape p = PartialShape::of_rank(0);
    if (s.empty()) return p;
    size_t start = 0;
    while (true) {
        size_t comma = s.find(',', start);
        std::string_view item = s.substr(start, comma == std::string_view::npos ? std::string_view::npos : comma - start);
        if (trim(item).empty()) fail("malformed shape '" + std::string(text) + "'");
        p.dims.push_back(parse_ir_dim(item));
        if (comma == std::string_view::npos) break;
        start = comma + 1;
    }
    return p;
}

std::string format_ir_shape(const PartialShape& s) {
    if (!s.rank_known) return "...";
    std::string r;
    for (size_t i = 0; i < s.dims.size(); ++i) {
        if (i) r += ",";
        r += s.dims[i] < 0 ? "?" : std::to_string(s.dims[i]);
    }
    return r;
}

std::vector<int64_t> parse_int_list(std::string_view text) {
    std::vector<int64_t> v;
    std::string_view s = trim(text);
    if (s.empty()) return v;
    size_t start = 0;
    while (true) {
        size_t comma = s.find(',', start);
        std::string_view item = s.substr(start, comma == std::string_view::npos ? std::string_view::npos : comma - start);
        int64_t x = 0;
        if (!parse_int64(item, x)) fail("malformed integer list '" + std::string(text) + "'");
        v.push_back(x);
        if (comma == std::string_view::npos) break;
        start = comma + 1;
    }
    return v;
}

std::string format_int_list(const std::vector<int64_t>& v) {
    std::string r;
    for (size_t i = 0; i < v.size(); ++i) {
        if (i) r += ",";
        r += std::to_string(v[i]);
    }
    return r;
}

std::string format_float(float v) {
    char buf[64];
    auto r = std::to_chars(buf, buf + sizeof buf, v);
    return std::string(buf, r.ptr);
}

}  // namespace frugal::ovir
