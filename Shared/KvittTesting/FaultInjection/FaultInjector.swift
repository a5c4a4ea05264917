import Foundation

/// Kills random services (`kill -9`) at random moments and restarts them, and stops and starts the broker, as the
/// plan says; returns how many of each it did.
struct FaultInjector: Sendable {
    let plan: FaultInjectionPlan
    let processes: ServiceProcesses
    let progress: @Sendable (String) -> Void

    func run() async throws -> (kills: Int, brokerRestarts: Int) {
        var random = SeededGenerator(state: plan.seed)
        let executables = processes.services.keys.sorted()
        // Broker restarts fall between kills, evenly spread.
        let restartAfter = Set((1...max(1, plan.brokerRestarts)).map { $0 * plan.kills / (plan.brokerRestarts + 1) })
        var kills = 0
        var restarts = 0
        while kills < plan.kills || restarts < plan.brokerRestarts {
            try await Task.sleep(for: .milliseconds(Int.random(in: 300...1200, using: &random)))
            if restarts < plan.brokerRestarts && (restartAfter.contains(kills) || kills >= plan.kills) {
                progress("fault: broker stop")
                try await TestBroker.control("stop")
                try await Task.sleep(for: .milliseconds(Int.random(in: 500...2000, using: &random)))
                try await TestBroker.control("start")
                progress("fault: broker started again")
                restarts += 1
                if kills >= plan.kills { continue }
            }
            guard kills < plan.kills else { continue }
            let victim = executables.randomElement(using: &random)!
            progress("fault: kill -9 \(victim)")
            await processes.kill(victim)
            kills += 1
            try await Task.sleep(for: .milliseconds(Int.random(in: 50...500, using: &random)))
            try await processes.start(victim, timeout: .seconds(90))
        }
        return (kills, restarts)
    }
}
