import CCurl
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// One HTTP(S) GET that does not follow redirects, through libcurl, and that refuses to connect to
/// any address the public cannot reach. The address is judged on the socket about to be opened, not
/// on an earlier name lookup, so a host name that answers a public address to the registry's check
/// and a private one a moment later (DNS rebinding) still cannot make the registry send a request
/// into the agency's own network. TLS verifies the certificate against the host name of the address,
/// which is also the name sent as SNI and in `Host`.
struct HTTPProbe: Sendable {
    /// How a probe ended.
    enum Outcome: Sendable, Equatable {
        /// The server answered; `location` is the absolute redirect target of a 3xx that names one.
        case response(status: Int, location: String?)
        /// The name resolved, when connecting, to an address the public cannot reach, which got no
        /// connection (and so no request). Reported even if another of the name's addresses answered.
        case refused(IPAddress, IPAddress.Kind)
        /// No response within the time allowed.
        case timedOut
        /// The transfer failed; one sentence from libcurl.
        case failed(String)
    }

    /// Seconds for the whole exchange, name lookup and connection included.
    let timeout: Double
    /// Whether loopback addresses may be connected to (the tests' local servers).
    let allowLoopback: Bool
    /// A PEM file of certificate authorities to trust instead of the system's: tests only.
    let trustedCertificatesFile: String?

    /// Sends one GET to `address` and returns the response's status without reading its body.
    func fetch(_ address: String) async -> Outcome {
        await withCheckedContinuation { continuation in
            // curl_easy_perform blocks for up to the time-out: on a thread of its own it leaves Swift's
            // small concurrency pool free, so `--jobs` transfers really run at once.
            Thread { continuation.resume(returning: perform(address)) }.start()
        }
    }

    /// Loads libcurl (and runs its process-wide set-up) unless it already is: only `registry links`
    /// fetches, so libcurl is opened then rather than linked, and every other command starts
    /// without loading it. Returns why this machine's libcurl cannot be loaded, or nil once it is.
    static func loadLibrary() -> String? {
        registry_curl_load().map { String(cString: $0) }
    }

    /// Loads libcurl, throwing the error that names the package when it cannot be loaded.
    static func requireLibrary() throws {
        if let problem = loadLibrary() { throw CoreError.libcurlUnavailable(problem) }
    }

    /// The loaded libcurl's version line (`libcurl/7.88.1 OpenSSL/3.0…`): only after `loadLibrary()`
    /// returned nil.
    static var libraryVersion: String { String(cString: registry_curl_version()) }

    /// How to get libcurl, for every message that finds it missing.
    static let installAdvice = "install it with 'apt-get install libcurl4' (libcurl4t64 on Ubuntu 24.04)"

