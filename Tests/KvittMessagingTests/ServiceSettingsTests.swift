import Foundation
import KvittAMQP
import KvittMessaging
import Testing

@Suite("Service settings from the environment")
struct ServiceSettingsTests {
    @Test func defaultsWhenNothingIsSet() throws {
        let settings = try ServiceSettings(serviceName: "invoicing", defaultHTTPPort: 8081, environment: [:])
        #expect(settings.amqpURL == AMQPURL(host: "127.0.0.1", port: 5672))
        #expect(settings.databasePath == "./invoicing.sqlite")
        #expect(settings.httpPort == 8081)
        #expect(settings.httpHost == "127.0.0.1")
        #expect(settings.prefetch == 200)
        #expect(settings.batchSize == 100)
        #expect(settings.publishWindow == 1000)
        #expect(settings.exchange == "kvitt")
        #expect(settings.deadLetterExchange == "kvitt.dead-letter")
        #expect(settings.retryPolicy == .standard)
        #expect(settings.logLevel == .info)
        #expect(settings.logFormat == .text)
        #expect(settings.serviceName == "invoicing")
    }

    /// A deduplication window under an hour is refused in production (a redelivery can come hours later) and allowed
    /// elsewhere, down to a minute, for runs that watch the sweeper keep the database bounded; the sweeper then looks
    /// every quarter of the shorter retention.
    @Test func aShortDeduplicationWindowIsForRunsOutsideProduction() throws {
        #expect(throws: ServiceSettings.InvalidSetting.self) {
            try ServiceSettings(serviceName: "probe", defaultHTTPPort: 0, environment: ["INBOX_RETENTION": "2m"])
        }
        let test = try ServiceSettings(
            serviceName: "probe",
            defaultHTTPPort: 0,
            environment: ["INBOX_RETENTION": "2m", "OUTBOX_RETENTION": "1m", "KVITT_ENVIRONMENT": "test"]
        )
        #expect(test.inboxRetention == .seconds(120) && test.outboxRetention == .seconds(60))
        #expect(throws: ServiceSettings.InvalidSetting.self) {
            try ServiceSettings(
                serviceName: "probe",
                defaultHTTPPort: 0,
                environment: ["INBOX_RETENTION": "30s", "KVITT_ENVIRONMENT": "test"]
            )
        }
        #expect(RetentionSweeper.interval(inboxRetention: .seconds(120), outboxRetention: .seconds(60)) == .seconds(15))
        #expect(
            RetentionSweeper.interval(inboxRetention: .seconds(14 * 86_400), outboxRetention: .seconds(7 * 86_400))
                == .seconds(600)
        )
        #expect(RetentionSweeper.interval(inboxRetention: .seconds(60), outboxRetention: .seconds(1)) == .seconds(5))
    }

    @Test func serviceNameRenamesTheQueuesAndTheDefaultDatabase() throws {
        let settings = try ServiceSettings(
            serviceName: "payment-matching",
            defaultHTTPPort: 8082,
            environment: ["SERVICE_NAME": "payment-matching.p3"]
        )
        #expect(settings.serviceName == "payment-matching.p3")
        #expect(settings.databasePath == "./payment-matching.p3.sqlite")
        #expect(RetryPolicy(parsing: "50d") == nil, "longer than RabbitMQ's longest message TTL")
        #expect(RetryPolicy(parsing: "49d") != nil)
        #expect(RetryPolicy(parsing: "2h,1d")?.delays == [.seconds(7200), .seconds(86_400)])
    }

    @Test func everyVariableIsRead() throws {
        let settings = try ServiceSettings(
            serviceName: "invoicing",
            defaultHTTPPort: 8081,
            environment: [
                "AMQP_URL": "amqps://svc:pw@broker:5671/kvitt", "DATABASE_PATH": "/data/inv.sqlite",
                "HTTP_PORT": "9000",
                "HTTP_HOST": "0.0.0.0", "AMQP_PREFETCH": "300", "BATCH_SIZE": "250", "AMQP_PUBLISH_WINDOW": "64",
                "AMQP_EXCHANGE": "kvitt-test", "AMQP_DEAD_LETTER_EXCHANGE": "kvitt-test.dlx",
                "AMQP_DELIVERY_LIMIT": "30",
                "RETRY_DELAYS": "500ms, 5s,2m", "LOG_LEVEL": "DEBUG", "LOG_FORMAT": "json",
            ]
        )
        #expect(
            settings.amqpURL
                == AMQPURL(host: "broker", port: 5671, user: "svc", password: "pw", vhost: "kvitt", useTLS: true)
        )
        #expect(settings.databasePath == "/data/inv.sqlite")
        #expect(settings.httpPort == 9000 && settings.httpHost == "0.0.0.0")
        #expect(settings.prefetch == 300 && settings.batchSize == 250 && settings.publishWindow == 64)
        #expect(settings.exchange == "kvitt-test" && settings.deadLetterExchange == "kvitt-test.dlx")
        #expect(settings.deliveryLimit == 30)
        #expect(settings.retryPolicy.delays == [.milliseconds(500), .seconds(5), .seconds(120)])
        #expect(settings.logLevel == .debug && settings.logFormat == .json)
    }

    @Test(arguments: [
        ("AMQP_URL", "http://broker", "AMQP_URL"), ("HTTP_PORT", "eighty", "HTTP_PORT"),
        ("HTTP_PORT", "70000", "HTTP_PORT"),
        ("AMQP_PREFETCH", "0", "AMQP_PREFETCH"), ("RETRY_DELAYS", "1y", "RETRY_DELAYS"),
        ("LOG_LEVEL", "loud", "LOG_LEVEL"),
        ("LOG_FORMAT", "xml", "LOG_FORMAT"), ("BATCH_SIZE", "-1", "BATCH_SIZE"),
        ("KVITT_ENVIRONMENT", "staging-ish", "KVITT_ENVIRONMENT"), ("CLOCK_CONTROL", "yes", "CLOCK_CONTROL"),
        ("CLOCK_OFFSET", "30d", "CLOCK_OFFSET"),
    ])
    func badValuesAreReportedByName(variable: String, value: String, named: String) {
        #expect {
            _ = try ServiceSettings(serviceName: "x", defaultHTTPPort: 1, environment: [variable: value])
        } throws: { error in
            (error as? ServiceSettings.InvalidSetting)?.variable == named
        }
    }

    @Test func passwordsNeverAppearInErrorsOrDescriptions() throws {
        let settings = try ServiceSettings(
            serviceName: "x",
            defaultHTTPPort: 1,
            environment: ["AMQP_URL": "amqp://u:topsecret@h:5672/"]
        )
        #expect(!settings.amqpURL.description.contains("topsecret"))
    }

    @Test func retryLabelsNameTheWaitQueues() {
        #expect(RetryPolicy.label(.milliseconds(200)) == "200ms")
        #expect(RetryPolicy.label(.seconds(10)) == "10s")
        #expect(RetryPolicy.label(.seconds(60)) == "1m")
        let topology = ServiceTopology(serviceName: "payment-matching", messageTypes: ["invoicing.invoice-issued.v1"])
        #expect(
            topology.amqpTopology.queues.map(\.name) == [
                "payment-matching", "payment-matching.dead-letter", "payment-matching.retry.10s",
                "payment-matching.retry.1m", "payment-matching.retry.1s",
            ]
        )
        #expect(topology.amqpTopology.queues[0].arguments["x-queue-type"] == "quorum")
        #expect(topology.amqpTopology.queues[0].arguments["x-dead-letter-strategy"] == "at-least-once")
        #expect(topology.amqpTopology.bindings.first?.routingKey == "invoicing.invoice-issued.v1")
    }

    @Test func timeTravelIsOffUnlessEnabledAndRefusedInProduction() throws {
        let plain = try ServiceSettings(serviceName: "x", defaultHTTPPort: 1, environment: [:])
        #expect(plain.environment == .production && !plain.clockControl && plain.clockOffset == .zero)
        #expect {
            _ = try ServiceSettings(serviceName: "x", defaultHTTPPort: 1, environment: ["CLOCK_CONTROL": "on"])
        } throws: { error in
            (error as? ServiceSettings.InvalidSetting)?.problem.contains("refused in production") == true
        }
        let demo = try ServiceSettings(
            serviceName: "x",
            defaultHTTPPort: 1,
            environment: ["KVITT_ENVIRONMENT": "demo", "CLOCK_CONTROL": "on", "CLOCK_OFFSET": "30d"]
        )
        #expect(demo.clockControl && demo.clockOffset == .seconds(30 * 86_400))
    }

    @Test func theAdjustableClockOnlyMovesForward() {
        let base = Date(timeIntervalSince1970: 1_800_000_000)
        let clock = AdjustableClock(base: FixedClock(instant: base), offset: .seconds(3600))
        #expect(clock.now() == base.addingTimeInterval(3600))
        clock.advance(by: .seconds(86_400 * 2))
        clock.advance(by: .seconds(-86_400))
        #expect(clock.now() == base.addingTimeInterval(3600 + 2 * 86_400))
        #expect(DurationText.parse("30d") == .seconds(2_592_000) && DurationText.parse("12h") == .seconds(43_200))
        #expect(DurationText.parse("-1d") == nil && DurationText.parse("d") == nil)
    }

    struct FixedClock: BusinessClock {
        let instant: Date
        func now() -> Date { instant }
    }
}
