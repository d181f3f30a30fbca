#include "kernels/cpu/dnnl_engine.h"

namespace frugal::kernels {

dnnl::engine& dnnl_cpu_engine() {
    static dnnl::engine engine(dnnl::engine::kind::cpu, 0);
    return engine;
}

dnnl::stream& dnnl_thread_stream() {
    thread_local dnnl::stream stream(dnnl_cpu_engine());
    return stream;
}

}  // namespace frugal::kernels
