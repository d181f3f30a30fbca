// BufferReader: a mapped file's bytes are read from the file (pread) without mapping its pages,
// at any offset of a view; a file that is gone or was replaced, and every other buffer, is
// copied from memory with the same bytes; a file that shrank after mapping is an error naming it.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "error_of.h"
#include "ir/buffer.h"
#include "mapping_rss.h"

using namespace frugal;
using frugal::test::error_of;

namespace {

std::string write_pattern(const std::string& name, size_t size) {
    std::string path = "/tmp/frugal_reader_" + name + "_" + std::to_string(getpid()) + ".bin";
    std::ofstream f(path, std::ios::binary);
    for (size_t i = 0; i < size; ++i) f.put(char(i % 251));
    return path;
}

bool has_pattern(const std::vector<std::byte>& bytes, size_t first) {
    for (size_t i = 0; i < bytes.size(); ++i)
        if (bytes[i] != std::byte((first + i) % 251)) return false;
    return true;
}

}  // namespace

TEST(BufferReader, MappedFileIsReadWithoutMappingItsPages) {
    const size_t size = 64 * 4096;
    std::string path = write_pattern("mapped", size);
    BufferPtr file = Buffer::map_file(path);
    BufferPtr window = Buffer::view(file, 12345, 100000);  // not page aligned
    BufferReader reader(*window);
    EXPECT_TRUE(reader.from_file());
    std::vector<std::byte> got(50000);
    reader.read(777, got.size(), got.data());
    EXPECT_TRUE(has_pattern(got, 12345 + 777));
    EXPECT_EQ(mapping_rss_kb(file->data()), 0) << "read() touched the mapping";
    EXPECT_NE(error_of([&] { reader.read(99999, 2, got.data()); }).find("outside a buffer of 100000 bytes"), std::string::npos);
    std::remove(path.c_str());
}

TEST(BufferReader, AFileGoneOrReplacedIsCopiedFromMemory) {
    const size_t size = 16 * 4096;
    std::string path = write_pattern("gone", size);
    BufferPtr file = Buffer::map_file(path);
    std::remove(path.c_str());
    std::vector<std::byte> got(1000);
    {
        BufferReader reader(*file);
        EXPECT_FALSE(reader.from_file());
        reader.read(5000, got.size(), got.data());
        EXPECT_TRUE(has_pattern(got, 5000));
    }
    // Another file now at the same path: not the one mapped, so not read.
    {
        std::ofstream f(path, std::ios::binary);
        f << std::string(size, 'x');
    }
    BufferReader replaced(*file);
    EXPECT_FALSE(replaced.from_file());
    replaced.read(5000, got.size(), got.data());
    EXPECT_TRUE(has_pattern(got, 5000));
    std::remove(path.c_str());

    BufferPtr owned = Buffer::allocate(4096);
    owned->mutable_data()[10] = std::byte(42);
    BufferReader memory(*owned);
    EXPECT_FALSE(memory.from_file());
    memory.read(10, 1, got.data());
    EXPECT_EQ(got[0], std::byte(42));
}

TEST(BufferReader, AFileThatShrankAfterMappingIsAnErrorNamingIt) {
    const size_t size = 16 * 4096;
    std::string path = write_pattern("shrank", size);
    BufferPtr file = Buffer::map_file(path);
    BufferReader reader(*file);
    ASSERT_TRUE(reader.from_file());
    std::filesystem::resize_file(path, 4096);
    std::vector<std::byte> got(4096);
    std::string e = error_of([&] { reader.read(8192, got.size(), got.data()); });
    EXPECT_NE(e.find(path), std::string::npos) << e;
    EXPECT_NE(e.find("shorter than when it was mapped"), std::string::npos) << e;
    std::remove(path.c_str());
}
