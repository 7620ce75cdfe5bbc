import Foundation
import RegistrySupport

/// The salted commitment that stands in the public catalog for a withheld manifest field.
///
/// `commitment = lowercase hex SHA-256( salt ‖ value )`, where `salt` is the withheld entry's 64
/// hex characters as ASCII text and `value` is the disclosed JSON `{"value":…}` (the field's value,
/// keys sorted, no whitespace, slashes unescaped). Anyone given the value and the salt can recompute
/// it with `printf '%s' "$salt" | cat - value.json | sha256sum`. Without the salt, guessing a short
/// value (yes/no, a date) from its commitment means guessing 256 random bits as well.
public enum WithheldCommitment {
    /// How to add or repair a salt, for validation messages.
    public static let howToAddSalt = "add 'salt:' with 64 random lowercase hex characters, such as the output of 'openssl rand -hex 32' (new products get one from 'registry new')"

    /// A fresh salt: 32 bytes from the system's cryptographic generator, as lowercase hex.
    public static func newSalt() -> String {
        var generator = SystemRandomNumberGenerator()
        return (0..<32).map { _ in String(format: "%02x", UInt8.random(in: .min ... .max, using: &generator)) }.joined()
    }

    /// Whether text is a salt: exactly 64 lowercase hex characters.
    public static func isSalt(_ text: String) -> Bool {
        text.utf8.count == 64 && text.utf8.allSatisfy { (0x30...0x39).contains($0) || (0x61...0x66).contains($0) }
    }

    /// The bytes that are committed to and disclosed for `field` of `manifest`.
    public static func disclosedValue(of field: String, in manifest: ProductManifest) throws -> Data {
        let object = try JSONSerialization.jsonObject(with: try CanonicalJSON.encode(manifest)) as? [String: Any] ?? [:]
        return try canonical(["value": object[field] ?? NSNull()])
    }

    /// A disclosed value file in the committed form, so one pretty-printed by hand still verifies;
    /// `nil` when it is not a JSON object with exactly the key `value`.
    public static func disclosedValue(parsing data: Data) -> Data? {
        guard let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
              object.count == 1, object["value"] != nil else { return nil }
        return try? canonical(object)
    }

    /// The commitment to a disclosed value under a salt.
    public static func commitment(salt: String, disclosedValue: Data) -> String {
        SHA256Hex.of(Data(salt.utf8) + disclosedValue)
    }

    private static func canonical(_ object: [String: Any]) throws -> Data {
        try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
    }
}
