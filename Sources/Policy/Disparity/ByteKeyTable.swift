import Foundation

/// A set of byte strings (an audit column's group labels, a sample column's distinct values)
/// numbered in insertion order, hashed without building a `String` per value.
///
/// Every audit row looks up one value per attribute; creating and SipHashing a `String` for each
/// cost more than the scan, so values live in one arena and are found by open addressing. (Join
/// keys, a million distinct, use `AuditKeyTable`, which packs short keys into its slots.)
struct ByteKeyTable {
    private var arena: [UInt8] = []
    private var offsets: [Int] = [0]
    private var hashes: [UInt64] = []
    /// Per slot: the key's hash in the high 32 bits and its number + 1 in the low 32; 0 marks an
    /// empty slot. Keeping the hash in the slot rejects most mismatches without touching the arena.
    private var slots: [UInt64]
    private var mask: Int

    init(capacity: Int = 1 << 16) {
        var size = 16
        while size < capacity * 2 { size <<= 1 }
        slots = [UInt64](repeating: 0, count: size)
        mask = size - 1
        arena.reserveCapacity(capacity * 8)
        offsets.reserveCapacity(capacity + 1)
        hashes.reserveCapacity(capacity)
    }

    /// How many keys the table holds.
    var count: Int { hashes.count }

    /// The key's number, inserting it when new; `inserted` is false when it was already there.
    mutating func insert(_ key: UnsafeRawBufferPointer) -> (number: Int, inserted: Bool) {
        let hash = Self.hash(key)
        if let found = find(key, hash: hash) { return (found, false) }
        if (count + 1) * 2 > slots.count { grow() }
        let number = count
        arena.append(contentsOf: key)
        offsets.append(arena.count)
        hashes.append(hash)
        place(number, hash: hash)
        return (number, true)
    }

    /// The text of key `number`, for messages.
    func text(_ number: Int) -> String {
        String(decoding: arena[offsets[number]..<offsets[number + 1]], as: UTF8.self)
    }

    private func find(_ key: UnsafeRawBufferPointer, hash: UInt64) -> Int? {
        var slot = Int(truncatingIfNeeded: hash) & mask
        let tag = hash & 0xFFFF_FFFF_0000_0000
        while true {
            let entry = slots[slot]
            if entry == 0 { return nil }
            let number = Int(entry & 0xFFFF_FFFF) - 1
            if entry & 0xFFFF_FFFF_0000_0000 == tag {
                let start = offsets[number], end = offsets[number + 1]
                if end - start == key.count {
                    let equal = arena.withUnsafeBytes { stored in
                        guard let storedBase = stored.baseAddress, let keyBase = key.baseAddress else { return key.isEmpty }
                        return memcmp(storedBase + start, keyBase, key.count) == 0
                    }
                    if equal { return number }
                }
            }
            slot = (slot + 1) & mask
        }
    }

    private mutating func place(_ number: Int, hash: UInt64) {
        var slot = Int(truncatingIfNeeded: hash) & mask
        while slots[slot] != 0 { slot = (slot + 1) & mask }
        slots[slot] = (hash & 0xFFFF_FFFF_0000_0000) | UInt64(number + 1)
    }

    private mutating func grow() {
        slots = [UInt64](repeating: 0, count: slots.count * 2)
        mask = slots.count - 1
        for number in 0..<count { place(number, hash: hashes[number]) }
    }

    /// FNV-1a, then a multiplicative mix so nearby keys spread across the low bits used for slots.
    private static func hash(_ key: UnsafeRawBufferPointer) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in key {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01B3
        }
        return (hash ^ (hash >> 29)) &* 0xbf58_476d_1ce4_e5b9
    }
}
