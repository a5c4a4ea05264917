import Foundation
import KvittMessaging
import KvittTesting

// A real service process for runtime tests (SIGTERM, restarts): the probe's tally handlers on KvittServiceHost.
// PROBE_SERVICE_NAME names its queue; PROBE_HANDLER_DELAY_MS slows each handler to keep work in flight.
let environment = ProcessInfo.processInfo.environment
let name = environment["PROBE_SERVICE_NAME"] ?? "kvitt-probe"
let delay = Duration.milliseconds(Int(environment["PROBE_HANDLER_DELAY_MS"] ?? "0") ?? 0)
try await KvittServiceHost.run(ProbeService.definition(name: name, handlerDelay: delay))
