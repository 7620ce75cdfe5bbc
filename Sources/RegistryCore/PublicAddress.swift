// Only for the C socket constants: libcurl's headers include <sys/socket.h>, so in a whole-module
// (release) build Clang gives enums such as SOCK_STREAM to CCurl rather than Glibc. No libcurl here.
import CCurl
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Whether the public can reach an address: a web address on a host whose every resolved address
/// is a public one. Decided before any request is sent, and again for every redirect.
enum PublicAddress: Equatable {
    case `public`
    /// One sentence saying why the public cannot reach it.
    case notPublic(String)
    /// The host name did not resolve.
    case unresolved(String)

    /// Host name endings used inside organisations, never on the public internet.
    static let intranetSuffixes = [".local", ".localhost", ".internal", ".intranet", ".lan", ".corp", ".home.arpa", ".localdomain"]

    static func classify(_ url: URL, allowLoopback: Bool) -> PublicAddress {
        guard let scheme = url.scheme?.lowercased() else { return .notPublic("It has no scheme such as https.") }
        guard scheme == "http" || scheme == "https" else {
            return .notPublic("It uses the '\(scheme):' scheme, which a member of the public cannot open; publish the document on a public web address.")
        }
        guard let rawHost = url.host, !rawHost.isEmpty else { return .notPublic("It names no host.") }
        let host = rawHost.lowercased().trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
        let literal = IPAddress(host)
        // With loopback allowed (tests), 'localhost' goes on to resolve to its loopback addresses.
        if literal == nil, !(allowLoopback && host == "localhost") {
            if host == "localhost" || intranetSuffixes.contains(where: host.hasSuffix) {
                return .notPublic("The host '\(host)' is an intranet name.")
            }
            if !host.contains(".") {
                return .notPublic("The host '\(host)' is a single-label (intranet) name.")
            }
        }
        let addresses: [IPAddress]
        if let literal {
            addresses = [literal]
        } else {
            guard let resolved = resolve(host), !resolved.isEmpty else {
                return .unresolved("The host name '\(host)' does not resolve.")
            }
            addresses = resolved
        }
        for address in addresses {
            if let kind = address.refusal(allowLoopback: allowLoopback) {
                return .notPublic("The host '\(host)' resolves to \(address), \(kind.rawValue) address.")
            }
        }
        return .public
    }

    /// Every address a host name resolves to, or `nil` when it does not resolve.
    private static func resolve(_ host: String) -> [IPAddress]? {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, nil, &hints, &list) == 0, let first = list else { return nil }
        defer { freeaddrinfo(first) }
        var addresses: [IPAddress] = []
        var entry: UnsafeMutablePointer<addrinfo>? = first
        while let current = entry {
            if let address = current.pointee.ai_addr, let ip = IPAddress(socketAddress: address, family: current.pointee.ai_family) {
                addresses.append(ip)
            }
            entry = current.pointee.ai_next
        }
        return addresses
    }
}

/// An IPv4 (4 bytes) or IPv6 (16 bytes) address.
struct IPAddress: Equatable, CustomStringConvertible {
    let bytes: [UInt8]

    init(bytes: [UInt8]) { self.bytes = bytes }

    /// Parses a textual address, or `nil` when the text is a host name.
    init?(_ text: String) {
        var v4 = in_addr(), v6 = in6_addr()
        if inet_pton(AF_INET, text, &v4) == 1 {
            bytes = withUnsafeBytes(of: v4) { Array($0) }
        } else if inet_pton(AF_INET6, text, &v6) == 1 {
            bytes = withUnsafeBytes(of: v6) { Array($0) }
        } else {
            return nil
        }
    }

    /// The address in a `sockaddr_in` or `sockaddr_in6`, or `nil` for another family.
    init?(socketAddress: UnsafeRawPointer, family: Int32) {
        switch family {
        case AF_INET:
            bytes = withUnsafeBytes(of: socketAddress.loadUnaligned(as: sockaddr_in.self).sin_addr) { Array($0) }
        case AF_INET6:
            bytes = withUnsafeBytes(of: socketAddress.loadUnaligned(as: sockaddr_in6.self).sin6_addr) { Array($0) }
        default:
            return nil
        }
    }

    /// Why the public cannot reach this address, or `nil` for a public one.
    enum Kind: String { case loopback = "a loopback", privateNetwork = "a private-network", linkLocal = "a link-local", unspecified = "an unspecified" }

    var nonPublicKind: Kind? {
        if bytes.count == 16 {
            // An IPv4-mapped address (::ffff:a.b.c.d) is the IPv4 address it carries.
            if bytes[0..<10].allSatisfy({ $0 == 0 }) && bytes[10] == 0xFF && bytes[11] == 0xFF {
                return IPAddress(bytes: Array(bytes[12...])).nonPublicKind
            }
            if bytes.allSatisfy({ $0 == 0 }) { return .unspecified }
            if bytes[0..<15].allSatisfy({ $0 == 0 }) && bytes[15] == 1 { return .loopback }
            if bytes[0] & 0xFE == 0xFC { return .privateNetwork }
            if bytes[0] == 0xFE && bytes[1] & 0xC0 == 0x80 { return .linkLocal }
            return nil
        }
        switch (bytes[0], bytes[1]) {
        case (127, _): return .loopback
        case (0, _): return .unspecified
        case (10, _), (192, 168): return .privateNetwork
        case (172, 16...31): return .privateNetwork
        case (100, 64...127): return .privateNetwork // carrier-grade NAT
        case (169, 254): return .linkLocal
        default: return nil
        }
    }

    /// Why a link check may not connect to this address, or `nil`; loopback passes when allowed (tests).
    func refusal(allowLoopback: Bool) -> Kind? {
        guard let kind = nonPublicKind, !(allowLoopback && kind == .loopback) else { return nil }
        return kind
    }

    var description: String {
        var buffer = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
        let family = bytes.count == 4 ? AF_INET : AF_INET6
        let text = bytes.withUnsafeBytes { raw in inet_ntop(family, raw.baseAddress, &buffer, socklen_t(buffer.count)) }
        return text == nil ? "?" : String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
