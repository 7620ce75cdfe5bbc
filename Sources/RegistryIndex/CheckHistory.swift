import Foundation
import GRDB

extension RegistryDatabase {
    /// Every check this index holds, as (product, when it ran, whether it passed), oldest first:
    /// the annual use reports count them by year.
    public func checkHistory() throws -> [(productID: String, checkedAt: Date, passed: Bool)] {
        try read { db in
            try Row.fetchAll(db, sql: "SELECT product_id, checked_at, passed FROM check_result ORDER BY checked_at, product_id")
                .map { ($0["product_id"], $0["checked_at"], $0["passed"]) }
        }
    }
}
