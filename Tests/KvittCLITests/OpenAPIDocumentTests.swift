import Foundation
import Hummingbird
import KvittContracts
import KvittTesting
import Logging
import Prometheus
import ServiceLifecycle
import Testing

@testable import DebtCollection
@testable import Delivery
@testable import Invoicing
@testable import KvittMessaging
@testable import PaymentMatching
@testable import TaxReduction

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// `docs/openapi.yaml` against the code, in both directions: the routes each service registers are the documented
/// operations (no more, no fewer, under the service's tag and port); each route's query parameters are the ones it
/// accepts; every view type has exactly the documented properties, the required ones being its non-optional ones;
/// and what the real routes answer (over HTTP, on an empty database) is accepted by the documented schemas.
///
/// The YAML is read, and the document and the answers checked against it, with the Python packages the contract test
/// uses (PyYAML, jsonschema, referencing) and openapi-spec-validator.
@Suite("The HTTP API document (docs/openapi.yaml) has no drift from the code")
struct OpenAPIDocumentTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    static var documentPath: String { root.appendingPathComponent("docs/openapi.yaml").path }
    static var contractPath: String { root.appendingPathComponent("asyncapi.yaml").path }

    /// The query parameter that no route knows, sent to make each route say which ones it does know.
    static let probeParameter = "openapiProbe"

    // MARK: The document

    @Test func theDocumentIsValidOpenAPI31() async throws {
        let result = try await Self.python(["validate", Self.documentPath])
        #expect(result.status == 0, "\(result.errors)")
        let document = try await Self.document()
        #expect(document["openapi"] as? String == "3.1.0")
    }

    /// The shared message types the document copies from asyncapi.yaml are the contract's, unchanged.
    @Test func theSharedSchemasAreTheMessageContracts() async throws {
        let schemas = try await Self.schemas()
        let contract = try #require(
            (try await Self.document(at: Self.contractPath))["components"] as? [String: Any]
        )
        let contractSchemas = try #require(contract["schemas"] as? [String: Any])
        for name in Self.sharedSchemaNames {
            let documented = try #require(schemas[name], "docs/openapi.yaml lacks the shared schema \(name)")
            let expected = try #require(contractSchemas[name], "asyncapi.yaml no longer has \(name)")
            #expect(
                try Self.canonical(documented) == (try Self.canonical(expected)),
                "\(name) differs from asyncapi.yaml"
            )
        }
    }

    // MARK: Routes

    /// Each service's routes, as its definition registers them on a router, are the operations tagged with its name,
    /// served from its default port; the open routes every service serves are the `health` operations.
    @Test func theDocumentedOperationsAreTheRegisteredRoutes() async throws {
        let operations = try await Self.operations()
        let servers = try await Self.pathServers()
        for service in try Self.services() {
            let registered = try Self.registeredRoutes(service.definition)
            let documented = Set(operations.filter { $0.tag == service.definition.name }.map(\.route))
            #expect(
                registered.subtracting(documented).sorted() == [],
                "\(service.definition.name): routes in code the document does not have"
            )
            #expect(
                documented.subtracting(registered).sorted() == [],
                "\(service.definition.name): documented routes the code does not register"
            )
            for route in documented {
                let path = String(route.split(separator: " ", maxSplits: 1)[1])
                #expect(
                    servers[path] == ["http://localhost:\(service.definition.defaultHTTPPort)"],
                    "\(route): its server is not \(service.definition.name)'s default port"
                )
            }
        }
        let open = Set(BearerTokenMiddleware<BasicRequestContext>.openPaths.map { "GET \($0)" })
        let health = operations.filter { $0.tag == "health" }
        #expect(Set(health.map(\.route)) == open, "the health operations are the routes open without a token")
        #expect(health.allSatisfy { $0.isOpen }, "health and metrics need no token")
        #expect(operations.filter { $0.tag != "health" }.allSatisfy { !$0.isOpen }, "every other route needs it")
        let tags = Set(try Self.services().map(\.definition.name)).union(["health"])
        #expect(Set(operations.map(\.tag)).isSubset(of: tags), "an operation's tag is a service or health")
    }

    /// The query parameter sets the routes declare in code are the documented ones, and so are the choices they take.
    @Test func theDeclaredQueryParametersAreTheDocumentedOnes() async throws {
        let operations = Dictionary(uniqueKeysWithValues: try await Self.operations().map { ($0.route, $0) })
        let declared: [String: Set<String>] = [
            "GET /v1/invoices": InvoicingRoutes.listParameters,
            "GET /v1/cases": Set(CaseRoutes.CaseListQuery.Parameter.allCases.map(\.rawValue)),
            "GET /v1/payments/unmatched": PaymentMatchingRoutes.paymentListParameters,
            "GET /v1/payments/overpayments": PaymentMatchingRoutes.paymentListParameters,
            "GET /v1/receivables": PaymentMatchingRoutes.receivablesParameters,
            "GET /v1/reports/payments": PaymentMatchingRoutes.reportParameters,
            "GET /v1/reports/deposits": PaymentMatchingRoutes.reportParameters,
            "GET /v1/claims": TaxReductionRoutes.claimsParameters,
            "GET /v1/claim-files": TaxReductionRoutes.claimFilesParameters,
        ]
        for (route, known) in declared {
            let operation = try #require(operations[route], "\(route) is not documented")
            #expect(Set(operation.queryParameters.keys) == known, "\(route): documented query parameters")
        }
        let choices: [(route: String, parameter: String, values: [String])] = [
            ("GET /v1/invoices", "status", InvoiceRecord.Status.allCases.map(\.rawValue)),
            ("GET /v1/invoices", "colour", StatusColour.allCases.map(\.rawValue)),
            ("GET /v1/cases", "status", CaseRoutes.CaseListQuery.Status.allCases.map(\.rawValue)),
            ("GET /v1/reports/payments", "format", PaymentMatchingRoutes.ReportFormat.allCases.map(\.rawValue)),
            ("GET /v1/claims", "status", ClaimRecord.Status.allCases.map(\.rawValue)),
        ]
        let schemas = try await Self.schemas()
        for choice in choices {
            let parameter = try #require(operations[choice.route]?.queryParameters[choice.parameter])
            let schema = try Self.resolved(try #require(parameter["schema"] as? [String: Any]), in: schemas)
            #expect(schema["enum"] as? [String] == choice.values, "\(choice.route) \(choice.parameter): its values")
        }
        let usage = try #require(schemas["UsageQuestion"] as? [String: Any])
        let fields = try #require(usage["properties"] as? [String: Any])
        #expect(Set(fields.keys) == Set(TaxReductionRoutes.UsageField.allCases.map(\.rawValue)))
        #expect(usage["required"] as? [String] == [TaxReductionRoutes.UsageField.personnummer.rawValue])
    }

    /// The documented `limit` and `offset` are the code's page request: names, bounds and defaults.
    @Test func thePageParametersAreThePageRequests() async throws {
        let components = try #require(try await Self.document()["components"] as? [String: Any])
        let parameters = try #require(components["parameters"] as? [String: [String: Any]])
        let bounds: [(parameter: PageRequest.Parameter, range: ClosedRange<Int>, default: Int)] = [
            (.limit, PageRequest.limits, PageRequest.defaultLimit),
            (.offset, PageRequest.offsets, PageRequest().offset),
        ]
        for bound in bounds {
            let name = bound.parameter.rawValue
            let parameter = try #require(parameters[name], "components.parameters.\(name)")
            let schema = try #require(parameter["schema"] as? [String: Any])
            #expect(parameter["name"] as? String == name && parameter["in"] as? String == "query")
            #expect(schema["type"] as? String == "integer", "\(name)")
            #expect(schema["minimum"] as? Int == bound.range.lowerBound, "\(name)")
            #expect(schema["maximum"] as? Int == bound.range.upperBound, "\(name)")
            #expect(schema["default"] as? Int == bound.default, "\(name)")
        }
        // Every list takes both, and answers a page (all seven lists, or the loop would check nothing).
        var lists = 0
        for operation in try await Self.operations() {
            guard let response = operation.responses["200"],
                let page = Self.jsonSchemaName(response), page.hasSuffix("Page")
            else { continue }
            lists += 1
            #expect(
                PageRequest.parameterNames.isSubset(of: operation.queryParameters.keys),
                "\(operation.route) answers a page and takes limit and offset"
            )
        }
        #expect(lists >= 7, "the lists answering a page were found in the document")
    }

    /// The component schema a response's JSON is, by name.
    static func jsonSchemaName(_ response: [String: Any]) -> String? {
        let content = response["content"] as? [String: [String: Any]]
        let schema = content?["application/json"]?["schema"] as? [String: Any]
        return (schema?["$ref"] as? String).map { String($0.split(separator: "/").last ?? "") }
    }

    // MARK: View types

    /// Each JSON view has exactly the documented properties, required when not optional, down through its own
    /// nested types; its documented example decodes into it and encodes back to the same JSON; and what Swift encodes
    /// is accepted by the schema.
    @Test func everyViewHasExactlyTheDocumentedProperties() async throws {
        let schemas = try await Self.schemas()
        var checks: [[String: Any]] = []
        func check<View: Codable>(_ type: View.Type, _ name: String) throws {
            let schema = try #require(schemas[name] as? [String: Any], "no schema \(name)")
            let example = try #require((schema["examples"] as? [Any])?.first, "\(name) has no example")
            let exampleJSON = try JSONSerialization.data(withJSONObject: example, options: [.sortedKeys])
            let value: View
            do {
                value = try MessageCoding.makeDecoder().decode(View.self, from: exampleJSON)
            } catch {
                Issue.record("\(name): the example does not decode into \(View.self): \(error)")
                return
            }
            let encoded = try MessageCoding.makeEncoder().encode(value)
            #expect(try Self.canonical(encoded) == exampleJSON, "\(name): Swift encodes its example differently")
            checks += try checked(value, name, encoded)
        }
        func checked(_ value: some Encodable, _ name: String, _ encoded: Data? = nil) throws -> [[String: Any]] {
            for problem in Self.shapeProblems(value, schemaName: name, schemas: schemas, at: name) {
                Issue.record("\(problem)")
            }
            let json = try encoded ?? MessageCoding.makeEncoder().encode(value)
            return [
                [
                    "what": name, "pointer": "/components/schemas/\(name)",
                    "instance": try JSONSerialization.jsonObject(with: json),
                ]
            ]
        }
        try check(InvoiceView.self, "Invoice")
        try check(PaymentQueries.PaymentView.self, "Payment")
        try check(PaymentQueries.DepositView.self, "Deposit")
        try check(PaymentQueries.ReceivableView.self, "Receivable")
        try check(CaseRoutes.CaseView.self, "Case")
        try check(CaseRoutes.Summary.self, "CaseSummary")
        try check(TaxReductionRoutes.ClaimView.self, "Claim")
        try check(TaxReductionRoutes.CapUsage.self, "CapUsage")
        try check(TaxReductionRoutes.FileView.self, "ClaimFile")
        // Encodable only: built from what the routes build them from.
        checks += try checked(
            PriceListView(
                creditorID: "demo-bygg",
                prices: [StandingPrice(service: .invoiceByPost, price: 1_200, source: .creditor)]
            ),
            "PriceList"
        )
        checks += try checked(
            try StatementView(
                creditorID: "demo-bygg",
                month: "2026-11",
                fees: [
                    PlatformFeeRecord(
                        actMessageID: "act-1",
                        feeMessageID: "fee-1",
                        creditorID: "demo-bygg",
                        service: "invoice",
                        amount: 300,
                        priceSource: "default",
                        actType: "invoicing.invoice-issued.v1",
                        actDate: "2026-11-02",
                        month: "2026-11",
                        invoiceID: "invoice-1",
                        claimFileID: "file-1",
                        chargedAt: 0
                    )
                ]
            ),
            "Statement"
        )
        try await Self.expectAccepted(checks)
    }

    // MARK: The routes over HTTP

    /// Each service's routes, served by the same HTTP server the host builds, on an empty database: every documented
    /// operation exists, refuses an unknown query parameter with the documented 400 naming exactly the documented
    /// parameters, and answers the documented status and schema: 401 without the token, an empty page for a list, 404
    /// for a missing resource, the cap usage for a buyer, 413 for a body too large; health and metrics answer too.
    @Test func theRoutesAnswerWhatTheDocumentSays() async throws {
        let operations = try await Self.operations()
        var checks: [[String: Any]] = []
        for service in try Self.services() {
            let name = service.definition.name
            let mine = operations.filter { $0.tag == name || $0.tag == "health" }
            try await Self.serving(service.definition) { port in
                for operation in mine {
                    checks += try await Self.probe(operation, port: port)
                }
            }
        }
        try await Self.expectAccepted(checks)
    }

    /// One operation over HTTP; returns the answers to check against its schemas.
    static func probe(_ operation: Operation, port: Int) async throws -> [[String: Any]] {
        var checks: [[String: Any]] = []
        let path = Self.samplePath(operation.path)
        let route = operation.route
        func expectDocumented(_ answer: Answer, _ what: String) throws {
            #expect(answer.status != 404 || operation.responses["404"] != nil, "\(route) \(what): not routed")
            guard let response = operation.responses[String(answer.status)] else {
                Issue.record("\(route) \(what): answered \(answer.status), which is not documented")
                return
            }
            guard answer.contentType.hasPrefix("application/json") else { return }
            guard let pointer = Self.jsonSchemaPointer(response, operation: operation, status: answer.status) else {
                Issue.record("\(route) \(what): answered JSON, documented without a JSON schema")
                return
            }
            checks.append([
                "what": "\(route) \(what) (\(answer.status))", "pointer": pointer,
                "instance": try JSONSerialization.jsonObject(with: answer.body, options: [.fragmentsAllowed]),
            ])
        }
        if operation.tag == "health" {
            let answer = try await Self.request(port: port, path, method: operation.method, authorized: false)
            try expectDocumented(answer, "without a token")
            return checks
        }
        let unauthorized = try await Self.request(port: port, path, method: operation.method, authorized: false)
        #expect(unauthorized.status == 401, "\(route) without the token: \(unauthorized.status)")
        try expectDocumented(unauthorized, "without the token")
        // The unknown parameter: 400, naming the parameters the route knows.
        let refused = try await Self.request(port: port, "\(path)?\(probeParameter)=1", method: operation.method)
        #expect(refused.status == 400, "\(route) accepted an unknown query parameter (\(refused.status))")
        try expectDocumented(refused, "with an unknown parameter")
        if let known = Self.knownParameters(refusal: refused.body) {
            #expect(
                known == Set(operation.queryParameters.keys),
                "\(route): the route knows \(known.sorted()), the document \(operation.queryParameters.keys.sorted())"
            )
        } else {
            Issue.record("\(route): the refusal does not say which parameters it knows")
        }
        // The request the document describes, with its required parameters.
        let query = operation.queryParameters.filter { ($0.value["required"] as? Bool) == true }.keys.sorted()
            .map { "\($0)=\(Self.sampleValue(operation.queryParameters[$0] ?? [:]))" }
        let target = query.isEmpty ? path : "\(path)?\(query.joined(separator: "&"))"
        if operation.method == "POST" {
            let answer = try await Self.request(
                port: port,
                target,
                method: "POST",
                body: Data(#"{"personnummer": "19811218-9876", "year": 2026}"#.utf8)
            )
            #expect(answer.status == 200, "\(route): \(String(decoding: answer.body, as: UTF8.self))")
            try expectDocumented(answer, "with a valid body")
            if operation.responses["413"] != nil {
                let tooLarge = try await Self.request(
                    port: port,
                    target,
                    method: "POST",
                    body: Data(repeating: UInt8(ascii: " "), count: TaxReductionRoutes.maximumUsageBodyBytes + 1)
                )
                #expect(tooLarge.status == 413, "\(route): a body over the limit")
                try expectDocumented(tooLarge, "with a body too large")
            }
        } else {
            let answer = try await Self.request(port: port, target, method: "GET")
            #expect(
                answer.status == (operation.path.contains("{") ? 404 : 200),
                "\(route) on an empty database: \(answer.status) \(String(decoding: answer.body, as: UTF8.self))"
            )
            try expectDocumented(answer, "as documented")
        }
        return checks
    }

    // MARK: Reading the document

    /// The shared message types, copied from asyncapi.yaml.
    static let sharedSchemaNames = [
        "Address", "BIC", "BankgiroNumberFormatted", "CalendarDate", "ChargeableService", "Currency", "Debtor",
        "DecimalQuantity", "DeliveryChannel", "FieldError", "IBANPrintFormat", "InvoiceLine", "InvoiceTotals",
        "LineTaxReduction", "Money", "OCRReference", "OrganisationsnummerInput", "PaymentMeans", "PeppolID",
        "PersonnummerInput", "PricedLine", "ReductionKind", "SwedishIdentityInput", "TaxReductionDetail",
        "TaxReductionRequest", "VATAmount", "WorkType", "WorkTypeAmount",
    ]

    /// One documented operation.
    struct Operation: @unchecked Sendable {
        let method: String
        let path: String
        let tag: String
        /// Whether `security` is empty: no token.
        let isOpen: Bool
        /// The query parameters by name (references resolved).
        let queryParameters: [String: [String: Any]]
        /// The responses by status (a `$ref` left as it is).
        let responses: [String: [String: Any]]

        /// `GET /v1/invoices/{id}`: the form Hummingbird's `Router.routes` describes a route in.
        var route: String { "\(method) \(path)" }
    }

    static func document(at path: String = documentPath) async throws -> [String: Any] {
        let result = try await python(["json", path])
        try #require(result.status == 0, "\(path) does not read as YAML: \(result.errors)")
        return try #require(try JSONSerialization.jsonObject(with: result.output) as? [String: Any])
    }

    static func schemas() async throws -> [String: Any] {
        let components = try #require(try await document()["components"] as? [String: Any])
        return try #require(components["schemas"] as? [String: Any])
    }

    static func operations() async throws -> [Operation] {
        let document = try await document()
        let paths = try #require(document["paths"] as? [String: Any])
        let components = try #require(document["components"] as? [String: Any])
        let sharedParameters = components["parameters"] as? [String: Any] ?? [:]
        let methods = ["get", "put", "post", "delete", "options", "head", "patch", "trace"]
        var operations: [Operation] = []
        for (path, item) in paths {
            let item = try #require(item as? [String: Any])
            for method in methods {
                guard let operation = item[method] as? [String: Any] else { continue }
                let tags = operation["tags"] as? [String] ?? []
                #expect(tags.count == 1, "\(method) \(path): one tag, the service")
                var query: [String: [String: Any]] = [:]
                for parameter in operation["parameters"] as? [[String: Any]] ?? [] {
                    var parameter = parameter
                    if let reference = parameter["$ref"] as? String {
                        let name = String(reference.split(separator: "/").last ?? "")
                        parameter = try #require(sharedParameters[name] as? [String: Any], "\(reference)")
                    }
                    guard parameter["in"] as? String == "query", let name = parameter["name"] as? String else {
                        continue
                    }
                    query[name] = parameter
                }
                operations.append(
                    Operation(
                        method: method.uppercased(),
                        path: path,
                        tag: tags.first ?? "",
                        isOpen: (operation["security"] as? [Any])?.isEmpty == true,
                        queryParameters: query,
                        responses: try #require(operation["responses"] as? [String: [String: Any]])
                    )
                )
            }
        }
        return operations
    }

    /// Each path's own `servers` URLs.
    static func pathServers() async throws -> [String: [String]] {
        let paths = try #require(try await document()["paths"] as? [String: [String: Any]])
        return paths.mapValues { item in
            (item["servers"] as? [[String: Any]] ?? []).compactMap { $0["url"] as? String }
        }
    }

    /// The JSON pointer of the JSON schema of a response (following a response `$ref`); nil when it has none.
    static func jsonSchemaPointer(_ response: [String: Any], operation: Operation, status: Int) -> String? {
        let base: String
        if let reference = response["$ref"] as? String {
            base = String(reference.dropFirst())
        } else {
            let escapedPath = operation.path.replacingOccurrences(of: "~", with: "~0")
                .replacingOccurrences(of: "/", with: "~1")
            base = "/paths/\(escapedPath)/\(operation.method.lowercased())/responses/\(status)"
        }
        return "\(base)/content/application~1json/schema"
    }

    /// A schema with its `$ref` to a component schema followed.
    static func resolved(_ schema: [String: Any], in schemas: [String: Any]) throws -> [String: Any] {
        guard let reference = schema["$ref"] as? String else { return schema }
        let name = String(reference.split(separator: "/").last ?? "")
        return try resolved(try #require(schemas[name] as? [String: Any], "\(reference)"), in: schemas)
    }

    // MARK: Shapes

    /// How a Swift value's stored properties differ from an object schema's: the property names (which synthesized
    /// `Codable` uses as keys) must be the documented ones, and the non-optional ones the required ones; the view's
    /// own nested types are checked the same way. The shared message types are the contract test's business.
    static func shapeProblems(_ value: Any, schemaName: String?, schemas: [String: Any], at path: String) -> [String] {
        guard let schemaName, !sharedSchemaNames.contains(schemaName),
            let schema = schemas[schemaName] as? [String: Any]
        else { return [] }
        return shapeProblems(value, schema: schema, schemas: schemas, at: path)
    }

    static func shapeProblems(_ value: Any, schema: [String: Any], schemas: [String: Any], at path: String)
        -> [String]
    {
        if let reference = schema["$ref"] as? String {
            return shapeProblems(
                value,
                schemaName: String(reference.split(separator: "/").last ?? ""),
                schemas: schemas,
                at: path
            )
        }
        let mirror = Mirror(reflecting: value)
        if mirror.displayStyle == .collection, let items = schema["items"] as? [String: Any] {
            return mirror.children.enumerated().flatMap {
                shapeProblems($0.element.value, schema: items, schemas: schemas, at: "\(path)[\($0.offset)]")
            }
        }
        guard let properties = schema["properties"] as? [String: [String: Any]] else { return [] }
        guard mirror.displayStyle == .struct else { return ["\(path): documented as an object, not a struct in Swift"] }
        var problems: [String] = []
        var stored: [String: Any?] = [:]
        var required: Set<String> = []
        for child in mirror.children {
            guard let label = child.label else { continue }
            let optional = Mirror(reflecting: child.value)
            if optional.displayStyle == .optional {
                // updateValue, not a subscript: assigning nil through a subscript would drop the property itself.
                stored.updateValue(optional.children.first?.value, forKey: label)
            } else {
                stored[label] = child.value
                required.insert(label)
            }
        }
        let documented = Set(properties.keys)
        let undocumented = Set(stored.keys).subtracting(documented).sorted()
        let missing = documented.subtracting(stored.keys).sorted()
        if !undocumented.isEmpty { problems.append("\(path): properties in Swift, not documented: \(undocumented)") }
        if !missing.isEmpty { problems.append("\(path): documented properties Swift does not have: \(missing)") }
        let documentedRequired = Set(schema["required"] as? [String] ?? [])
        if documentedRequired != required {
            problems.append(
                "\(path): required \(documentedRequired.sorted()), but Swift's non-optional properties are \(required.sorted())"
            )
        }
        if schema["additionalProperties"] as? Bool != false {
            problems.append(
                "\(path): Swift writes no other properties; the schema must say additionalProperties: false"
            )
        }
        for (label, child) in stored {
            guard let child, let property = properties[label] else { continue }
            problems += shapeProblems(child, schema: property, schemas: schemas, at: "\(path).\(label)")
        }
        return problems
    }

    // MARK: Serving

    struct Service {
        let definition: ServiceDefinition
    }

    static func services() throws -> [Service] {
        [
            Service(definition: InvoicingService.definition),
            Service(definition: PaymentMatchingService.definition),
            Service(definition: DebtCollectionService.definition()),
            Service(definition: TaxReductionService.definition),
            Service(
                definition: DeliveryService.definition(
                    settings: try DeliverySettings(configuration: KvittConfiguration(environment: [:]))
                )
            ),
        ]
    }

    /// What a service's own database and settings give its routes; the broker is never contacted.
    static func context(_ definition: ServiceDefinition, directory: URL) throws -> ServiceContext {
        let store = try MessageStore(
            path: directory.appendingPathComponent("\(definition.name).sqlite").path,
            migrations: definition.migrations
        )
        return ServiceContext(
            settings: try ServiceSettings(serviceName: definition.name, defaultHTTPPort: 0, environment: [:]),
            store: store,
            clock: SystemClock(),
            logger: Logger(label: "openapi-drift"),
            outboxCommitted: {}
        )
    }

    /// The routes the definition adds, as `Router.routes` describes them (`GET /v1/invoices/{id}`).
    static func registeredRoutes(_ definition: ServiceDefinition) throws -> Set<String> {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("kvitt-openapi-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let router = Router()
        definition.routes(router, try context(definition, directory: directory))
        return Set(router.routes.map { "\($0.method.rawValue) \($0.path)" })
    }

    /// Runs `body` against the service's HTTP server as the host builds it (health, metrics, the bearer token and
    /// the definition's routes), on a free port and an empty database.
    static func serving(_ definition: ServiceDefinition, _ body: (Int) async throws -> Void) async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("kvitt-openapi-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let context = try context(definition, directory: directory)
        let (ports, portReported) = AsyncStream<Int>.makeStream()
        let apiToken: APIToken = try #require(APIToken(token))
        let server = HealthServer.make(
            host: "127.0.0.1",
            port: 0,
            registry: PrometheusCollectorRegistry(),
            readiness: ReadinessProbe(failures: { [] }),
            apiToken: apiToken,
            routes: { router in definition.routes(router, context) },
            onRunning: { port in portReported.yield(port) },
            logger: Logger(label: "openapi-drift")
        )
        let group = ServiceGroup(services: [server], logger: Logger(label: "openapi-drift"))
        let running = Task { try await group.run() }
        defer { running.cancel() }
        var iterator = ports.makeAsyncIterator()
        let port = try #require(await iterator.next(), "\(definition.name): the HTTP server did not start")
        try await body(port)
        await group.triggerGracefulShutdown()
        try await running.value
    }

    struct Answer {
        let status: Int
        let contentType: String
        let body: Data
    }

    /// The `API_TOKEN` the probed servers require.
    static let token = "kvitt-openapi-drift-0123456789"

    static func request(
        port: Int,
        _ target: String,
        method: String,
        body: Data? = nil,
        authorized: Bool = true
    ) async throws -> Answer {
        let url = try #require(URL(string: "http://127.0.0.1:\(port)\(target)"))
        var request = URLRequest(url: url)
        request.httpMethod = method
        request.timeoutInterval = 15
        if authorized { request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization") }
        if let body {
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
            request.httpBody = body
        }
        let (data, response) = try await URLSession.shared.data(for: request)
        let http = try #require(response as? HTTPURLResponse)
        return Answer(
            status: http.statusCode,
            contentType: http.value(forHTTPHeaderField: "Content-Type") ?? "",
            body: data
        )
    }

    /// The parameters a 400 for an unknown parameter lists: `known: a, b` or none (`takes none`, `takes no
    /// parameters`); nil when the answer is not such a refusal.
    static func knownParameters(refusal body: Data) -> Set<String>? {
        guard let object = try? JSONSerialization.jsonObject(with: body) as? [String: Any] else { return nil }
        let problem = (object["error"] as? [String: Any]) ?? (object["errors"] as? [[String: Any]])?.first
        guard let problem, problem["field"] as? String == probeParameter, let message = problem["message"] as? String
        else { return nil }
        guard let range = message.range(of: "known: ") else {
            return message.contains("takes none") || message.contains("takes no parameters") ? [] : nil
        }
        return Set(message[range.upperBound...].split(separator: ", ").map(String.init))
    }

    /// A path with sample values in its templates: ids that no empty database has, a month in the supported range.
    static func samplePath(_ path: String) -> String {
        path.replacingOccurrences(of: "{month}", with: "2026-11").replacingOccurrences(of: "{id}", with: "no-such-id")
            .replacingOccurrences(of: "{invoiceID}", with: "no-such-invoice")
    }

    /// A value a parameter's schema accepts.
    static func sampleValue(_ parameter: [String: Any]) -> String {
        let schema = parameter["schema"] as? [String: Any] ?? [:]
        if (schema["$ref"] as? String)?.hasSuffix("/CalendarDate") == true { return "2026-11-02" }
        if schema["type"] as? String == "boolean" { return "false" }
        return "probe"
    }

    // MARK: Python (the contract test's YAML and JSON Schema packages)

    /// `json DOC`: the document as JSON. `validate DOC`: openapi-spec-validator's verdict. `instances DOC FILE`:
    /// validates `[{what, pointer, instance}]` against the schemas at the pointers (JSON Schema 2020-12, formats
    /// checked), one line per problem.
    static let script = #"""
        import json, sys, yaml
        mode, path = sys.argv[1], sys.argv[2]
        with open(path, encoding="utf-8") as file:
            document = yaml.safe_load(file)
        if mode == "json":
            json.dump(document, sys.stdout, default=str)
        elif mode == "validate":
            from openapi_spec_validator import validate
            try:
                validate(document)
            except Exception as error:
                print(error, file=sys.stderr)
                sys.exit(1)
        elif mode == "instances":
            from urllib.parse import quote
            from jsonschema import Draft202012Validator
            from referencing import Registry, Resource
            from referencing.jsonschema import DRAFT202012
            base = "urn:kvitt:openapi"
            registry = Registry().with_resource(base, Resource.from_contents(document, default_specification=DRAFT202012))
            with open(sys.argv[3], encoding="utf-8") as file:
                checks = json.load(file)
            problems = 0
            for check in checks:
                validator = Draft202012Validator(
                    {"$ref": base + "#" + quote(check["pointer"])},
                    registry=registry,
                    format_checker=Draft202012Validator.FORMAT_CHECKER,
                )
                for error in validator.iter_errors(check["instance"]):
                    problems += 1
                    print(f"{check['what']}: {error.message} at {list(error.absolute_path)}", file=sys.stderr)
            sys.exit(1 if problems else 0)
        """#

    static func python(_ arguments: [String]) async throws -> (status: Int32, output: Data, errors: String) {
        let run = try await ExecutableRun.run(
            program: URL(fileURLWithPath: "/usr/bin/env"),
            ["python3", "-c", script] + arguments,
            environment: ProcessInfo.processInfo.environment,
            timeout: .seconds(120)
        )
        return (run.status, Data(run.output.utf8), run.errors)
    }

    /// Expects every `{what, pointer, instance}` to be accepted by the schema at its pointer.
    static func expectAccepted(_ checks: [[String: Any]]) async throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("kvitt-openapi-\(UUID()).json")
        try JSONSerialization.data(withJSONObject: checks, options: [.sortedKeys]).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        let result = try await python(["instances", documentPath, file.path])
        #expect(result.status == 0, "the documented schemas refuse what the code writes:\n\(result.errors)")
    }

    static func canonical(_ value: Any) throws -> Data {
        try JSONSerialization.data(withJSONObject: value, options: [.sortedKeys, .fragmentsAllowed])
    }

    static func canonical(_ json: Data) throws -> Data {
        try canonical(try JSONSerialization.jsonObject(with: json, options: [.fragmentsAllowed]))
    }
}
