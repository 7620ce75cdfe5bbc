import Foundation

/// A value several threads read and update under a lock.
public final class Guarded<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: Value

    public init(_ value: Value) { stored = value }

    /// A copy of the value.
    public var value: Value { lock.withLock { stored } }

    /// A part of the value, read without copying it: a copy alive during an `update` would make
    /// that update copy a whole dictionary.
    public func read<Part>(_ part: (Value) -> Part) -> Part { lock.withLock { part(stored) } }

    /// Changes the value in place.
    public func update(_ change: (inout Value) -> Void) { lock.withLock { change(&stored) } }
}
