import Foundation

/// Independent pieces of synchronous work spread over threads: two at once, or many in stripes.
public enum Parallel {
    /// `transform` of every index in `0..<count`, on one task per core: task k takes k, k + n,
    /// k + 2n, … (n tasks), so neighbouring items of uneven cost land on different cores. Nil
    /// results are dropped and the order of the results is not kept; the first error thrown ends
    /// the work.
    public static func striped<Result: Sendable>(count: Int, _ transform: @escaping @Sendable (Int) throws -> Result?)
        async throws -> [Result] {
        let workers = max(1, min(ProcessInfo.processInfo.activeProcessorCount, count))
        return try await withThrowingTaskGroup(of: [Result].self) { group in
            for worker in 0..<workers {
                group.addTask { try stride(from: worker, to: count, by: workers).compactMap(transform) }
            }
            var results: [Result] = []
            for try await part in group { results += part }
            return results
        }
    }

    /// Runs `first` and `second` at the same time and returns both results once both are done.
    ///
    /// For CPU-bound work inside a synchronous call (reading two large files), where making every
    /// caller async would buy nothing: `concurrentPerform` returns only after both closures finish,
    /// so their results are complete and visible when this returns.
    public static func both<First, Second>(_ first: () -> First, _ second: () -> Second) -> (First, Second) {
        let results = Results<First, Second>()
        withoutActuallyEscaping(first) { first in
            withoutActuallyEscaping(second) { second in
                let work = UncheckedWork(first: first, second: second)
                DispatchQueue.concurrentPerform(iterations: 2) { index in
                    if index == 0 { results.first = work.first() } else { results.second = work.second() }
                }
            }
        }
        guard let firstResult = results.first, let secondResult = results.second else {
            preconditionFailure("concurrentPerform returned before both iterations ran")
        }
        return (firstResult, secondResult)
    }

    /// Each slot is written by one iteration only and read after both have finished.
    private final class Results<First, Second>: @unchecked Sendable {
        var first: First?
        var second: Second?
    }

    /// The two closures, each called on one thread only.
    private struct UncheckedWork<First, Second>: @unchecked Sendable {
        let first: () -> First
        let second: () -> Second
    }
}
