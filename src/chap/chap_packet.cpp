// MD5 for CHAP (RFC 1994 §4.1): OpenSSL 3 marks its low-level MD5_Init/Update/Final deprecated in
// favour of EVP, but EVP_MD_fetch first sets up a library context: reads openssl.cnf, loads the
// default provider and registers every algorithm it has. For one digest over a few dozen octets per
// dial that is most of the dialer's memory (measured: +1.9 MB resident with the shared libcrypto;
// with a static one, EC20PPP_STATIC, ~5 MB more binary and +3 MB resident), so the low-level
// functions are used wherever the OpenSSL build still has them. Builds without them (no-deprecated)
// take the EVP path, which tests also build (EC20PPP_CHAP_MD5_VIA_EVP) so both stay right.
#define OPENSSL_SUPPRESS_DEPRECATED  // before any OpenSSL header: they read it once
#include <openssl/opensslconf.h>
#if !defined(EC20PPP_CHAP_MD5_VIA_EVP) && (defined(OPENSSL_NO_DEPRECATED_3_0) || defined(OPENSSL_NO_MD5))
#define EC20PPP_CHAP_MD5_VIA_EVP 1
#endif
#if !defined(EC20PPP_CHAP_MD5_VIA_EVP)
#include <openssl/crypto.h>
#include <openssl/md5.h>
#else
#include <openssl/err.h>
#include <openssl/evp.h>
#endif

#include "chap/chap_packet.hpp"

#include <algorithm>
#include <memory>

#include "chap/auth_text.hpp"

