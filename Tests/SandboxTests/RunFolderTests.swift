import Foundation
@testable import Sandbox
import Testing

/// Where runs stage: `TMPDIR` when set, else a roomy `/dev/shm`, else `/tmp`.
struct RunFolderTests {
    private let roomy = RunFolder.Candidate(isMemoryFileSystem: true, worldWritableAndSticky: true, freeBytes: 8 << 30)

    @Test func aSetTemporaryDirectoryAlwaysWins() {
        #expect(RunFolder.choose(temporaryDirectory: "/srv/runs/", sharedMemory: roomy).path == "/srv/runs")
    }

    @Test func aRoomyMemoryFileSystemIsChosenWhenTemporaryDirectoryIsUnset() {
        #expect(RunFolder.choose(temporaryDirectory: nil, sharedMemory: roomy).path == "/dev/shm")
    }

    @Test func sharedMemoryThatIsSmallOnDiskOrClosedFallsBackToTmp() {
        var small = roomy
        small.freeBytes = 64 << 20
        var onDisk = roomy
        onDisk.isMemoryFileSystem = false
        var closed = roomy
        closed.worldWritableAndSticky = false
        for candidate in [small, onDisk, closed, nil] {
            #expect(RunFolder.choose(temporaryDirectory: nil, sharedMemory: candidate).path == "/tmp")
        }
    }

    @Test func leftoversAreLookedForWhereverARunMayHaveStaged() {
        let folders = RunFolder.everyCandidate.map(\.path)
        if let set = ProcessInfo.processInfo.environment["TMPDIR"], !set.isEmpty {
            #expect(folders == [URL(fileURLWithPath: set).standardizedFileURL.path])
        } else {
            #expect(folders.contains("/tmp") && folders.contains(RunFolder.current.path))
        }
    }
}
