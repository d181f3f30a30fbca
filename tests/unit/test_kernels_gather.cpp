// gather_rows against the reference Gather (axis 0), int64 and int32 ids, negative ids, bad ids.
#include "ir/error.h"
#include "kernel_test_util.h"
#include "kernels/cpu/gather.h"

using namespace frugal;
using namespace frugal::kernel_test;

TEST(KernelsGather, MatchesReference) {
    for (int i = 0; i < 6; ++i) {
        int64_t rows = random_int(1, 500), cols = random_int(1, 300), count = random_int(1, 40);
        Tensor table = random_tensor({rows, cols});
        std::vector<int64_t> ids;
        for (int64_t j = 0; j < count; ++j) ids.push_back(random_int(-rows, rows - 1));
        std::vector<int32_t> ids32(ids.begin(), ids.end());
        Tensor idx = Tensor::from_vector<int64_t>({count}, ids);
        Tensor want = reference(OpKind::Gather, {&table, &idx});
        std::vector<float> out(size_t(count * cols)), out32(size_t(count * cols));
        kernels::gather_rows(table.data<float>(), rows, cols, ids.data(), count, out.data());
        kernels::gather_rows(table.data<float>(), rows, cols, ids32.data(), count, out32.data());
        expect_close(out.data(), want, 0, 0, "int64 ids");
        expect_close(out32.data(), want, 0, 0, "int32 ids");
    }
}

TEST(KernelsGather, OutOfRangeThrowsWithoutWriting) {
    Tensor table = random_tensor({10, 4});
    std::vector<int64_t> ids = {3, 10};
    std::vector<float> out(8, -7.f);
    EXPECT_THROW(kernels::gather_rows(table.data<float>(), 10, 4, ids.data(), 2, out.data()), Error);
    EXPECT_EQ(out[0], -7.f);
    ids = {-11};
    EXPECT_THROW(kernels::gather_rows(table.data<float>(), 10, 4, ids.data(), 1, out.data()), Error);
}
