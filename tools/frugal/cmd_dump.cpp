#include <cstdio>

#include "commands.h"
#include "compile/compiled_file.h"
#include "frontend/read_model.h"
#include "ir/dump.h"

namespace frugal::cli {

void add_dump(CLI::App& app) {
    auto* cmd = app.add_subcommand("dump", "Print a model's graph as text");
    auto model = std::make_shared<std::string>();
    cmd->add_option("MODEL", *model, "model file (.onnx, .xml, or a compiled .frugal)")->required();
    cmd->callback([model] {
        // A compiled file shows its compiled graph; its packed weights are values without bytes.
        if (compile::is_compiled_file(*model)) std::fputs(dump_model(compile::load_compiled(*model)->model).c_str(), stdout);
        else std::fputs(dump_model(read_model(*model)).c_str(), stdout);
    });
}

}  // namespace frugal::cli
