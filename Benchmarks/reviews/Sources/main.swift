// Statement verification throughput on one thread: every review statement of a registry's
// working tree goes through `ApprovalEvaluator` (armor, SSHSIG structure, ed25519 signature,
// strict statement parsing, keyring membership and binding to the product version), as
// `registry status` and `review verify` do. As a floor, it also times swift-crypto's bare ed25519
// verification of a message of the same size on the same thread. The two alternate in chunks of
// about 500 statements (A B A B …), each chunk timed on the thread's CPU clock, so that a busy
// machine's load falls on both sides alike instead of on whichever ran second.
//
// Usage: verify-benchmark REGISTRY [ROUNDS]   (prints one `key: value` per line)
import Crypto
import Foundation
import ProductModel
import Reviews

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("verify-benchmark: \(message)\n".utf8))
    exit(2)
}

/// CPU seconds used by this thread.
func threadCPUSeconds() -> Double {
    var time = timespec()
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &time)
    return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
}

let arguments = CommandLine.arguments
guard arguments.count >= 2 else { fail("usage: verify-benchmark REGISTRY [ROUNDS]") }
let root = URL(fileURLWithPath: arguments[1])
let rounds = arguments.count > 2 ? Int(arguments[2]) ?? 1 : 1

func read(_ path: String) -> [UInt8] {
    guard let data = FileManager.default.contents(atPath: root.appendingPathComponent(path).path) else {
        fail("cannot read \(path)")
    }
    return Array(data)
}

// The newest keyring, trusted as is: the chain walk is `board verify`'s job, not measured here.
let boardFiles = (try? FileManager.default.contentsOfDirectory(atPath: root.appendingPathComponent("Reviews/board").path)) ?? []
guard let keyringName = boardFiles.filter({ $0.hasPrefix("keyring.v") && !$0.contains(".sigs") }).sorted().last,
      let keyring = try? Keyring(parsing: read("Reviews/board/\(keyringName)")) else {
    fail("no readable keyring under \(root.path)/Reviews/board")
}

// Every product's review files, and the version each statement speaks for as the subject.
var work: [(subject: ProductVersionUnderReview, files: [RepositoryFile], statements: Int)] = []
var statementCount = 0
let reviewsFolder = root.appendingPathComponent("Reviews")
for product in ((try? FileManager.default.contentsOfDirectory(atPath: reviewsFolder.path)) ?? []).sorted() where product != "board" {
    guard let enumerator = FileManager.default.enumerator(atPath: reviewsFolder.appendingPathComponent(product).path) else { continue }
    var files: [RepositoryFile] = []
    var subject: ProductVersionUnderReview?
    var statements = 0
    while let relative = enumerator.nextObject() as? String {
        let path = "Reviews/\(product)/\(relative)"
        var isDirectory: ObjCBool = false
        _ = FileManager.default.fileExists(atPath: root.appendingPathComponent(path).path, isDirectory: &isDirectory)
        guard !isDirectory.boolValue else { continue }
        let bytes = read(path)
        files.append(RepositoryFile(path: path, bytes: bytes))
        if path.hasSuffix(".approval"), let statement = try? ReviewStatement(parsing: bytes) {
            statements += 1
            subject = subject ?? ProductVersionUnderReview(product: statement.product, version: statement.version,
                                                           tree: statement.tree, contentDigest: statement.contentDigest,
                                                           demographicFields: statement.demographicFields)
        }
    }
    if let subject {
        work.append((subject, files, statements))
        statementCount += statements
    }
}
guard statementCount > 0 else { fail("no approval statements under \(reviewsFolder.path)") }

// The floor: bare ed25519 verification with the same library, of a message as long as SSHSIG's signed data.
let key = Curve25519.Signing.PrivateKey()
let messages = (0..<1_000).map { index in Array(repeating: UInt8(truncatingIfNeeded: index), count: 114) }
let signatures = try messages.map { try key.signature(for: $0) }
var valid = 0
var floorVerified = 0

// Judge every statement as of now; evaluation and floor take turns, chunk by chunk.
let now = Date()
let chunkProducts = 100
var counted = 0
var cpu = 0.0
var wall = 0.0
var floorCPU = 0.0
for _ in 0..<rounds {
    counted = 0
    for chunkStart in stride(from: 0, to: work.count, by: chunkProducts) {
        let chunk = work[chunkStart..<min(chunkStart + chunkProducts, work.count)]
        let start = threadCPUSeconds()
        let wallStart = Date()
        for item in chunk {
            counted += ApprovalEvaluator.evaluate(item.subject, keyring: keyring, files: item.files, now: now).counted.count
        }
        cpu += threadCPUSeconds() - start
        wall += Date().timeIntervalSince(wallStart)
        // As many bare verifications as the chunk had statements.
        let floorStart = threadCPUSeconds()
        for _ in 0..<chunk.reduce(0, { $0 + $1.statements }) {
            let index = floorVerified % messages.count
            if key.publicKey.isValidSignature(signatures[index], for: messages[index]) { valid += 1 }
            floorVerified += 1
        }
        floorCPU += threadCPUSeconds() - floorStart
    }
}
guard valid == floorVerified else { fail("the ed25519 floor measurement failed to verify its own signatures") }

let verified = statementCount * rounds
print("statements: \(statementCount)")
print("rounds: \(rounds)")
print("counted per round: \(counted)")
print(String(format: "cpu seconds: %.3f", cpu))
print(String(format: "wall seconds: %.3f", wall))
print(String(format: "verifications per cpu second: %.0f", Double(verified) / cpu))
print(String(format: "ed25519 floor per cpu second: %.0f", Double(valid) / floorCPU))
if counted != statementCount {
    fail("only \(counted) of \(statementCount) approvals counted; the registry's statements do not all verify")
}
