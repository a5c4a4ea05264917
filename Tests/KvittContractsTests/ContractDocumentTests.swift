import Foundation
import KvittContracts
import KvittTesting
import Testing

/// `asyncapi.yaml` against the code, in both directions: every message type registered in code is documented with
/// a schema and an example, the example decodes into the Swift type, the Swift encoding of it is what the example
/// says and is accepted by the schema, and nothing is documented that the code does not know.
///
/// The document checks (AsyncAPI 3.0 validity, draft-07 schemas, references, examples) are
/// `scripts/check-contract.py`, on PyPI's asyncapi3 and jsonschema.
@Suite("The message contract (asyncapi.yaml) has no drift from the code")
struct ContractDocumentTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    /// Runs `scripts/check-contract.py` with arguments; returns its exit status, standard output and error.
    static func check(_ arguments: [String]) async throws -> (status: Int32, output: Data, errors: String) {
        let run = try await ExecutableRun.run(
            program: URL(fileURLWithPath: "/usr/bin/env"),
            ["python3", root.appendingPathComponent("scripts/check-contract.py").path] + arguments,
            environment: ProcessInfo.processInfo.environment,
            timeout: .seconds(120)
        )
        return (run.status, Data(run.output.utf8), run.errors)
    }

    static var document: String { root.appendingPathComponent("asyncapi.yaml").path }

    @Test func theDocumentIsValidAsyncAPIWithValidExamples() async throws {
        let result = try await Self.check([Self.document])
        #expect(result.status == 0, "\(result.errors)")
    }

    @Test func everyTypeInCodeEncodesItsExampleToJSONTheSchemaAccepts() async throws {
        let result = try await Self.check([Self.document, "--examples"])
        try #require(result.status == 0, "\(result.errors)")
        let examples = try #require(try JSONSerialization.jsonObject(with: result.output) as? [String: Any])

        let documented = Set(examples.keys)
        let inCode = Set(MessageCatalogue.all.map { $0.messageType.rawValue })
        #expect(inCode.subtracting(documented).sorted() == [], "types in code without a documented example")
        #expect(documented.subtracting(inCode).sorted() == [], "documented types the code does not know")

        var encodings: [String: Any] = [:]
        for type in MessageCatalogue.all {
            let wireName = type.messageType.rawValue
            guard let example = examples[wireName] else { continue }
            let exampleJSON = try JSONSerialization.data(withJSONObject: example, options: [.sortedKeys])
            let encoded: [UInt8]
            do {
                encoded = try Self.roundTrip(type, Array(exampleJSON))
            } catch {
                Issue.record("\(wireName): the documented example does not decode into \(type): \(error)")
                continue
            }
            #expect(
                encoded == (try Self.foundationRoundTrip(type, Array(exampleJSON))),
                "\(wireName): the body encoder and Foundation's JSONEncoder write different bytes"
            )
            let object = try JSONSerialization.jsonObject(with: Data(encoded))
            encodings[wireName] = object
            let canonicalEncoding = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
            #expect(
                canonicalEncoding == exampleJSON,
                "\(wireName): Swift encodes the example differently: \(String(decoding: encoded, as: UTF8.self))"
            )
        }
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("kvitt-encodings-\(UUID()).json")
        try JSONSerialization.data(withJSONObject: encodings, options: [.sortedKeys]).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        let checked = try await Self.check([Self.document, file.path])
        #expect(checked.status == 0, "the schemas reject Swift's encodings:\n\(checked.errors)")
    }

    /// The catalogue as `check-contract.py --topology` reads it: `{service: [wire names]}`.
    static func catalogueFile(_ catalogue: [String: [String]]) throws -> URL {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("kvitt-catalogue-\(UUID()).json")
        try JSONSerialization.data(withJSONObject: catalogue, options: [.sortedKeys]).write(to: file)
        return file
    }

    static var codeCatalogue: [String: [String]] {
        Dictionary(uniqueKeysWithValues: KvittService.allCases.map { ($0.rawValue, $0.consumedTypes.map(\.rawValue)) })
    }

    /// The document's queue channels, their bindings, the consume operations and every message's consumers are the
    /// code's catalogue (the one list the services' registries and the broker topology are checked against).
    @Test func theDocumentsQueuesAndConsumersAreTheCatalogues() async throws {
        let file = try Self.catalogueFile(Self.codeCatalogue)
        defer { try? FileManager.default.removeItem(at: file) }
        let result = try await Self.check([Self.document, "--topology", file.path])
        #expect(
            result.status == 0,
            "asyncapi.yaml differs from MessageCatalogue:\n\(result.output.isEmpty ? "" : String(decoding: result.output, as: UTF8.self))\(result.errors)"
        )
    }

    /// The same check notices a consumer the document does not know about.
    @Test func theTopologyCheckNoticesADifference() async throws {
        var catalogue = Self.codeCatalogue
        catalogue[KvittService.invoicing.rawValue, default: []].append(InvoicePartiallyPaid.messageType.rawValue)
        let file = try Self.catalogueFile(catalogue)
        defer { try? FileManager.default.removeItem(at: file) }
        let result = try await Self.check([Self.document, "--topology", file.path])
        let report = String(decoding: result.output, as: UTF8.self)
        #expect(result.status == 1)
        #expect(report.contains("components.messages.InvoicePartiallyPaid.x-kvitt-consumed-by"), "\(report)")
        #expect(report.contains("channels.queue-invoicing.x-kvitt-bindings"), "\(report)")
    }

    /// Decodes with the type's own decoder and encodes again with the shared message coding.
    static func roundTrip<M: KvittMessage>(_ type: M.Type, _ body: [UInt8]) throws -> [UInt8] {
        try MessageCoding.encode(try MessageCoding.decode(M.self, from: body))
    }

    /// The same with Foundation's encoder, which the body encoder must agree with byte for byte.
    static func foundationRoundTrip<M: KvittMessage>(_ type: M.Type, _ body: [UInt8]) throws -> [UInt8] {
        try MessageCoding.foundationEncode(try MessageCoding.decode(M.self, from: body))
    }
}
