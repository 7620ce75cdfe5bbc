import Foundation
import ProductModel
import RegistrySupport
import Testing
import TestSupport

@Suite struct PolicyParametersTests {
    private let example = packageRoot.appendingPathComponent("Reviews/board/policy.v0001")

    private func parse(_ text: String, file: String = "Reviews/board/policy.v0001") throws(PolicyStatementError) -> PolicyParameters {
        try PolicyParameters(statement: Array(text.utf8), file: file)
    }

    private func failure(_ text: String, file: String = "Reviews/board/policy.v0001") -> PolicyStatementError? {
        do {
            _ = try parse(text, file: file)
            return nil
        } catch {
            return error
        }
    }

    private var exampleText: String { PolicyParameters.defaultStatement }

    @Test func builtInDefaultsAreTheCommittedExample() throws {
        let bytes = try Data(contentsOf: example)
        #expect(String(decoding: bytes, as: UTF8.self) == PolicyParameters.defaultStatement)
        let parsed = try PolicyParameters.load(from: example)
        #expect(parsed == PolicyParameters.defaults)
        #expect(parsed.digest == SHA256Hex.of(bytes))
        #expect(parsed.minimumCellSize == 11)
        #expect(parsed.disparityRatioThreshold == 0.8)
        #expect(parsed.disparityDifferenceThreshold == 0.1)
        #expect(parsed.minimumGroupSize == 30)
    }

    @Test(arguments: ["race", "race_ethnicity", "ethnicity", "hispanic_latino", "sex", "gender", "gender_identity",
                      "sexual_orientation", "religion", "language", "primary_language", "disability", "age", "age_band",
                      "birth_year", "nationality", "national_origin", "income", "income_band"])
    func vocabularyCoversTheBoardsProtectedAttributes(_ column: String) {
        #expect(PolicyParameters.defaults.protectedAttribute(forColumn: column) != nil)
    }

    @Test func columnNamesAreMatchedInAnySpelling() {
        let parameters = PolicyParameters.defaults
        #expect(parameters.protectedAttribute(forColumn: "RaceEthnicity")?.name == "race")
        #expect(parameters.protectedAttribute(forColumn: "Hispanic/Latino")?.name == "race")
        #expect(parameters.protectedAttribute(forColumn: "AGE BAND")?.name == "age")
        #expect(parameters.protectedAttribute(forColumn: "station") == nil)
        #expect(parameters.identifierKind(forColumn: "Date-Of-Birth") == "date-of-birth")
        #expect(parameters.protectedAttribute(forColumn: "sex")?.groupLabels.contains("Female") == true)
    }

    @Test func digestChangesWithAnyByte() throws {
        let changed = try parse(exampleText.replacingOccurrences(of: "minimum-cell-size: 11", with: "minimum-cell-size: 12"))
        #expect(changed.minimumCellSize == 12)
        #expect(changed.digest != PolicyParameters.defaults.digest)
    }

    @Test func rejectsKeysOutOfOrderWithTheLine() {
        let swapped = exampleText.replacingOccurrences(of: "minimum-cell-size: 11\ndisparity-ratio-threshold: 0.8\n",
                                                       with: "disparity-ratio-threshold: 0.8\nminimum-cell-size: 11\n")
        let error = failure(swapped)
        #expect(error?.line == 4)
        #expect(error?.message.hasPrefix("'Reviews/board/policy.v0001' line 4:") == true)
    }

    @Test func rejectsValuesThatAreNotStrictNumbers() {
        #expect(failure(exampleText.replacingOccurrences(of: "minimum-cell-size: 11", with: "minimum-cell-size: 011"))?.line == 4)
        #expect(failure(exampleText.replacingOccurrences(of: "minimum-cell-size: 11", with: "minimum-cell-size: 1"))?.message.contains("at least 2") == true)
        let ratio = failure(exampleText.replacingOccurrences(of: "threshold: 0.8", with: "threshold: .8"))
        #expect(ratio?.line == 5)
        #expect(ratio?.message.contains("'disparity-ratio-threshold' is '.8'") == true)
        #expect(failure(exampleText.replacingOccurrences(of: "difference-threshold: 0.1", with: "difference-threshold: 1.5")) != nil)
    }

    @Test func rejectsAVersionThatDisagreesWithTheFileName() {
        let error = failure(exampleText, file: "Reviews/board/policy.v0002")
        #expect(error?.message.contains("the file name says version 2") == true)
    }

    @Test func rejectsMalformedVocabularyLines() {
        let noSynonyms = exampleText.replacingOccurrences(of: "protected-attribute: sex sex,gender | ", with: "protected-attribute: sex | ")
        #expect(failure(noSynonyms)?.message.contains("must read 'name column,column") == true)
        let duplicate = exampleText.replacingOccurrences(of: "protected-attribute: sex sex,gender |", with: "protected-attribute: sex sex,gender,ethnicity |")
        let error = failure(duplicate)
        #expect(error?.message.contains("column name 'ethnicity' is listed twice (already under 'race')") == true)
        #expect(error?.line == 9)
        let badLabel = exampleText.replacingOccurrences(of: "Female,Male", with: "Female,,Male")
        #expect(failure(badLabel)?.message.contains("group label ''") == true)
        let upper = exampleText.replacingOccurrences(of: "identifier-column: email email,", with: "identifier-column: email Email,")
        #expect(failure(upper)?.message.contains("identifier-column") == true)
    }

    @Test func rejectsNonCanonicalText() {
        #expect(failure(exampleText.replacingOccurrences(of: "\n", with: "\r\n"))?.message.contains("CR") == true)
        #expect(failure(exampleText.replacingOccurrences(of: "type: policy", with: "type: keyring"))?.message.contains("must say 'policy'") == true)
        #expect(failure(String(exampleText.dropLast())) != nil)
    }
}
