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

    // KV-cache states. Each (past input, present output) pair whose present is Concat(past, new)
    // in the compiled graph becomes a buffer of `capacity` positions along the Concat's axis,
    // owned by the session: a run appends the new positions in place, the past inputs are no
    // longer fed and the present outputs no longer returned. Readers that take strided operands
    // (FusedAttention) read the state where it is; any other reader gets a dense copy of it.
    // Returns false, with the reason in *why, when a pair does not have that form (the session
    // is then unchanged and the caller feeds past/present itself).
    bool use_states(const std::vector<std::pair<std::string, std::string>>& pairs, int64_t capacity, std::string* why);
    int64_t state_length() const { return state_length_; }  // positions held
    int64_t state_capacity() const { return state_capacity_; }
    void reset_states() { state_length_ = 0; }

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
    void drop_plan();
    std::shared_ptr<const compile::CompiledModel> model_;
    std::unique_ptr<Plan> plan_;
    std::shared_ptr<Buffer> arena_;
    struct State {
        ValueId past = kNoId, present = kNoId;
        NodeId concat = kNoId;
        int axis = 0;
        Shape shape;  // the buffer's: the past's shape with `capacity` positions on the axis
        std::shared_ptr<Buffer> buffer;
    };
    std::vector<State> states_;
    int64_t state_capacity_ = 0, state_length_ = 0;
    bool timing_ = false;
    std::map<std::string, double> step_seconds_;
};

}  // namespace frugal
