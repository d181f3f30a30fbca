// The compiled file (compile/compiled_file.h): a round trip gives the same outputs bit for bit,
// the weights are views of the mapped file, other versions and CPUs are refused by name, and a
// truncated or corrupted file is an Error at every offset, never a crash.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstring>
#include <fstream>
#include <random>

#include "compile/compile.h"
#include "compile/compiled_file.h"
#include "ir/error.h"
#include "models/keras_gpt2.h"
#include "runtime/session.h"
#include "transform/offline.h"

using namespace frugal;

namespace {

std::string temp_path(const std::string& name) { return "/tmp/frugal_compiled_" + std::to_string(getpid()) + "_" + name; }

std::shared_ptr<const compile::CompiledModel> compile_tiny(uint64_t seed, bool kv_cache = false) {
    Model m = make_keras_gpt2(gpt2_config("tiny"), seed, kv_cache);
    transform::offline(m);
    return compile::compile_model(std::move(m));
}

Tensor token_ids(int64_t seq) {
    std::vector<int64_t> ids;
    for (int64_t i = 0; i < 2 * seq; ++i) ids.push_back((i * 37 + 11) % 1000);
    return Tensor::from_vector<int64_t>({2, seq}, ids);
}

std::vector<std::byte> read_bytes(const std::string& path) {
    std::ifstream f(path, std::ios::binary);
    std::vector<char> c((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
    std::vector<std::byte> b(c.size());
    std::memcpy(b.data(), c.data(), c.size());
    return b;
}

std::shared_ptr<Buffer> owned_copy(const std::vector<std::byte>& bytes, size_t size) {
    auto b = Buffer::allocate(size);
    if (size) std::memcpy(b->mutable_data(), bytes.data(), size);
    return b;
}

// A written tiny model and its bytes, shared by the tests below.
struct Written {
    std::string path = temp_path("tiny.frugal");
    std::shared_ptr<const compile::CompiledModel> original = compile_tiny(7);
    std::vector<std::byte> bytes;
    Written() {
        compile::write_compiled(*original, path);
        bytes = read_bytes(path);
    }
    ~Written() { std::remove(path.c_str()); }
};

const Written& written() {
    static Written w;
    return w;
}

}  // namespace

TEST(CompiledFile, RoundTripGivesTheSameLogitsBitForBit) {
    const Written& w = written();
    ASSERT_TRUE(compile::is_compiled_file(w.path));
    auto loaded = compile::load_compiled(w.path);
    EXPECT_EQ(loaded->packed.size(), w.original->packed.size());
    EXPECT_EQ(loaded->model.graph.nodes.size(), w.original->model.graph.nodes.size());
    EXPECT_EQ(loaded->weight_bytes(), w.original->weight_bytes());
    Session a(w.original), b(loaded);
    for (int64_t seq : {1, 6, 13}) {
        Tensor ids = token_ids(seq);
        Tensor want = a.run({{"token_ids", ids}}).at("logits");
        Tensor got = b.run({{"token_ids", ids}}).at("logits");
        ASSERT_EQ(got.shape, want.shape);
        EXPECT_EQ(std::memcmp(got.raw(), want.raw(), want.nbytes()), 0) << "seq " << seq;
    }
}

TEST(CompiledFile, WeightsAreViewsOfTheMappedFileAt64ByteOffsets) {
    auto loaded = compile::load_compiled(written().path);
    for (const auto& pm : loaded->packed) {
        EXPECT_EQ(pm->packed_buffer()->root()->kind(), Buffer::Kind::mapped);
        EXPECT_EQ(reinterpret_cast<uintptr_t>(pm->packed_buffer()->data()) % 64, 0u);
    }
    for (const Value& v : loaded->model.graph.values) {
        if (!v.is_constant() || !v.constant->buffer) continue;
        EXPECT_EQ(v.constant->buffer->root()->kind(), Buffer::Kind::mapped) << v.name;
        EXPECT_EQ(reinterpret_cast<uintptr_t>(v.constant->raw()) % 64, 0u) << v.name;
    }
}

TEST(CompiledFile, KvCacheModelRoundTrips) {
    auto original = compile_tiny(3, true);
    std::string path = temp_path("kv.frugal");
    compile::write_compiled(*original, path);
    auto loaded = compile::load_compiled(path);
    std::remove(path.c_str());
    TensorMap feed{{"token_ids", token_ids(4)}};
    for (int i = 0; i < 2; ++i) {
        feed["past_key_values." + std::to_string(i) + ".key"] = Tensor::empty(DType::f32, {2, 4, 3, 16});
        feed["past_key_values." + std::to_string(i) + ".value"] = Tensor::empty(DType::f32, {2, 4, 3, 16});
    }
    TensorMap want = Session(original).run(feed), got = Session(loaded).run(feed);
    ASSERT_EQ(got.size(), want.size());
    for (const auto& [name, t] : want) EXPECT_EQ(std::memcmp(got.at(name).raw(), t.raw(), t.nbytes()), 0) << name;
}

TEST(CompiledFile, AnotherVersionOrCpuIsRefusedByName) {
    const Written& w = written();
    auto expect_refused = [&](size_t offset, const std::string& text, const std::string& want) {
        std::vector<std::byte> b = w.bytes;
        std::memset(b.data() + offset, 0, 40);
        std::memcpy(b.data() + offset, text.data(), text.size());
        try {
            compile::load_compiled_bytes(owned_copy(b, b.size()), "edited.frugal");
            ADD_FAILURE() << "accepted a file with " << text;
        } catch (const Error& e) {
            std::string msg = e.what();
            EXPECT_NE(msg.find("edited.frugal"), std::string::npos) << msg;
            EXPECT_NE(msg.find(want), std::string::npos) << msg;
        }
    };
    expect_refused(40, "0.0.9", "compiled by frugal 0.0.9");
    expect_refused(96, "onednn 9.9.9 isa avx2", "compiled for another CPU");
    std::vector<std::byte> b = w.bytes;
    uint32_t version = 99;
    std::memcpy(b.data() + 8, &version, 4);
    EXPECT_THROW(compile::load_compiled_bytes(owned_copy(b, b.size()), "v99.frugal"), Error);
}

// Every prefix of the file is an Error; so is every single-byte change in the header, the
// section table and the graph and packed sections (the checksum, or a bounds check, sees it).
TEST(CompiledFile, TruncationAndCorruptionAreErrors) {
    const Written& w = written();
    size_t size = w.bytes.size();
    std::vector<size_t> cuts = {0, 1, 7, 8, 100, 255, 256, 257, 300, 4095, 4096, 4097, size / 2, size - 1};
    std::mt19937 rng(5);
    for (int i = 0; i < 40; ++i) cuts.push_back(rng() % size);
    for (size_t cut : cuts) EXPECT_THROW(compile::load_compiled_bytes(owned_copy(w.bytes, cut), "cut.frugal"), Error) << "cut at " << cut;

    // The metadata: the header and the section table, and the bytes of every section but DATA
    // (the padding that aligns sections to 2 MiB is not read, so a flip there changes nothing).
    uint32_t sections = 0;
    std::memcpy(&sections, w.bytes.data() + 24, 4);
    std::vector<size_t> offsets;
    for (size_t o = 8; o < 256 + 24 * size_t(sections); o += 3) offsets.push_back(o);
    for (uint32_t k = 0; k < sections; ++k) {
        uint32_t kind = 0;
        uint64_t begin = 0, length = 0;
        const std::byte* entry = w.bytes.data() + 256 + 24 * k;
        std::memcpy(&kind, entry, 4);
        std::memcpy(&begin, entry + 8, 8);
        std::memcpy(&length, entry + 16, 8);
        if (kind == 1) continue;  // DATA: tensor bytes, not checked
        for (size_t o = begin; o < begin + length; o += std::max<size_t>(1, length / 150)) offsets.push_back(o);
    }
    for (size_t o : offsets) {
        std::vector<std::byte> b = w.bytes;
        b[o] = std::byte(uint8_t(b[o]) ^ 0x5a);
        try {
            auto cm = compile::load_compiled_bytes(owned_copy(b, size), "flipped.frugal");
            // A flip inside the NUL padding of the version or signature fields reads the same.
            EXPECT_TRUE((o >= 40 && o < 96) || (o >= 96 && o < 256)) << "accepted a flip at " << o;
        } catch (const Error&) {
        }
    }
}

TEST(CompiledFile, TheDecoderOfCorruptGraphBytesNeverCrashes) {
    // Beyond the checksum: rewrite the checksum after each change, so that the graph decoder and
    // the structural checks are what must catch it.
    const Written& w = written();
    size_t size = w.bytes.size();
    uint64_t graph_offset = 0, graph_size = 0, packed_offset = 0, packed_size = 0;
    std::memcpy(&graph_offset, w.bytes.data() + 256 + 24 + 8, 8);
    std::memcpy(&graph_size, w.bytes.data() + 256 + 24 + 16, 8);
    std::memcpy(&packed_offset, w.bytes.data() + 256 + 48 + 8, 8);
    std::memcpy(&packed_size, w.bytes.data() + 256 + 48 + 16, 8);
    auto rechecksum = [&](std::vector<std::byte>& b) {
        uint64_t h = 0xcbf29ce484222325ull;
        auto fnv = [&](size_t from, size_t n) {
            for (size_t i = from; i < from + n; ++i) h = (h ^ uint8_t(b[i])) * 0x100000001b3ull;
        };
        fnv(256, 72);
        fnv(graph_offset, graph_size);
        fnv(packed_offset, packed_size);
        std::memcpy(b.data() + 32, &h, 8);
    };
    std::mt19937 rng(11);
    int errors = 0, accepted = 0;
    for (int i = 0; i < 400; ++i) {
        std::vector<std::byte> b = w.bytes;
        size_t o = graph_offset + rng() % (size - graph_offset);
        b[o] = std::byte(uint8_t(rng()));
        rechecksum(b);
        try {
            compile::load_compiled_bytes(owned_copy(b, size), "fuzz.frugal");
            accepted++;  // e.g. a changed name or float attribute is still a valid file
        } catch (const Error&) {
            errors++;
        }
    }
    EXPECT_GT(errors, 0);
    std::printf("single-byte graph changes: %d refused, %d still valid\n", errors, accepted);
}

TEST(CompiledFile, NotACompiledFile) {
    std::string path = temp_path("not.frugal");
    {
        std::ofstream f(path);
        f << "hello";
    }
    EXPECT_FALSE(compile::is_compiled_file(path));
    EXPECT_THROW(compile::load_compiled(path), Error);
    std::remove(path.c_str());
    EXPECT_FALSE(compile::is_compiled_file(path));
    EXPECT_THROW(compile::load_compiled(path), Error);
}
