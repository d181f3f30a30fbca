#include "ir/file_tensor.h"

#include <cstdint>
#include <cstring>

namespace frugal {

Tensor tensor_over_file_bytes(DType t, const Shape& s, std::shared_ptr<Buffer> bytes) {
    if (reinterpret_cast<uintptr_t>(bytes->data()) % dtype_size(t) == 0) return Tensor::over(t, s, std::move(bytes));
    Tensor copy = Tensor::empty(t, s);
    if (copy.nbytes() != bytes->size())
        return Tensor::over(t, s, std::move(bytes));  // let Tensor::over report the size mismatch
    if (copy.nbytes()) std::memcpy(copy.mutable_raw(), bytes->data(), copy.nbytes());
    return copy;
}

}  // namespace frugal
