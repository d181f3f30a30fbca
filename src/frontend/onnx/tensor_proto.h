#pragma once
// ONNX TensorProto <-> Tensor. Raw bytes are moved out of the message (never copied twice);
// external data is a view into a memory-mapped file, found relative to the model's folder.
#include <map>
#include <memory>
#include <string>

#include "ir/tensor.h"

namespace onnx {
class TensorProto;
}

namespace frugal::onnx_io {

// Maps each external data file once and hands out views into it. `model_dir` is the folder the
// model file is in; locations that leave it (absolute, "..", or a symlink pointing out) are refused.
class ExternalData {
public:
    explicit ExternalData(std::string model_dir) : dir_(std::move(model_dir)) {}
    std::shared_ptr<Buffer> view(const std::string& location, size_t offset, size_t length, const std::string& tensor);

private:
    std::string dir_;
    std::map<std::string, std::shared_ptr<Buffer>> files_;
};

// Takes the tensor's bytes out of `proto` (it is left without data). `external` may be null when
// the proto cannot refer to external data (then such a reference is an error).
Tensor tensor_from_proto(onnx::TensorProto& proto, ExternalData* external);

// Fills `proto` with the tensor's dims, type and raw bytes (copying them into the message).
void tensor_to_proto(const Tensor& t, onnx::TensorProto& proto);

}  // namespace frugal::onnx_io
