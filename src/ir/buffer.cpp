#include "ir/buffer.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>

#include "ir/error.h"
#include "ir/limits.h"

#ifndef MADV_POPULATE_READ
#define MADV_POPULATE_READ 22  // Linux 5.14; older kernels answer EINVAL, which is harmless here
#endif

namespace frugal {

std::atomic<size_t> Buffer::live_owned_{0};

std::shared_ptr<Buffer> Buffer::allocate(size_t bytes) {
    // Checked before mmap: with overcommit a huge mapping may succeed and fail only when touched.
    if (bytes > allocation_limit()) fail("cannot allocate " + std::to_string(bytes) + " bytes: " + allocation_limit_description());
    std::shared_ptr<Buffer> b(new Buffer());
    b->kind_ = Kind::owned;
    b->size_ = bytes;
    if (bytes >= kMmapThreshold) {
        // Transparent huge pages: a weight-sized buffer otherwise costs one 4 KB page fault per
        // page when first written (medium: 347,000 faults, about a third of its build time), and a
        // TLB miss every 4 KB when a decode step streams it. Huge pages need 2 MiB-aligned
        // addresses, which the kernel picks by itself only for lengths that are multiples of
        // 2 MiB: so reserve 2 MiB more, keep the aligned part and unmap the rest. The length is not
        // rounded up to 2 MiB (that would make the last huge page resident whole); its tail past
        // the last 2 MiB boundary is in 4 KB pages.
        const size_t page = size_t(sysconf(_SC_PAGESIZE)), length = (bytes + page - 1) / page * page;
        const size_t slack = length >= kHugePage ? kHugePage : 0;
        void* p = mmap(nullptr, length + slack, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (p == MAP_FAILED) fail("cannot allocate " + std::to_string(bytes) + " bytes: " + std::strerror(errno));
        auto start = reinterpret_cast<uintptr_t>(p), aligned = (start + slack - 1) / kHugePage * kHugePage;
        if (slack == 0) aligned = start;
        if (aligned > start) munmap(p, aligned - start);
        if (start + slack > aligned) munmap(reinterpret_cast<void*>(aligned + length), start + slack - aligned);
        madvise(reinterpret_cast<void*>(aligned), length, MADV_HUGEPAGE);
        b->data_ = reinterpret_cast<std::byte*>(aligned);
        b->mapped_length_ = length;
        b->via_mmap_ = true;
    } else {
        size_t rounded = (bytes + kAlignment - 1) / kAlignment * kAlignment;
        if (rounded == 0) rounded = kAlignment;
        void* p = std::aligned_alloc(kAlignment, rounded);
        if (!p) fail("cannot allocate " + std::to_string(bytes) + " bytes");
        std::memset(p, 0, rounded);
        b->data_ = static_cast<std::byte*>(p);
    }
    live_owned_ += bytes;
    return b;
}

std::shared_ptr<Buffer> Buffer::adopt(std::string&& bytes) {
    std::shared_ptr<Buffer> b(new Buffer());
    b->kind_ = Kind::moved_string;
    b->string_storage_ = std::move(bytes);
    b->data_ = reinterpret_cast<std::byte*>(b->string_storage_.data());
    b->size_ = b->string_storage_.size();
    live_owned_ += b->size_;
    return b;
}

std::shared_ptr<Buffer> Buffer::map_file(const std::string& path) {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) fail(path + ": cannot open: " + std::strerror(errno));
    struct stat st {};
    if (fstat(fd, &st) != 0) {
        int e = errno;
        ::close(fd);
        fail(path + ": cannot stat: " + std::strerror(e));
    }
    if (!S_ISREG(st.st_mode)) {
        ::close(fd);
        fail(path + ": not a regular file");
    }
    std::shared_ptr<Buffer> b(new Buffer());
    b->kind_ = Kind::mapped;
    b->size_ = size_t(st.st_size);
    if (b->size_ > 0) {
        void* p = mmap(nullptr, b->size_, PROT_READ, MAP_PRIVATE, fd, 0);
        if (p == MAP_FAILED) {
            int e = errno;
            ::close(fd);
            fail(path + ": cannot map: " + std::strerror(e));
        }
        b->data_ = static_cast<std::byte*>(p);
        b->mapped_length_ = b->size_;
        b->via_mmap_ = true;
    }
    ::close(fd);
    // Absolute, so that a later change of directory does not lose it (BufferReader reopens it).
    std::error_code ec;
    std::filesystem::path absolute = std::filesystem::absolute(path, ec);
    b->path_ = ec ? path : absolute.string();
    b->device_ = uint64_t(st.st_dev);
    b->inode_ = uint64_t(st.st_ino);
    return b;
}

std::shared_ptr<Buffer> Buffer::view(std::shared_ptr<const Buffer> parent, size_t offset, size_t size) {
    if (!parent) fail("view of a null buffer");
    if (offset > parent->size() || size > parent->size() - offset)
        fail("view [" + std::to_string(offset) + ", +" + std::to_string(size) + ") is outside a buffer of " +
             std::to_string(parent->size()) + " bytes");
    std::shared_ptr<Buffer> b(new Buffer());
    b->kind_ = Kind::view;
    b->data_ = const_cast<std::byte*>(parent->data()) + offset;
    b->size_ = size;
    b->parent_ = std::move(parent);
    return b;
}

Buffer::~Buffer() {
    switch (kind_) {
        case Kind::owned:
            live_owned_ -= size_;
            if (via_mmap_) munmap(data_, mapped_length_);
            else std::free(data_);
            break;
        case Kind::moved_string:
            live_owned_ -= size_;
            break;
        case Kind::mapped:
            if (via_mmap_) munmap(data_, mapped_length_);
            break;
        case Kind::view:
            break;
    }
}

std::byte* Buffer::mutable_data() {
    if (!writable()) fail("attempt to write a read-only (memory-mapped) buffer");
    return data_;
}

bool Buffer::writable() const {
    if (kind_ == Kind::view) return parent_->writable();
    return kind_ != Kind::mapped;
}

const Buffer* Buffer::root() const { return kind_ == Kind::view ? parent_->root() : this; }

void Buffer::release_pages() const {
    if (kind_ == Kind::mapped && data_) {
        madvise(data_, mapped_length_, MADV_DONTNEED);
    } else if (kind_ == Kind::view && parent_->kind() == Kind::mapped) {
        // Only whole pages inside the window may be dropped.
        long page = sysconf(_SC_PAGESIZE);
        uintptr_t begin = (reinterpret_cast<uintptr_t>(data_) + page - 1) / page * page;
        uintptr_t end = (reinterpret_cast<uintptr_t>(data_) + size_) / page * page;
        if (end > begin) madvise(reinterpret_cast<void*>(begin), end - begin, MADV_DONTNEED);
    }
}

// The whole pages inside [offset, offset + length) of b's bytes, clipped to b; empty if none.
static std::pair<uintptr_t, uintptr_t> inner_pages(const std::byte* data, size_t size, size_t offset, size_t length) {
    if (offset >= size) return {0, 0};
    length = std::min(length, size - offset);
    uintptr_t page = uintptr_t(sysconf(_SC_PAGESIZE));
    uintptr_t first = reinterpret_cast<uintptr_t>(data) + offset;
    uintptr_t begin = (first + page - 1) / page * page;
    uintptr_t end = (first + length) / page * page;
    return end > begin ? std::pair{begin, end} : std::pair<uintptr_t, uintptr_t>{0, 0};
}

void Buffer::release_range(size_t offset, size_t length) const {
    const Buffer* r = root();
    bool droppable = r->kind_ == Kind::mapped || (r->kind_ == Kind::owned && r->via_mmap_);
    if (!droppable || !data_) return;
    auto [begin, end] = inner_pages(data_, size_, offset, length);
    if (end > begin) madvise(reinterpret_cast<void*>(begin), end - begin, MADV_DONTNEED);
}

void Buffer::prefetch_range(size_t offset, size_t length) const {
    if (root()->kind_ != Kind::mapped || !data_ || offset >= size_) return;
    length = std::min(length, size_ - offset);
    uintptr_t page = uintptr_t(sysconf(_SC_PAGESIZE));
    uintptr_t begin = (reinterpret_cast<uintptr_t>(data_) + offset) / page * page;
    uintptr_t end = reinterpret_cast<uintptr_t>(data_) + offset + length;
    madvise(reinterpret_cast<void*>(begin), end - begin, MADV_WILLNEED);
    madvise(reinterpret_cast<void*>(begin), end - begin, MADV_POPULATE_READ);
}

size_t Buffer::live_owned_bytes() { return live_owned_.load(); }

BufferReader::BufferReader(const Buffer& buffer) : buffer_(buffer), root_(buffer.root()) {
    if (root_->kind_ != Buffer::Kind::mapped || !root_->data_) return;
    int fd = ::open(root_->path_.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return;
    struct stat st {};
    // The same file, even if it has shrunk since: then read() says so, where reading the mapping
    // past the file's new end would be a SIGBUS.
    if (fstat(fd, &st) != 0 || uint64_t(st.st_dev) != root_->device_ || uint64_t(st.st_ino) != root_->inode_) {
        ::close(fd);
        return;
    }
    fd_ = fd;
    file_offset_ = size_t(buffer.data() - root_->data_);
}

BufferReader::~BufferReader() {
    if (fd_ >= 0) ::close(fd_);
}

void BufferReader::read(size_t offset, size_t length, std::byte* into) const {
    if (offset > buffer_.size() || length > buffer_.size() - offset)
        fail("BufferReader: [" + std::to_string(offset) + ", +" + std::to_string(length) + ") is outside a buffer of " +
             std::to_string(buffer_.size()) + " bytes");
    if (fd_ < 0) {
        std::memcpy(into, buffer_.data() + offset, length);
        return;
    }
    size_t done = 0;
    while (done < length) {
        ssize_t n = ::pread(fd_, into + done, length - done, off_t(file_offset_ + offset + done));
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) fail(root_->path_ + ": cannot read: " + std::strerror(errno));
        if (n == 0) fail(root_->path_ + ": the file is shorter than when it was mapped");
        done += size_t(n);
    }
}

}  // namespace frugal
