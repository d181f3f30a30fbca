#include <cstdio>

#include "commands.h"
#include "frontend/read_model.h"
#include "frontend/write_model.h"
#include "ir/error.h"
#include "transform/offline.h"

namespace frugal::cli {

struct ConvertOptions {
    std::string input;
    std::string output;
    bool external_data = false;
    std::string einsum = "constant";
    bool report = false;
    bool verify = false;
};

static void convert(const ConvertOptions& o) {
    Model model = read_model(o.input);
    transform::OfflineOptions options;
    if (o.einsum == "all") options.einsum = transform::EinsumMode::all;
    else if (o.einsum == "constant") options.einsum = transform::EinsumMode::constant;
    else if (o.einsum == "none") options.einsum = transform::EinsumMode::none;
    else fail("--einsum takes all, constant or none, got '" + o.einsum + "'");
    options.manager.verify = o.verify || options.manager.verify;
    auto records = transform::offline(model, options);
    WriteOptions w;
    w.external_data = o.external_data;
    write_model(model, o.output, w);
    if (o.report) std::fputs(transform::format_pass_table(records).c_str(), stdout);
}

void add_convert(CLI::App& app) {
    auto* cmd = app.add_subcommand("convert", "Run the offline passes on a model and write the result");
    auto o = std::make_shared<ConvertOptions>();
    cmd->add_option("INPUT", o->input, "model to read (.onnx)")->required();
    cmd->add_option("-o,--output", o->output, "model to write (.onnx)")->required();
    cmd->add_flag("--external-data", o->external_data, "write weights to OUTPUT.data beside the model (ONNX external data)");
    cmd->add_option("--einsum", o->einsum, "which Einsums to lower: constant (those with a weight; default), all, none");
    cmd->add_flag("--report", o->report, "print time, nodes changed and memory per pass");
    cmd->add_flag("--verify", o->verify, "verify and re-infer the graph after every pass");
    cmd->callback([o] { convert(*o); });
}

}  // namespace frugal::cli
