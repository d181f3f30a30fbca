#pragma once
// A Session runs a compiled model. The plan — static shapes, one kernel per node, activation
// offsets in one arena — is made for the shapes of the inputs and kept until they change; a new
// plan re-allocates the arena only when it needs more. Sessions share the CompiledModel and may
// run at the same time on different threads (one session is used by one thread at a time).
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "compile/compile.h"
#include "runtime/reference_executor.h"

namespace frugal {

class Session {
public:
    explicit Session(std::shared_ptr<const compile::CompiledModel> model);
    ~Session();

    TensorMap run(const TensorMap& inputs);

    // Time per op (and kernel) over the runs since timing was switched on: "FusedMatMul [kernel]".
    void set_timing(bool on) { timing_ = on; }
    const std::map<std::string, double>& step_seconds() const { return step_seconds_; }

    // What the last plan holds, for profiles and tests.
    size_t arena_bytes() const;
    size_t kernel_steps() const;     // nodes run by an optimized kernel
    size_t reference_steps() const;  // nodes run by the reference evaluate

private:
    struct Plan;
    void make_plan(const TensorMap& inputs);
    std::shared_ptr<const compile::CompiledModel> model_;
    std::unique_ptr<Plan> plan_;
    std::shared_ptr<Buffer> arena_;
    bool timing_ = false;
    std::map<std::string, double> step_seconds_;
};

}  // namespace frugal