namespace ec20ppp::chap {

namespace {

std::optional<ChapPacket> reject(std::string* error, std::string why) {
    if (error) *error = std::move(why);
    return std::nullopt;
}

std::string_view as_text(ByteView bytes) {
    return {reinterpret_cast<const char*>(bytes.data()), bytes.size()};
}

#if defined(EC20PPP_CHAP_MD5_VIA_EVP)
struct MdDeleter {
    void operator()(EVP_MD* md) const { EVP_MD_free(md); }
};
struct MdCtxDeleter {
    void operator()(EVP_MD_CTX* ctx) const { EVP_MD_CTX_free(ctx); }
};
#endif

}  // namespace

std::optional<ChapPacket> ChapPacket::parse(ByteView packet, std::string* error) {
    if (packet.size() < chap_header_size) {
        return reject(error, "length " + std::to_string(packet.size()) + " < 4");
    }
    const std::size_t length = load_be16(packet.data() + 2);
    if (length < chap_header_size) {
        return reject(error, "Length field " + std::to_string(length) + " < 4");
    }
    if (length > packet.size()) {
        return reject(error, "Length field " + std::to_string(length) + " > " +
                                 std::to_string(packet.size()) + " octets received");
    }
    ChapPacket out;
    out.id = packet[1];
    // RFC 1994 §4: octets past Length are padding.
    const ByteView data = packet.subspan(chap_header_size, length - chap_header_size);
    switch (packet[0]) {
        case 1:
        case 2: {
            out.code = static_cast<ChapCode>(packet[0]);
            if (data.empty()) return reject(error, "no Value-Size octet");
            const std::size_t value_size = data[0];
            // RFC 1994 §4.1: "The Value field is one or more octets."
            if (value_size == 0) return reject(error, "Value-Size 0");
            if (value_size > data.size() - 1) {
                return reject(error, "Value-Size " + std::to_string(value_size) + " > " +
                                         std::to_string(data.size() - 1) + " octets left");
            }
            const ByteView value = data.subspan(1, value_size);
            out.value.assign(value.begin(), value.end());
            // The Name is everything after the Value up to Length (§4.1: "determined from the
            // Length field"). RFC 1994 wants one or more octets; an empty Name is accepted, as
            // it costs nothing to interoperate with a sender that omits it.
            out.name = std::string(as_text(data.subspan(1 + value_size)));
            return out;
        }
        case 3:
        case 4:
            out.code = static_cast<ChapCode>(packet[0]);
            out.message = std::string(as_text(data));
            return out;
        default:
            return reject(error, "unknown code " + detail::hex_id(packet[0]));
    }
}

Bytes ChapPacket::serialize() const {
    constexpr std::size_t max_length = 0xffff;
    Bytes out;
    out.push_back(static_cast<std::uint8_t>(code));
    out.push_back(id);
    append_be16(out, 0);  // Length, patched below
    if (code == ChapCode::challenge || code == ChapCode::response) {
        const std::size_t value_size = std::min<std::size_t>(value.size(), 0xff);
        out.push_back(static_cast<std::uint8_t>(value_size));
        out.insert(out.end(), value.begin(), value.begin() + static_cast<std::ptrdiff_t>(value_size));
        const ByteView n = as_bytes(name);
        out.insert(out.end(), n.begin(), n.end());
    } else {
        const ByteView m = as_bytes(message);
        out.insert(out.end(), m.begin(), m.end());
    }
    if (out.size() > max_length) out.resize(max_length);
    store_be16(out.data() + 2, static_cast<std::uint16_t>(out.size()));
    return out;
}

std::string_view chap_code_name(std::uint8_t code) {
    switch (code) {
        case 1: return "Challenge";
        case 2: return "Response";
        case 3: return "Success";
        case 4: return "Failure";
        default: return {};
    }
}

std::string describe_chap(ByteView packet) {
    if (auto parsed = ChapPacket::parse(packet)) {
        const auto code = static_cast<std::uint8_t>(parsed->code);
        std::string out = "CHAP ";
        out += chap_code_name(code);
        out += " id=" + detail::hex_id(parsed->id);
        if (parsed->code == ChapCode::challenge || parsed->code == ChapCode::response) {
            out += " <" + to_hex(parsed->value) + ">, name = " + detail::quoted(parsed->name);
        } else {
            out += " " + detail::quoted(parsed->message);
        }
        return out;
    }
    // Malformed: say as much as the octets allow, then show the rest raw.
    std::string out = "CHAP";
    if (packet.empty()) return out + " <>";
    const std::string_view name = chap_code_name(packet[0]);
    out += name.empty() ? " code=" + detail::hex_id(packet[0]) : " " + std::string(name);
    if (packet.size() >= 2) out += " id=" + detail::hex_id(packet[1]);
    const ByteView rest = packet.subspan(std::min(packet.size(), chap_header_size));
    if (!rest.empty()) out += " <" + to_hex(rest) + ">";
    return out;
}

std::optional<Md5Digest> try_chap_md5_response(std::uint8_t id, std::string_view secret,
                                               ByteView challenge) {
#if !defined(EC20PPP_CHAP_MD5_VIA_EVP)
    // Three updates instead of one digest over a concatenation, so the secret is never copied
    // into a buffer of ours that would then need wiping; the context holds state derived from
    // it, so it is wiped.
    MD5_CTX ctx;
    Md5Digest digest{};
    const bool ok = MD5_Init(&ctx) == 1 && MD5_Update(&ctx, &id, 1) == 1 &&
                    MD5_Update(&ctx, secret.data(), secret.size()) == 1 &&
                    MD5_Update(&ctx, challenge.data(), challenge.size()) == 1 &&
                    MD5_Final(digest.data(), &ctx) == 1;
    OPENSSL_cleanse(&ctx, sizeof ctx);
    if (!ok) return std::nullopt;
    return digest;
#else
    // Three updates instead of one EVP_Digest over a concatenation, so the secret is never
    // copied into a buffer of ours that would then need wiping.
    std::unique_ptr<EVP_MD, MdDeleter> md(EVP_MD_fetch(nullptr, "MD5", nullptr));
    std::unique_ptr<EVP_MD_CTX, MdCtxDeleter> ctx(EVP_MD_CTX_new());
    Md5Digest digest{};
    unsigned int digest_size = 0;
    const bool ok = md && ctx && EVP_DigestInit_ex2(ctx.get(), md.get(), nullptr) == 1 &&
                    EVP_DigestUpdate(ctx.get(), &id, 1) == 1 &&
                    EVP_DigestUpdate(ctx.get(), secret.data(), secret.size()) == 1 &&
                    EVP_DigestUpdate(ctx.get(), challenge.data(), challenge.size()) == 1 &&
                    EVP_DigestFinal_ex(ctx.get(), digest.data(), &digest_size) == 1 &&
                    digest_size == digest.size();
    if (!ok) {
        ERR_clear_error();  // leave no stale error on this thread's OpenSSL error queue
        return std::nullopt;
    }
    return digest;
#endif
}

Md5Digest chap_md5_response(std::uint8_t id, std::string_view secret, ByteView challenge) {
    return try_chap_md5_response(id, secret, challenge).value_or(Md5Digest{});
}

}  // namespace ec20ppp::chap
