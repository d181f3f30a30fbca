// Buffer::release_range: whole pages inside the range are dropped, the partial pages at its ends
// and everything outside it are kept; a mapped file's dropped pages read back from the file, an
// owned mmap'd buffer's read as zeros; malloc'd buffers are left alone.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <string>

#include "ir/buffer.h"
#include "mapping_rss.h"

using namespace frugal;

TEST(BufferRelease, OwnedMmapBufferDropsWholeInnerPagesOnly) {
    const size_t page = size_t(sysconf(_SC_PAGESIZE));
    BufferPtr big = Buffer::allocate(Buffer::kMmapThreshold);  // its own mmap
    std::byte* d = big->mutable_data();
    for (size_t i = 0; i < big->size(); ++i) d[i] = std::byte(1);
    // [page / 2, 10 page + page / 2): whole pages 1..9 go, pages 0 and 10 stay.
    big->release_range(page / 2, 10 * page);
    EXPECT_EQ(d[page / 2 - 1], std::byte(1));
    EXPECT_EQ(d[page / 2], std::byte(1));  // on page 0, kept
    EXPECT_EQ(d[page], std::byte(0));      // page 1, dropped: reads as zero
    EXPECT_EQ(d[10 * page - 1], std::byte(0));
    EXPECT_EQ(d[10 * page], std::byte(1));  // page 10, kept
    EXPECT_EQ(d[big->size() - 1], std::byte(1));
    big->release_range(big->size() - 3, 1000);  // past the end: clipped, nothing whole inside
    EXPECT_EQ(d[big->size() - 1], std::byte(1));
}

TEST(BufferRelease, MappedFilePagesComeBackFromTheFile) {
    const size_t page = size_t(sysconf(_SC_PAGESIZE)), size = 32 * page;
    std::string path = "/tmp/frugal_release_" + std::to_string(getpid()) + ".bin";
    {
        std::ofstream f(path, std::ios::binary);
        for (size_t i = 0; i < size; ++i) f.put(char(i % 251));
    }
    BufferPtr b = Buffer::map_file(path);
    std::remove(path.c_str());
    b->prefetch_range(0, size);  // maps every page now
    const long mapped = mapping_rss_kb(b->data());
    EXPECT_GE(mapped, long(size / 1024));
    BufferPtr window = Buffer::view(b, page, 16 * page);
    window->release_range(0, 8 * page);  // pages 1..8 of the file leave this process
    EXPECT_EQ(mapped - mapping_rss_kb(b->data()), long(8 * page / 1024));
    for (size_t i = 0; i < size; i += 97) ASSERT_EQ(b->data()[i], std::byte(i % 251)) << i;  // read back from the file
}

TEST(BufferRelease, MallocBuffersAreLeftAlone) {
    BufferPtr b = Buffer::allocate(8192);  // below the mmap threshold: aligned_alloc
    for (size_t i = 0; i < b->size(); ++i) b->mutable_data()[i] = std::byte(7);
    b->release_range(0, b->size());
    for (size_t i = 0; i < b->size(); ++i) ASSERT_EQ(b->data()[i], std::byte(7));
    BufferPtr s = Buffer::adopt(std::string(size_t(1) << 20, 'x'));
    s->release_range(0, s->size());
    EXPECT_EQ(s->data()[12345], std::byte('x'));
}
