import ProductModel

/// One product's share of every catalog file except its own pages: its `catalog.json` record, its
/// rows in the lists, CSV and exports, its feed entries and the review files it hosts.
///
/// It depends only on the product and the site settings, so a caller that can tell a product is
/// unchanged may keep this value from an earlier build (`archived`) instead of gathering and
/// rendering the product again; the index pages, data files and feed are always assembled afresh
/// from these parts.
public struct RenderedProduct: Sendable, Hashable {
    /// The product id.
    public let id: String
    /// SHA-256 of everything the product's pages and hosted review files show; equal digests mean
    /// byte-identical files.
    public let pageDigest: String
    /// The record in `catalog.json`, canonical JSON.
    let record: String
    /// The fields of the product's `catalog.csv` row.
    let tableRow: [String]
    /// The product's list row on the index and filter pages, per language in `SiteLanguage.allCases` order.
    let listRows: [String]
    /// The product's name per language, in `SiteLanguage.allCases` order.
    let names: [String]
    /// What the index counts and filters on.
    let facts: ListFacts
    /// The product's Atom feed entries.
    let feedEntries: [AtomFeed.Entry]
    /// The product's record in the Algoritmeregister export, canonical JSON.
    let algoritmeregister: String
    /// The product's record in the UK ATRS export, canonical JSON.
    let ukATRS: String
    /// The fields of the product's NYC Local Law 35 row.
    let nycRow: [String]
    /// Review statement and signature texts to host, by their path in the site, sorted.
    let reviewFiles: [ReviewFile]
    /// Product pages this build wrote for it; 0 when the folder already held them.
    let pagesWritten: Int

    /// The index and filter pages' view of a product.
    struct ListFacts: Hashable {
        var status: ProductStatus
        var approvalState: ApprovalState
        var usesDemographics: Bool
        /// Whether its review date lies before the site's as-of day.
        var reviewOverdue: Bool
        /// Whether it is not retired and its latest check failed.
        var checkFailing: Bool
    }

    /// A review file copied into the site.
    struct ReviewFile: Hashable {
        var sitePath: String
        var text: String
    }
}

extension RenderedProduct {
    /// Changes whenever the archive layout changes, so an older archive is never misread.
    static let archiveFormat = "rendered-product/1"

    /// The value as bytes for a cache; `init(archived:)` reads them back.
    ///
    /// Length-prefixed strings rather than JSON: a rebuild reads a thousand of these, and
    /// decoding them as JSON would cost more than the rest of the rebuild.
    public var archived: [UInt8] {
        var archive = ArchiveWriter()
        archive.write(Self.archiveFormat)
        archive.write(id)
        archive.write(pageDigest)
        archive.write(record)
        archive.write(tableRow)
        archive.write(listRows)
        archive.write(names)
        archive.write([facts.status.rawValue, facts.approvalState.rawValue, facts.usesDemographics ? "1" : "0",
                       facts.reviewOverdue ? "1" : "0", facts.checkFailing ? "1" : "0"])
        archive.write(feedEntries.flatMap { [$0.id, $0.date, $0.title, $0.productID, $0.summary] })
        archive.write(algoritmeregister)
        archive.write(ukATRS)
        archive.write(nycRow)
        archive.write(reviewFiles.flatMap { [$0.sitePath, $0.text] })
        return archive.bytes
    }

    /// Reads `archived` bytes back (or a slice of a larger buffer holding them), or returns nil
    /// when they are not an archive of this format. A product read back counts no pages as written.
    public init?(archived bytes: ArraySlice<UInt8>) {
        var archive = ArchiveReader(bytes)
        guard archive.string() == Self.archiveFormat,
              let id = archive.string(), let pageDigest = archive.string(), let record = archive.string(),
              let tableRow = archive.strings(), let listRows = archive.strings(), let names = archive.strings(),
              let facts = archive.strings(), facts.count == 5,
              let status = ProductStatus(rawValue: facts[0]), let state = ApprovalState(rawValue: facts[1]),
              let feed = archive.strings(), feed.count % 5 == 0,
              let algoritmeregister = archive.string(), let ukATRS = archive.string(), let nycRow = archive.strings(),
              let reviewFiles = archive.strings(), reviewFiles.count % 2 == 0, archive.isAtEnd
        else { return nil }
        self.init(id: id, pageDigest: pageDigest, record: record, tableRow: tableRow, listRows: listRows, names: names,
                  facts: ListFacts(status: status, approvalState: state, usesDemographics: facts[2] == "1",
                                   reviewOverdue: facts[3] == "1", checkFailing: facts[4] == "1"),
                  feedEntries: stride(from: 0, to: feed.count, by: 5).map {
                      AtomFeed.Entry(id: feed[$0], date: feed[$0 + 1], title: feed[$0 + 2], productID: feed[$0 + 3],
                                     summary: feed[$0 + 4])
                  },
                  algoritmeregister: algoritmeregister, ukATRS: ukATRS, nycRow: nycRow,
                  reviewFiles: stride(from: 0, to: reviewFiles.count, by: 2).map {
                      ReviewFile(sitePath: reviewFiles[$0], text: reviewFiles[$0 + 1])
                  },
                  pagesWritten: 0)
    }
}

/// Appends strings and string lists, each prefixed by its length as four little-endian bytes.
private struct ArchiveWriter {
    private(set) var bytes: [UInt8] = []

    private mutating func length(_ count: Int) {
        let value = UInt32(count)
        for shift in stride(from: 0, to: 32, by: 8) { bytes.append(UInt8(truncatingIfNeeded: value >> UInt32(shift))) }
    }

    mutating func write(_ text: String) {
        length(text.utf8.count)
        bytes.append(contentsOf: text.utf8)
    }

    mutating func write(_ list: [String]) {
        length(list.count)
        for text in list { write(text) }
    }
}

/// Reads what `ArchiveWriter` wrote; every read returns nil past the end instead of trapping.
private struct ArchiveReader {
    private let bytes: ArraySlice<UInt8>
    private var offset: Int

    init(_ bytes: ArraySlice<UInt8>) {
        self.bytes = bytes
        offset = bytes.startIndex
    }

    var isAtEnd: Bool { offset == bytes.endIndex }

    private mutating func length() -> Int? {
        guard bytes.endIndex - offset >= 4 else { return nil }
        var value = 0
        for index in 0..<4 { value |= Int(bytes[offset + index]) << (8 * index) }
        offset += 4
        return value
    }

    mutating func string() -> String? {
        guard let count = length(), bytes.endIndex - offset >= count else { return nil }
        defer { offset += count }
        return String(decoding: bytes[offset..<offset + count], as: UTF8.self)
    }

    mutating func strings() -> [String]? {
        guard let count = length(), count <= bytes.endIndex - offset else { return nil }
        var list: [String] = []
        list.reserveCapacity(count)
        for _ in 0..<count {
            guard let text = string() else { return nil }
            list.append(text)
        }
        return list
    }
}
