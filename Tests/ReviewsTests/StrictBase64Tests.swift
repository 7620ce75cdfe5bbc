import Foundation
import Testing
@testable import Reviews

/// The strict base64 of signature armor and keys: one text per blob, so a signature file cannot be
/// re-encoded into a second file that verifies too.
@Suite struct StrictBase64Tests {
    @Test func everyLengthDecodesToWhatWasEncodedAndAgreesWithFoundation() {
        var generator = SystemRandomNumberGenerator()
        for length in 0...80 {
            let blob = (0..<length).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
            let text = StrictBase64.encode(blob)
            #expect(text == Data(blob).base64EncodedString())
            #expect(StrictBase64.decode(Array(text.utf8)) == (length == 0 ? nil : blob), "length \(length)")
            // A non-contiguous collection takes the copying path and must give the same answer.
            #expect(StrictBase64.decode(text.utf8.lazy.map { $0 }) == (length == 0 ? nil : blob))
        }
    }

    @Test(arguments: [
        ("QR==", "non-zero spare bits before two '='"),
        ("QUJ=", "non-zero spare bits before one '='"),
        ("QQ==QUJD", "padding before the last quad"),
        ("QUJD=A==", "'=' inside the last quad"),
        ("Q===", "three '='"),
        ("====", "only padding"),
        ("QUJ", "a length that is not a multiple of four"),
        ("QU JD", "a space"),
        ("QUJD\n", "a newline"),
        ("QU-D", "a character of the URL-safe alphabet"),
        ("", "nothing"),
    ])
    func nonCanonicalTextIsRefused(text: String, problem: String) {
        #expect(StrictBase64.decode(Array(text.utf8)) == nil, "\(problem): '\(text)'")
    }

    @Test func canonicalPaddedTextDecodes() {
        #expect(StrictBase64.decode(Array("QQ==".utf8)) == [0x41])
        #expect(StrictBase64.decode(Array("QUI=".utf8)) == [0x41, 0x42])
        #expect(StrictBase64.decode(Array("QUJD".utf8)) == [0x41, 0x42, 0x43])
    }
}
