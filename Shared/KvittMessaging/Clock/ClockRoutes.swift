import Foundation
import Hummingbird
import Logging

/// `GET /v1/clock` and `POST /v1/clock` (`{"advance": "30d"}`): the business clock of a service that runs with
/// `CLOCK_CONTROL=on`. Not routed at all otherwise, so production has no such endpoint.
enum ClockRoutes {
    /// The clock's state as the endpoint reports it.
    struct State: Codable, Sendable {
        /// The business clock's "now" (RFC 3339).
        let now: Date
        /// Seconds ahead of the wall clock.
        let offsetSeconds: Int64
    }

    /// The body of `POST /v1/clock`.
    struct Advance: Codable, Sendable {
        /// A duration such as `30d`, `12h`, `90m`.
        let advance: String
    }

    static func add(to router: Router<BasicRequestContext>, clock: AdjustableClock, store: MessageStore, logger: Logger)
    {
        router.get("/v1/clock") { _, _ in try JSONResponse.make(state(clock)) }
        router.post("/v1/clock") { request, context -> Response in
            let body = try? await request.decode(as: Advance.self, context: context)
            guard let body, let duration = DurationText.parse(body.advance), duration >= .seconds(1) else {
                throw HTTPError(.badRequest, message: "expected {\"advance\": \"30d\"}: at least 1s, in s, m, h or d\n")
            }
            // Stored first: a failed write leaves the clock where it was, so the caller can simply try again.
            let target = clock.offset + duration
            try await store.writer.write { db in try ClockOffsetStore.save(target, db) }
            clock.advance(by: duration)
            logger.warning(
                "business clock moved forward",
                metadata: ["by": "\(body.advance)", "now": "\(clock.now())"]
            )
            return try JSONResponse.make(state(clock))
        }
    }

    private static func state(_ clock: AdjustableClock) -> State {
        State(now: clock.now(), offsetSeconds: clock.offset.components.seconds)
    }
}
