#include <cstdio>
#include <filesystem>

#include "commands.h"
#include "frontend/npy/npy.h"
#include "frontend/read_model.h"
#include "ir/error.h"
#include "compile/compile.h"
#include "compile/compiled_file.h"
#include "runtime/reference_executor.h"
#include "runtime/session.h"
#include "transform/offline.h"

namespace frugal::cli {

// Output names become file names: anything outside [A-Za-z0-9._-] turns into '_'.
static std::string safe_file_name(const std::string& name) {
    std::string s = name;
    for (char& c : s)
        if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-')) c = '_';
    if (s.empty() || s == "." || s == "..") s = "_" + s;
    return s;
}

struct RunOptions {
    std::string model;
    std::vector<std::string> inputs;
    std::string output_dir = ".";
    bool reference = false;
    int threads = 0;
};

static void run(const RunOptions& o) {
    Model model;
    std::shared_ptr<const compile::CompiledModel> compiled;
    if (compile::is_compiled_file(o.model)) {
        if (o.reference) fail(o.model + ": --reference needs the source model (a compiled file's packed weights run on the compiled path only)");
        compiled = compile::load_compiled(o.model, o.threads);
    } else {
        model = read_model(o.model);
    }
    const Graph& graph = compiled ? compiled->model.graph : model.graph;
    std::vector<std::string> output_names;
    for (ValueId id : graph.outputs) output_names.push_back(graph.values[size_t(id)].name);
    TensorMap feed;
    for (const std::string& spec : o.inputs) {
        auto eq = spec.find('=');
        if (eq == std::string::npos || eq == 0) fail("--input takes NAME=FILE.npy, got '" + spec + "'");
        std::string name = spec.substr(0, eq);
        if (feed.count(name)) fail("input '" + name + "' is given twice");
        feed[name] = read_npy(spec.substr(eq + 1));
    }
    TensorMap out;
    if (o.reference) {
        out = run_reference(model, feed);
    } else {
        if (!compiled) {
            transform::offline(model);
            compile::CompileOptions co;
            co.threads = o.threads;
            compiled = compile::compile_model(std::move(model), co);
        }
        Session session(compiled);
        out = session.run(feed);
    }
    std::filesystem::create_directories(o.output_dir);
    for (const std::string& name : output_names) {
        std::string path = (std::filesystem::path(o.output_dir) / (safe_file_name(name) + ".npy")).string();
        write_npy(path, out.at(name));
        std::printf("%s: %s%s -> %s\n", name.c_str(), dtype_name(out.at(name).dtype), shape_to_string(out.at(name).shape).c_str(), path.c_str());
    }
}

void add_run(CLI::App& app) {
    auto* cmd = app.add_subcommand("run", "Run a model on .npy inputs and write each output as DIR/NAME.npy");
    auto o = std::make_shared<RunOptions>();
    cmd->add_option("MODEL", o->model, "model file (.onnx, .xml, or a compiled .frugal)")->required();
    cmd->add_option("-i,--input", o->inputs, "an input as NAME=FILE.npy (repeat for each input)");
    cmd->add_option("-o,--output-dir", o->output_dir, "where to write the outputs (default: .)");
    cmd->add_flag("--reference", o->reference, "run with the reference executor instead of the compiled CPU path");
    cmd->add_option("--threads", o->threads, "kernel threads (default: all cores)");
    cmd->callback([o] { run(*o); });
}

}  // namespace frugal::cli
