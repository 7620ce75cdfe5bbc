/// A join key packed into two words, so the join compares most keys without touching their bytes:
/// a key of at most 8 bytes is held in `word` itself, a longer one as its place in its file's arena.
///
/// A million keys each in an arena of bytes, found through a table of offsets, cost three cache
/// misses per look-up; packed, a look-up of a short key touches one slot.
struct PackedKey: Sendable {
    /// The key's bytes, zero-padded, when it is short; else its arena offset << 24 | its length.
    var word: UInt64
    /// The key's hash with its low byte replaced by the length + 1 (short keys) or `longCode`, so
    /// equal tags and words mean equal short keys, and no tag is 0.
    var tag: UInt64

    /// The low byte of a long key's tag.
    static let longCode: UInt64 = 10

    /// Whether the key's bytes are in an arena.
    var isLong: Bool { tag & 0xFF == Self.longCode }

    /// The tag of a short key held in `word`.
    static func shortTag(_ word: UInt64, count: Int) -> UInt64 {
        (mix(word ^ (UInt64(count) &* 0x9E37_79B9_7F4A_7C15)) & ~0xFF) | UInt64(count + 1)
    }

    /// The tag of a key longer than 8 bytes: its 8-byte words mixed in turn, then the rest.
    static func longTag(_ key: UnsafeRawBufferPointer) -> UInt64 {
        var hash = UInt64(key.count) &* 0x9E37_79B9_7F4A_7C15
        var offset = 0
        while offset + 8 <= key.count {
            hash = mix(hash ^ key.loadUnaligned(fromByteOffset: offset, as: UInt64.self))
            offset += 8
        }
        var rest: UInt64 = 0
        withUnsafeMutableBytes(of: &rest) { $0.copyMemory(from: UnsafeRawBufferPointer(rebasing: key[offset...])) }
        return (mix(hash ^ rest) & ~0xFF) | longCode
    }

    /// The bytes of a long key, in the arena it was packed into.
    func bytes(in arena: UnsafeRawBufferPointer) -> UnsafeRawBufferPointer {
        let start = Int(word >> 24)
        return UnsafeRawBufferPointer(rebasing: arena[start..<start + Int(word & 0xFF_FFFF)])
    }

    /// SplitMix64's finaliser: every input bit moves every output bit, so the slot bits and the
    /// tag bits of nearby keys (`r0000001`, `r0000002`) differ.
    private static func mix(_ value: UInt64) -> UInt64 {
        var value = value
        value = (value ^ (value >> 30)) &* 0xBF58_476D_1CE4_E5B9
        value = (value ^ (value >> 27)) &* 0x94D0_49BB_1331_11EB
        return value ^ (value >> 31)
    }
}

extension PackedKey {
    /// Packs `key`, appending it to `arena` when it is longer than 8 bytes (keys are at most
    /// `CSVLimits.maximumFieldBytes` long, far below the 16 MB a length of 24 bits holds).
    init(_ key: UnsafeRawBufferPointer, arena: inout [UInt8]) {
        if key.count <= 8 {
            var word: UInt64 = 0
            withUnsafeMutableBytes(of: &word) { $0.copyMemory(from: key) }
            self.word = word
            tag = Self.shortTag(word, count: key.count)
        } else {
            word = UInt64(arena.count) << 24 | UInt64(key.count)
            arena.append(contentsOf: key)
            tag = Self.longTag(key)
        }
    }
}

/// The audit file's keys, each with its row's intersection cell and label, in one open-addressing
/// table of 16-byte slots: a look-up of a short key reads one slot, which holds everything the
/// join needs from the audit row.
struct AuditKeyTable: Sendable {
    /// One slot: the key's word, its tag's top 24 bits and length code, and the row's packed
    /// cell and label (`info`). A slot whose `tag` is 0 is empty.
    struct Slot: Sendable {
        var word: UInt64 = 0
        var tag: UInt32 = 0
        var info: UInt32 = 0
    }

    private(set) var slots: [Slot]
    private var mask: Int
    /// The bytes of keys longer than 8 bytes.
    private(set) var arena: [UInt8] = []
    /// How many keys the table holds.
    private(set) var count = 0
    /// The home slots' tags of the last batch, ORed: kept so the reads that warm the cache are
    /// not optimised away.
    private var touched: UInt32 = 0

    /// A table with room for about `expectedKeys` keys before it grows.
    init(expectedKeys: Int) {
        var size = 1 << 10
        while Self.isCrowded(keys: expectedKeys, slots: size) { size <<= 1 }
        slots = [Slot](repeating: Slot(), count: size)
        mask = size - 1
    }

