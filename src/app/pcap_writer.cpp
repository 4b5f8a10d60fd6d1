#include "app/pcap_writer.hpp"

#include <pcap/pcap.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>
#if defined(EC20PPP_PCAP_DLOPEN)
#include <dlfcn.h>
#endif

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <stdexcept>
#include <string>

namespace ec20ppp::app {
namespace {

// The libpcap calls a capture makes. With EC20PPP_PCAP_DLOPEN (the default for shared-libc
// builds) libpcap is loaded on the first --pcap only: linked, it and what Debian builds it
// against (libdbus, libsystemd, libgcrypt, liblzma, libzstd, liblz4, libcap) are mapped and
// relocated in every dial, about 1 MB of resident memory for a feature most dials do not use
// (docs/performance.md, footprint). Linked directly in fully static builds, where dlopen cannot
// load a shared library safely.
struct Libpcap {
    decltype(&::pcap_open_dead) open_dead = nullptr;
    decltype(&::pcap_dump_fopen) dump_fopen = nullptr;
    decltype(&::pcap_geterr) geterr = nullptr;
    decltype(&::pcap_close) close = nullptr;
    decltype(&::pcap_dump) dump = nullptr;
    decltype(&::pcap_dump_flush) dump_flush = nullptr;
    decltype(&::pcap_dump_close) dump_close = nullptr;
};

#if defined(EC20PPP_PCAP_DLOPEN)
// Looks each function up by name; false (with `error` set) when one is missing.
template <typename Function>
bool resolve(void* library, const char* name, Function& function, std::string& error) {
    function = reinterpret_cast<Function>(::dlsym(library, name));
    if (!function) error = std::string("it has no ") + name;
    return function != nullptr;
}

// The library once per process; throws with what was tried and what to do.
const Libpcap& libpcap() {
    static const Libpcap api = [] {
        // The soname this was built against first (Debian's libpcap.so.0.8, libpcap.so.1
        // elsewhere), then the others a board's distribution may use.
        const char* const names[] = {EC20PPP_PCAP_SONAME, "libpcap.so.1", "libpcap.so.0.8", "libpcap.so"};
        std::string tried;
        void* library = nullptr;
        for (const char* name : names) {
            // The soname built against is also among the others: tried once, first.
            if (name != names[0] && std::strcmp(name, names[0]) == 0) continue;
            library = ::dlopen(name, RTLD_NOW | RTLD_LOCAL);
            if (library) break;
            const char* reason = ::dlerror();
            tried += std::string(tried.empty() ? "" : "; ") + name + ": " + (reason ? reason : "not found");
        }
        if (!library)
            throw std::runtime_error("--pcap needs libpcap at run time and it could not be loaded (" + tried +
                                     "). Install it (Debian: apt-get install libpcap0.8) or dial without --pcap");
        Libpcap loaded;
        std::string error;
        if (!(resolve(library, "pcap_open_dead", loaded.open_dead, error) &&
              resolve(library, "pcap_dump_fopen", loaded.dump_fopen, error) &&
              resolve(library, "pcap_geterr", loaded.geterr, error) &&
              resolve(library, "pcap_close", loaded.close, error) && resolve(library, "pcap_dump", loaded.dump, error) &&
              resolve(library, "pcap_dump_flush", loaded.dump_flush, error) &&
              resolve(library, "pcap_dump_close", loaded.dump_close, error))) {
            ::dlclose(library);
            throw std::runtime_error("--pcap: the libpcap found is not usable (" + error +
                                     "); install libpcap 1.x or dial without --pcap");
        }
        // Never closed: the dumper's functions stay in use until exit.
        return loaded;
    }();
    return api;
}
#else
const Libpcap& libpcap() {
    static const Libpcap api{&::pcap_open_dead, &::pcap_dump_fopen, &::pcap_geterr, &::pcap_close,
                             &::pcap_dump,      &::pcap_dump_flush, &::pcap_dump_close};
    return api;
}
#endif

}  // namespace

PcapWriter::~PcapWriter() { close(); }

void PcapWriter::open(const std::filesystem::path& path) {
    close();
    const Libpcap& pcap = libpcap();
    pcap_ = pcap.open_dead(DLT_PPP_WITH_DIR, 65535);
    if (!pcap_) throw std::runtime_error("--pcap: libpcap could not start a capture");
    // The capture holds the CHAP exchange (and PAP's password): private to its owner, and never
    // written through a symlink someone planted in its place.
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
    FILE* file = fd >= 0 ? ::fdopen(fd, "wb") : nullptr;
    if (!file) {
        std::string reason = std::strerror(errno);
        if (fd >= 0) ::close(fd);
        pcap.close(pcap_);
        pcap_ = nullptr;
        throw std::runtime_error("--pcap " + path.string() + ": " + reason);
    }
    ::fchmod(fd, 0600);
    dumper_ = pcap.dump_fopen(pcap_, file);
    if (!dumper_) {
        ::fclose(file);
        std::string reason = pcap.geterr(pcap_);
        pcap.close(pcap_);
        pcap_ = nullptr;
        throw std::runtime_error("--pcap " + path.string() + ": " + reason);
    }
}

void PcapWriter::write(bool sent, std::uint16_t protocol, ByteView info) {
    if (!dumper_) return;
    // Direction octet (0 received, 1 sent), then the uncompressed PPP header FF 03 <protocol>.
    buffer_.assign({static_cast<std::uint8_t>(sent ? 1 : 0), 0xff, 0x03});
    append_be16(buffer_, protocol);
    buffer_.insert(buffer_.end(), info.begin(), info.end());
    pcap_pkthdr header{};
    gettimeofday(&header.ts, nullptr);
    header.caplen = header.len = static_cast<bpf_u_int32>(buffer_.size());
    const Libpcap& pcap = libpcap();
    pcap.dump(reinterpret_cast<u_char*>(dumper_), &header, buffer_.data());
    pcap.dump_flush(dumper_);
}

void PcapWriter::close() {
    // Only a writer that opened has loaded the library.
    if (dumper_) libpcap().dump_close(dumper_);
    if (pcap_) libpcap().close(pcap_);
    dumper_ = nullptr;
    pcap_ = nullptr;
}

}  // namespace ec20ppp::app
