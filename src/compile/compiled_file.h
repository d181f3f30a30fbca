#pragma once
// The compiled file (`frugal compile MODEL -o MODEL.frugal`): a CompiledModel — the graph after
// compile_model, its remaining constants and its packed weights — in one file that a later run
// memory-maps with no work left (what OpenVINO calls the model cache). Constants and packed
// weights become views into the mapping: nothing is copied or reordered when loading.
//
// Layout (all integers little-endian; x86-64 is the only target):
//
//   offset 0    header, 256 bytes
//     0   char[8]   magic "FRUGALCM"
//     8   u32       format version (kFormatVersion)
//     12  u32       header size (256)
//     16  u64       file size: a shorter file is truncated, a longer one is refused too
//     24  u32       section count (<= 8), the table follows the header
//     28  u32       reserved (0)
//     32  u64       FNV-1a 64 of the section table and every section except DATA
//     40  char[56]  frugal version, NUL-padded (kFrugalVersion)
//     96  char[160] CPU signature, NUL-padded (kernels::packing_cpu_signature(): oneDNN version,
//                   oneDNN's effective ISA and the cpuid features the kernels were built for)
//   offset 256  section table: per section u32 kind, u32 reserved, u64 offset, u64 size
//   DATA        (kind 1) tensor bytes, each tensor at a 64-byte aligned file offset
//   GRAPH       (kind 2) the compiled Model in a compact own encoding (compiled_graph_io.cpp):
//               values with their shapes and constants (as references into DATA), nodes with
//               their op by name, opset and every attribute generically, graph inputs/outputs,
//               the model's opsets and metadata, and node_packed
//   PACKED      (kind 3) per packed weight: K, N, options, the bias value id, the layout geometry
//               (PackedMatmul::geometry(), which a loader must reproduce on its own CPU) and a
//               reference to its bytes in DATA
//
// A file is refused, with a message naming it and the mismatch, when its format version, frugal
// version or CPU signature differ from this build and CPU, or when any packed weight's geometry
// is not what this CPU's oneDNN would choose. Every offset, count and id is bounds-checked, so a
// truncated or corrupt file is an Error, never a crash.
#include <memory>
#include <string>

#include "compile/compile.h"

namespace frugal::compile {

constexpr const char* kFrugalVersion = "0.1.0";
constexpr uint32_t kCompiledFormatVersion = 1;
constexpr size_t kCompiledHeaderSize = 256;

// Writes cm to path (through path + ".tmp", renamed when complete).
void write_compiled(const CompiledModel& cm, const std::string& path);

// True when the file starts with the compiled file's magic (false for a missing or short file).
bool is_compiled_file(const std::string& path);

// Maps the file and makes a CompiledModel over it. `threads` as CompileOptions::threads.
std::shared_ptr<const CompiledModel> load_compiled(const std::string& path, int threads = 0);
// The same over bytes already in memory (`name` is used in messages); the model keeps views of
// `file`. For tests and fuzzing.
std::shared_ptr<const CompiledModel> load_compiled_bytes(std::shared_ptr<const Buffer> file, const std::string& name);

}  // namespace frugal::compile
