// frugal compile: read, run the offline passes, compile for this CPU and write the compiled plan
// with its packed weights as one .frugal file (compile/compiled_file.h) that later commands map
// with no work left.
#include <chrono>
#include <cstdio>
#include <filesystem>

#include "commands.h"
#include "compile/compile.h"
#include "compile/compiled_file.h"
#include "frontend/read_model.h"
#include "ir/error.h"
#include "transform/offline.h"

namespace frugal::cli {

struct CompileCliOptions {
    std::string input;
    std::string output;
    int threads = 0;
};

static void compile_to_file(const CompileCliOptions& o) {
    if (compile::is_compiled_file(o.input)) fail(o.input + ": is a compiled file already; compile the source model");
    auto start = std::chrono::steady_clock::now();
    Model model = read_model(o.input);
    transform::offline(model);
    compile::CompileOptions co;
    co.threads = o.threads;
    auto compiled = compile::compile_model(std::move(model), co);
    compile::write_compiled(*compiled, o.output);
    double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::printf("%s: %zu nodes, %zu packed weights, %.1f MiB of weights -> %s (%.1f MiB) in %.2f s\n", o.input.c_str(),
                compiled->model.graph.live_node_count(), compiled->packed.size(), double(compiled->weight_bytes()) / (1 << 20),
                o.output.c_str(), double(std::filesystem::file_size(o.output)) / (1 << 20), seconds);
}

void add_compile(CLI::App& app) {
    auto* cmd = app.add_subcommand("compile", "Compile a model for this CPU into a .frugal file that later runs map ready to run");
    auto o = std::make_shared<CompileCliOptions>();
    cmd->add_option("MODEL", o->input, "model to compile (.onnx, or .xml for OpenVINO IR)")->required();
    cmd->add_option("-o,--output", o->output, "compiled file to write (.frugal)")->required();
    cmd->add_option("--threads", o->threads, "threads for packing the weights (default: all cores)");
    cmd->callback([o] { compile_to_file(*o); });
}

}  // namespace frugal::cli
