// --pcap FILE: every PPP frame as Wireshark shows pppd's captures, with its direction
// (libpcap's LINKTYPE_PPP_WITH_DIR: one direction octet, then the PPP header and packet).
#pragma once

#include <filesystem>
#include <memory>
#include <string>

#include "common/bytes.hpp"

struct pcap;
struct pcap_dumper;

namespace ec20ppp::app {

class PcapWriter {
public:
    PcapWriter() = default;
    ~PcapWriter();
    PcapWriter(const PcapWriter&) = delete;
    PcapWriter& operator=(const PcapWriter&) = delete;

    // Throws std::runtime_error with libpcap's reason when the file cannot be created.
    void open(const std::filesystem::path& path);
    bool is_open() const { return dumper_ != nullptr; }
    // One PPP packet: protocol and information field. `sent` is our direction.
    void write(bool sent, std::uint16_t protocol, ByteView info);
    void close();

private:
    ::pcap* pcap_ = nullptr;
    ::pcap_dumper* dumper_ = nullptr;
    Bytes buffer_;
};

}  // namespace ec20ppp::app
