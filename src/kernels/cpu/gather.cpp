// Rows are contiguous, so each one is a memcpy (which glibc already does with the widest vectors).
// Indices are all checked before anything is written, so a bad id leaves out untouched.
#include "kernels/cpu/gather.h"

#include <cstring>
#include <string>

#include "ir/error.h"
#include "kernels/cpu/parallel_for.h"

namespace frugal::kernels {

namespace {

template <class Id>
void gather_typed(const float* table, int64_t rows, int64_t cols, const Id* ids, int64_t count, float* out) {
    for (int64_t i = 0; i < count; ++i)
        if (ids[i] < -rows || ids[i] >= rows)
            fail("gather_rows: index " + std::to_string(ids[i]) + " is out of range for " + std::to_string(rows) +
                 " rows");
    size_t row_bytes = size_t(cols) * sizeof(float);
    parallel_for(count, count * cols >= (1 << 16), [&](int64_t i) {
        int64_t id = ids[i] < 0 ? int64_t(ids[i]) + rows : int64_t(ids[i]);
        std::memcpy(out + i * cols, table + id * cols, row_bytes);
    });
}

}  // namespace

void gather_rows(const float* table, int64_t rows, int64_t cols, const int64_t* ids, int64_t count, float* out) {
    gather_typed(table, rows, cols, ids, count, out);
}

void gather_rows(const float* table, int64_t rows, int64_t cols, const int32_t* ids, int64_t count, float* out) {
    gather_typed(table, rows, cols, ids, count, out);
}

}  // namespace frugal::kernels