    /// Whether `keys` keys would fill more than 70% of `slots` slots: past that, linear probing
    /// runs long; below it, a million keys fit in 2^21 slots (32 MB) even when the file size
    /// overestimates them by a quarter.
    private static func isCrowded(keys: Int, slots: Int) -> Bool { keys * 10 > slots * 7 }

    /// The slot's tag for a packed key: the hash's top 24 bits and the length code.
    @inline(__always) static func slotTag(_ tag: UInt64) -> UInt32 {
        UInt32(truncatingIfNeeded: tag >> 32) & ~0xFF | UInt32(truncatingIfNeeded: tag & 0xFF)
    }

    /// The first slot to probe: bits of the hash that the slot's tag does not hold.
    @inline(__always) private static func home(_ tag: UInt64, mask: Int) -> Int {
        Int(truncatingIfNeeded: tag >> 8) & mask
    }

    /// Packs `key` for `insert(_:infos:)`, keeping a long key's bytes in this table's arena.
    mutating func pack(_ key: UnsafeRawBufferPointer) -> PackedKey {
        PackedKey(key, arena: &arena)
    }

    /// Adds the packed keys with their infos, in order; returns the position in `batch` of the
    /// first key already present (the keys after it are left out).
    ///
    /// The batch's home slots are read first: one key at a time, each insert waited on its own
    /// cache miss into the table (half of a million-row run); read together, the misses overlap.
    mutating func insert(_ batch: [PackedKey], infos: [UInt32]) -> Int? {
        let mask = self.mask
        touched = slots.withUnsafeBufferPointer { slots in
            batch.reduce(UInt32(0)) { $0 | slots[Self.home($1.tag, mask: mask)].tag }
        }
        for position in batch.indices {
            if find(batch[position], keyArena: nil) != nil { return position }
            if Self.isCrowded(keys: count + 1, slots: slots.count) { grow() }
            place(batch[position], info: infos[position])
            count += 1
        }
        return nil
    }

    /// The text of a key packed by `pack(_:)`, for messages.
    func text(_ key: PackedKey) -> String {
        if key.isLong { return arena.withUnsafeBytes { String(decoding: key.bytes(in: $0), as: UTF8.self) } }
        return withUnsafeBytes(of: key.word) { String(decoding: $0.prefix(Int(key.tag & 0xFF) - 1), as: UTF8.self) }
    }

    /// The slot holding `key`, if any; `keyArena` holds the bytes of a long `key` (nil: this
    /// table's own arena).
    @inline(__always)
    func find(_ key: PackedKey, keyArena: UnsafeRawBufferPointer?) -> Int? {
        let tag = Self.slotTag(key.tag)
        return slots.withUnsafeBufferPointer { slots in
            var index = Self.home(key.tag, mask: mask)
            while true {
                let slot = slots[index]
                if slot.tag == 0 { return nil }
                if slot.tag == tag {
                    if !key.isLong {
                        if slot.word == key.word { return index }
                    } else if slot.word & 0xFF_FFFF == key.word & 0xFF_FFFF, longKeysEqual(slot, key, keyArena) {
                        return index
                    }
                }
                index = (index + 1) & mask
            }
        }
    }

    private func longKeysEqual(_ slot: Slot, _ key: PackedKey, _ keyArena: UnsafeRawBufferPointer?) -> Bool {
        arena.withUnsafeBytes { own in
            let stored = PackedKey(word: slot.word, tag: PackedKey.longCode).bytes(in: own)
            let wanted = key.bytes(in: keyArena ?? own)
            return stored.elementsEqual(wanted)
        }
    }

    private mutating func place(_ key: PackedKey, info: UInt32) {
        let mask = self.mask
        slots.withUnsafeMutableBufferPointer { slots in
            var index = Self.home(key.tag, mask: mask)
            while slots[index].tag != 0 { index = (index + 1) & mask }
            slots[index] = Slot(word: key.word, tag: Self.slotTag(key.tag), info: info)
        }
    }

    /// Doubles the slots; each key's full hash is recomputed from its bytes, since a slot keeps
    /// only part of it.
    private mutating func grow() {
        let old = slots
        slots = [Slot](repeating: Slot(), count: old.count * 2)
        mask = slots.count - 1
        let arena = self.arena
        arena.withUnsafeBytes { arena in
            for slot in old where slot.tag != 0 {
                let code = UInt64(slot.tag & 0xFF)
                var key = PackedKey(word: slot.word, tag: code)
                key.tag = code == PackedKey.longCode ? PackedKey.longTag(key.bytes(in: arena))
                    : PackedKey.shortTag(slot.word, count: Int(code) - 1)
                place(key, info: slot.info)
            }
        }
    }
}
