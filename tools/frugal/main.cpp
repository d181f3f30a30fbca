// frugal: the command-line tool. Errors from any stage print as one line naming the file, node
// and op, and exit with status 1.
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <exception>

#include "commands.h"
#include "ir/error.h"

// OpenMP threads that spin between kernels take the core from the thread with work whenever the
// machine has other work: measured 2-17x slower forwards here (bench/README.md), against a few
// percent gained on an idle machine. libgomp reads OMP_WAIT_POLICY once, before main, so when the
// user has chosen neither a policy nor a spin count, frugal sets PASSIVE and runs itself again
// (once: the variable is then set). OMP_WAIT_POLICY=ACTIVE keeps threads spinning, and
// GOMP_SPINCOUNT=300000 gives libgomp's own default (spin a while, then sleep).
static void prefer_passive_openmp_threads(char** argv) {
    if (std::getenv("OMP_WAIT_POLICY") || std::getenv("GOMP_SPINCOUNT")) return;
    if (setenv("OMP_WAIT_POLICY", "PASSIVE", 1) != 0) return;
    execv("/proc/self/exe", argv);
    // Not re-executed (no /proc): go on with libgomp's default policy.
}

int main(int argc, char** argv) {
    prefer_passive_openmp_threads(argv);
    CLI::App app{"frugal: a memory-frugal model compiler and CPU runtime for ONNX and OpenVINO IR models"};
    app.require_subcommand(1);
    frugal::cli::add_dump(app);
    frugal::cli::add_run(app);
    frugal::cli::add_convert(app);
    frugal::cli::add_profile(app);
    frugal::cli::add_make_model(app);
    frugal::cli::add_generate(app);
    frugal::cli::add_compile(app);
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        return app.exit(e);
    } catch (const frugal::Error& e) {
        std::fprintf(stderr, "frugal: error: %s\n", e.what());
        return 1;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "frugal: error: %s\n", e.what());
        return 1;
    }
    return 0;
}
