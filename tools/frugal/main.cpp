// frugal: the command-line tool. Errors from any stage print as one line naming the file, node
// and op, and exit with status 1.
#include <cstdio>
#include <exception>

#include "commands.h"
#include "ir/error.h"

int main(int argc, char** argv) {
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
