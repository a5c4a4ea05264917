import Foundation
import Synchronization

/// Kills random services (`kill -9`) at random moments and restarts them, and stops and starts the broker, as the
/// plan says; returns how many of each it did.
///
/// Half of the faults wait until payments flow, and the first of those kills payment-matching while it takes in the
/// bank files, so that every run puts settlement itself under fire, not only invoicing.
struct FaultInjector: Sendable {
    let plan: FaultInjectionPlan
    let processes: ServiceProcesses
    let paymentsStarted: PhaseFlag
    /// Set once payment-matching was killed among the payments: the driver holds the rest of them back until then.
    let paymentMatchingDown: PhaseFlag
    let progress: @Sendable (String) -> Void

    enum Fault { case kill, brokerRestart }

    /// The kills in order, with the broker restarts spread evenly among them.
    var schedule: [Fault] {
        var faults = [Fault](repeating: .kill, count: plan.kills)
        for number in stride(from: plan.brokerRestarts, through: 1, by: -1) {
            faults.insert(.brokerRestart, at: number * plan.kills / (plan.brokerRestarts + 1))
        }
        return faults
    }

    /// What the faults did: counts, and the services killed after payments started (what the test checks).
    struct Outcome: Sendable {
        var kills = 0
        var brokerRestarts = 0
        var killedWhilePaying: [String] = []
        /// For each kill of payment-matching after payments started: how many payments it had registered.
        var registeredWhenPaymentMatchingDied: [Int] = []
    }

    /// Whether the schedule kills payment-matching among the payments (it does when the second half has a kill).
    var killsPaymentMatchingWhilePaying: Bool { paymentMatchingKillIndex != nil }

    private var paymentMatchingKillIndex: Int? {
        schedule.indices.first { $0 >= schedule.count / 2 && schedule[$0] == .kill }
    }

    func run() async throws -> Outcome {
        var random = SeededGenerator(state: plan.seed)
        let executables = processes.services.keys.sorted()
        let schedule = schedule
        let secondHalf = schedule.count / 2
        // The first kill of the second half hits payment-matching, whatever comes before it in the schedule.
        let paymentMatchingKill = paymentMatchingKillIndex
        var outcome = Outcome()
        for (index, fault) in schedule.enumerated() {
            if index >= secondHalf {
                while !paymentsStarted.isSet { try await Task.sleep(for: .milliseconds(20)) }
            }
            let pause = index == secondHalf ? 50...200 : 300...1200
            try await Task.sleep(for: .milliseconds(Int.random(in: pause, using: &random)))
            switch fault {
            case .brokerRestart:
                progress("fault: broker stop")
                try await TestBroker.control("stop")
                try await Task.sleep(for: .milliseconds(Int.random(in: 500...2000, using: &random)))
                try await TestBroker.control("start")
                progress("fault: broker started again")
                outcome.brokerRestarts += 1
            case .kill:
                let victim =
                    index == paymentMatchingKill ? "payment-matching" : executables.randomElement(using: &random)!
                if victim == "payment-matching" && paymentsStarted.isSet,
                    let registered = await ReadAPI(processes: processes).payments()?.count
                {
                    outcome.registeredWhenPaymentMatchingDied.append(registered)
                }
                progress("fault: kill -9 \(victim)")
                await processes.kill(victim)
                if index == paymentMatchingKill { paymentMatchingDown.set() }
                outcome.kills += 1
                if paymentsStarted.isSet { outcome.killedWhilePaying.append(victim) }
                try await Task.sleep(for: .milliseconds(Int.random(in: 50...500, using: &random)))
                try await processes.start(victim, timeout: .seconds(90))
            }
        }
        return outcome
    }
}

/// A one-way switch between the driver's phases.
final class PhaseFlag: Sendable {
    private let value = Mutex(false)
    func set() { value.withLock { $0 = true } }
    var isSet: Bool { value.withLock { $0 } }
}
