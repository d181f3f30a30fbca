#pragma once
// Bytes behind a tensor. A weight is held once (DESIGN.md, memory contract 1): a buffer is
// either memory we own (64-byte aligned; large ones mmap-allocated so that freeing them gives
// the pages back to the OS), a string moved out of a parsed protobuf message, a read-only
// window of a memory-mapped file, or a view into another buffer that keeps it alive.
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

namespace frugal {

class Buffer {
public:
    enum class Kind { owned, moved_string, mapped, view };

    // Zero-filled, 64-byte aligned. Allocations of at least kMmapThreshold bytes are their own
    // mmap, so releasing them returns the memory to the OS at once (contract 5).
    static std::shared_ptr<Buffer> allocate(size_t bytes);
    // Takes the string's storage without copying it (protobuf raw_data, moved out).
    static std::shared_ptr<Buffer> adopt(std::string&& bytes);
    // Maps a whole file read-only. Throws with the path on failure.
    static std::shared_ptr<Buffer> map_file(const std::string& path);
    // A window [offset, offset+size) of parent; keeps parent alive. Throws if out of range.
    static std::shared_ptr<Buffer> view(std::shared_ptr<const Buffer> parent, size_t offset, size_t size);

    ~Buffer();
    Buffer(const Buffer&) = delete;
    Buffer& operator=(const Buffer&) = delete;

    const std::byte* data() const { return data_; }
    // Only owned and moved buffers may be written; mapped files and views of them are read-only.
    std::byte* mutable_data();
    size_t size() const { return size_; }
    Kind kind() const { return kind_; }
    bool writable() const;
    // The buffer that actually holds the bytes (follows views); used to count distinct storage.
    const Buffer* root() const;

    // Hint that the pages will not be read again soon (mapped files: MADV_DONTNEED).
    void release_pages() const;
    // Drops the whole pages inside [offset, offset + length) of this buffer's bytes while the
    // rest stays: for a mapped file (or a view of one) they are re-read from the file if touched
    // again; for owned mmap-allocated memory (or a view of it) they read as zeros afterwards, so
    // call it only on bytes nothing will read again. No-op for malloc'd and moved-string buffers,
    // which can only be released whole. Out-of-range parts are ignored.
    void release_range(size_t offset, size_t length) const;
    // Asks the kernel to read [offset, offset + length) of a mapped file ahead (MADV_WILLNEED)
    // and to map it into this process now (MADV_POPULATE_READ where the kernel has it), so that
    // a sequential pass over it does not take a page fault every few pages. No-op otherwise.
    void prefetch_range(size_t offset, size_t length) const;

    // Bytes currently held by owned and moved buffers in this process (not mapped files).
    static size_t live_owned_bytes();

    static constexpr size_t kMmapThreshold = size_t(1) << 20;
    static constexpr size_t kHugePage = size_t(2) << 20;  // x86-64's transparent huge page
    static constexpr size_t kAlignment = 64;

private:
    Buffer() = default;
    Kind kind_ = Kind::owned;
    std::byte* data_ = nullptr;
    size_t size_ = 0;
    size_t mapped_length_ = 0;                 // for munmap (owned large or mapped file)
    bool via_mmap_ = false;
    std::string string_storage_;               // Kind::moved_string
    std::shared_ptr<const Buffer> parent_;     // Kind::view
    std::string path_;                         // Kind::mapped: the file, and which file it was
    uint64_t device_ = 0, inode_ = 0;
    static std::atomic<size_t> live_owned_;
    friend class BufferReader;
};

// Reads a buffer's bytes by copying them out, for a pass that reads each byte once (packing).
// A mapped file's bytes (or a view's of one) are read from the file with pread: the first pass
// over a fresh mapping pays for every 4 KB page it maps (dearly on a virtual machine: this one
// reads GPT-2 medium's 1.4 GB from the page cache that way at 2.6 GB/s, where pread does 9.4
// GB/s, 2 threads), and the file's pages never join this process's resident set. The
// file is opened again by its path and used only if it is still the one mapped (same device and
// inode); otherwise, and for every other kind of buffer, the bytes are copied from memory.
class BufferReader {
public:
    explicit BufferReader(const Buffer& buffer);
    ~BufferReader();
    BufferReader(const BufferReader&) = delete;
    BufferReader& operator=(const BufferReader&) = delete;

    // Copies [offset, offset + length) of the buffer's bytes to `into`; safe from several threads
    // at once. Throws with the file's path if the file cannot be read (it shrank, an I/O error).
    void read(size_t offset, size_t length, std::byte* into) const;
    // Whether read() reads the file rather than memory.
    bool from_file() const { return fd_ >= 0; }

private:
    const Buffer& buffer_;
    const Buffer* root_;
    int fd_ = -1;
    size_t file_offset_ = 0;  // of the buffer's first byte
};

using BufferPtr = std::shared_ptr<Buffer>;

}  // namespace frugal
