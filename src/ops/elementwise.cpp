#include "ops/elementwise.h"

#include <string>

namespace frugal::ops {

Shape broadcast_tensor_shapes(std::span<const Tensor* const> ts) {
    Shape s;
    bool first = true;
    for (const Tensor* t : ts) {
        if (!t) continue;
        s = first ? t->shape : broadcast_shapes(s, t->shape);
        first = false;
    }
    return s;
}

static void type_error(DType t, const char* what, const char* expected) {
    fail(std::string(what) + " must be " + expected + ", got " + dtype_name(t));
}

void require_numeric(DType t, const char* what) {
    if (t != DType::undefined && !dtype_is_float(t) && !dtype_is_integer(t)) type_error(t, what, "a number type");
}

void require_float(DType t, const char* what) {
    if (t != DType::undefined && !dtype_is_float(t)) type_error(t, what, "a floating type");
}

void require_bool(DType t, const char* what) {
    if (t != DType::undefined && t != DType::boolean) type_error(t, what, "bool");
}

void require_same_dtype(DType a, DType b, const char* what_a, const char* what_b) {
    if (a != DType::undefined && b != DType::undefined && a != b)
        fail(std::string(what_a) + " and " + what_b + " must have the same element type, got " + dtype_name(a) +
             " and " + dtype_name(b));
}

}  // namespace frugal::ops
