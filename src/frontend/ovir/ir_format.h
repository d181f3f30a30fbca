#pragma once
// Pieces of the OpenVINO IR text format shared by the reader and the writer: element type names,
// dimension and shape strings, integer lists. (Cast's ONNX type codes are onnx_io's.)
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ir/dtype.h"
#include "ir/shape.h"

namespace frugal::ovir {

// An element type as OpenVINO spells it: "f32", "i64", "boolean" in <data element_type> or
// "FP32", "I64", "BOOL" in a port's precision. Case-insensitive. nullopt for a name we do not
// know or cannot hold (u1, i4, nf4, f8e4m3, string, ...).
std::optional<DType> dtype_from_ir(std::string_view name);
// True for the names OpenVINO uses for "no type yet" ("dynamic", "undefined", "UNSPECIFIED").
bool is_unspecified_ir_type(std::string_view name);
const char* ir_element_type(DType t);  // "f32"
const char* ir_precision(DType t);     // "FP32"

// One dimension: "3", "-1", "?", or an interval "1..10" (dynamic unless both ends agree).
// Throws frugal::Error on anything else.
int64_t parse_ir_dim(std::string_view text);
// A shape attribute: "1,3,224", "?,?,768", "[1,2]", "" (a scalar) or "..." (unknown rank).
PartialShape parse_ir_shape(std::string_view text);
// The inverse, for Parameter's shape attribute: "1,?,768", "..." for an unknown rank.
std::string format_ir_shape(const PartialShape& s);

// "1,0,1" -> {1,0,1}; "" -> {}. Throws on a non-integer item.
std::vector<int64_t> parse_int_list(std::string_view text);
std::string format_int_list(const std::vector<int64_t>& v);
// Shortest text that reads back to the same float.
std::string format_float(float v);

std::string lowercase(std::string_view s);

}  // namespace frugal::ovir