    private func perform(_ address: String) -> Outcome {
        guard let handle = registry_curl_easy_init() else { return .failed("libcurl could not start a transfer.") }
        defer { registry_curl_easy_cleanup(handle) }
        let transfer = ProbeTransfer(allowLoopback: allowLoopback)
        let context = Unmanaged.passUnretained(transfer).toOpaque()
        var errorText = [CChar](repeating: 0, count: Int(CURL_ERROR_SIZE) + 1)
        let milliseconds = max(1, Int(timeout * 1000))
        return withExtendedLifetime(transfer) {
            errorText.withUnsafeMutableBufferPointer { errorBuffer -> Outcome in
                // libcurl copies every string option, so Swift's temporary C strings are enough.
                var settings = [
                    registry_curl_set_string(handle, CURLOPT_URL, address),
                    // Only the web: no file:, ftp:, gopher: or other scheme, on this hop or any other.
                    registry_curl_set_string(handle, CURLOPT_PROTOCOLS_STR, "http,https"),
                    registry_curl_set_string(handle, CURLOPT_REDIR_PROTOCOLS_STR, "http,https"),
                    // Redirects are followed by LinkChecker, one vetted hop at a time.
                    registry_curl_set_long(handle, CURLOPT_FOLLOWLOCATION, 0),
                    // A proxy would resolve the name itself, out of reach of the address check.
                    registry_curl_set_string(handle, CURLOPT_PROXY, ""),
                    registry_curl_set_long(handle, CURLOPT_TIMEOUT_MS, milliseconds),
                    registry_curl_set_long(handle, CURLOPT_CONNECTTIMEOUT_MS, milliseconds),
                    // Several transfers run on threads at once: signals cannot time out a lookup here.
                    registry_curl_set_long(handle, CURLOPT_NOSIGNAL, 1),
                    registry_curl_set_long(handle, CURLOPT_SSL_VERIFYPEER, 1),
                    registry_curl_set_long(handle, CURLOPT_SSL_VERIFYHOST, 2),
                    registry_curl_set_string(handle, CURLOPT_USERAGENT, "analytics-registry link check"),
                    registry_curl_set_opensocket(handle, openPublicSocket),
                    registry_curl_set_pointer(handle, CURLOPT_OPENSOCKETDATA, context),
                    registry_curl_set_write(handle, stopAtBody),
                    registry_curl_set_pointer(handle, CURLOPT_WRITEDATA, context),
                    registry_curl_set_pointer(handle, CURLOPT_ERRORBUFFER, errorBuffer.baseAddress),
                ]
                if let trustedCertificatesFile {
                    settings.append(registry_curl_set_string(handle, CURLOPT_CAINFO, trustedCertificatesFile))
                }
                // An option this libcurl does not know (CURLOPT_PROTOCOLS_STR needs 7.85) must stop the
                // transfer rather than let it run with a guard missing.
                if let refusal = settings.first(where: { $0 != CURLE_OK }) {
                    return .failed("libcurl \(String(cString: registry_curl_version())) refused a setting: \(String(cString: registry_curl_easy_strerror(refusal))).")
                }
                let code = registry_curl_easy_perform(handle)
                if let refused = transfer.refused { return .refused(refused.0, refused.1) }
                if code == CURLE_OK || (code == CURLE_WRITE_ERROR && transfer.reachedBody) {
                    var status = 0
                    var location: UnsafeMutablePointer<CChar>?
                    _ = registry_curl_info_long(handle, CURLINFO_RESPONSE_CODE, &status)
                    _ = registry_curl_info_string(handle, CURLINFO_REDIRECT_URL, &location)
                    return .response(status: status, location: location.map { String(cString: $0) })
                }
                if code == CURLE_OPERATION_TIMEDOUT { return .timedOut }
                let detail = String(cString: errorBuffer.baseAddress!)
                return .failed(detail.isEmpty ? String(cString: registry_curl_easy_strerror(code)) : detail)
            }
        }
    }
}

/// What libcurl's callbacks learn during one transfer; confined to the thread running it.
private final class ProbeTransfer {
    let allowLoopback: Bool
    /// The non-public address a connection was refused to, if any.
    var refused: (IPAddress, IPAddress.Kind)?
    /// Whether the body began, after which the status is known and the rest is not needed.
    var reachedBody = false

    init(allowLoopback: Bool) { self.allowLoopback = allowLoopback }
}

/// libcurl's CURLOPT_OPENSOCKETFUNCTION: called for every connection attempt with the address it is
/// about to connect to, after any name lookup. Anything but a public IPv4 or IPv6 address gets no socket.
private func openPublicSocket(_ context: UnsafeMutableRawPointer?, _ purpose: curlsocktype,
                              _ address: UnsafeMutablePointer<curl_sockaddr>?) -> curl_socket_t {
    guard let context, let address else { return CURL_SOCKET_BAD }
    let transfer = Unmanaged<ProbeTransfer>.fromOpaque(context).takeUnretainedValue()
    // `addr` is only the head of a sockaddr_in or sockaddr_in6 that libcurl allocated in full.
    let socketAddress = UnsafeRawPointer(address) + MemoryLayout<curl_sockaddr>.offset(of: \.addr)!
    guard let peer = IPAddress(socketAddress: socketAddress, family: address.pointee.family) else { return CURL_SOCKET_BAD }
    if let kind = peer.refusal(allowLoopback: transfer.allowLoopback) {
        transfer.refused = (peer, kind)
        return CURL_SOCKET_BAD
    }
    return socket(address.pointee.family, address.pointee.socktype | Int32(SOCK_CLOEXEC.rawValue), address.pointee.protocol)
}

/// libcurl's CURLOPT_WRITEFUNCTION: the first bytes of the body end the transfer, since the status
/// is all a link check needs and an evidence document may be large.
private func stopAtBody(_ data: UnsafeMutablePointer<CChar>?, _ size: Int, _ count: Int, _ context: UnsafeMutableRawPointer?) -> Int {
    if let context { Unmanaged<ProbeTransfer>.fromOpaque(context).takeUnretainedValue().reachedBody = true }
    return 0
}
