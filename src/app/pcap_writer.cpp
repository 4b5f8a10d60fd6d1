#include "app/pcap_writer.hpp"

#include <pcap/pcap.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include <stdexcept>

namespace ec20ppp::app {

PcapWriter::~PcapWriter() { close(); }

void PcapWriter::open(const std::filesystem::path& path) {
    close();
    pcap_ = pcap_open_dead(DLT_PPP_WITH_DIR, 65535);
    if (!pcap_) throw std::runtime_error("--pcap: libpcap could not start a capture");
    // The capture holds the CHAP exchange (and PAP's password): private to its owner, and never
    // written through a symlink someone planted in its place.
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
    FILE* file = fd >= 0 ? ::fdopen(fd, "wb") : nullptr;
    if (!file) {
        std::string reason = std::strerror(errno);
        if (fd >= 0) ::close(fd);
        pcap_close(pcap_);
        pcap_ = nullptr;
        throw std::runtime_error("--pcap " + path.string() + ": " + reason);
    }
    ::fchmod(fd, 0600);
    dumper_ = pcap_dump_fopen(pcap_, file);
    if (!dumper_) {
        ::fclose(file);
        std::string reason = pcap_geterr(pcap_);
        pcap_close(pcap_);
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
    pcap_dump(reinterpret_cast<u_char*>(dumper_), &header, buffer_.data());
    pcap_dump_flush(dumper_);
}

void PcapWriter::close() {
    if (dumper_) pcap_dump_close(dumper_);
    if (pcap_) pcap_close(pcap_);
    dumper_ = nullptr;
    pcap_ = nullptr;
}

}  // namespace ec20ppp::app
