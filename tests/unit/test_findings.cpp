// Regression tests for what the sanitizers and fuzzers found (issue 7). Each passes in a plain
// build too; under `make test-asan` (ASan + UBSan, aborting on undefined behaviour) it is the
// check that the bug stays fixed. The fuzzers' inputs themselves are replayed from tests/regress/.
#include <gtest/gtest.h>

#include "ir/tensor.h"

using namespace frugal;

// fuzz_ir: an IR Transpose whose order is an empty Const; to_int_vector memcpy'd 0 bytes to the
// empty vector's null data() (undefined behaviour).
TEST(SanitizerFindings, EmptyTensorToIntVector) {
    EXPECT_TRUE(Tensor::empty(DType::i64, {0}).to_int_vector().empty());
    EXPECT_TRUE(Tensor::empty(DType::i32, {2, 0}).to_int_vector().empty());
}
