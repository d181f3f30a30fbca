#pragma once
// The one oneDNN CPU engine of the process, and a stream per calling thread (a dnnl::stream must
// not be used by two threads at once). Only kernel .cpp files include this: dnnl.hpp stays out
// of the headers the rest of frugal sees.
#include <oneapi/dnnl/dnnl.hpp>

namespace frugal::kernels {

dnnl::engine& dnnl_cpu_engine();
dnnl::stream& dnnl_thread_stream();

}  // namespace frugal::kernels
