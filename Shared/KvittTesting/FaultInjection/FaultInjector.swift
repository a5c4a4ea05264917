import Foundation
import KvittAMQP
import KvittContracts
import Synchronization

/// Strikes the running system with the plan's nemeses, one after the other, while the driver's rounds of traffic flow:
/// service kills (`kill -9` and a restart), clean broker restarts, `kill -9` of the broker, a frozen broker, a cut
/// link, memory and disk alarms, and a full disk under payment-matching's database.
///
/// The faults are spread over the planned rounds (fault *i* waits until round 1 + *i*·rounds/faults has begun), and
/// the driver starts new rounds until the last fault is over, so every fault meets traffic. After each one, every
/// service must be ready again within two minutes — a service that stays wedged is a violation — and each nemesis
/// checks that it was felt: the services reconnected after a broker kill, a freeze or a cut, reported themselves
/// blocked under an alarm, reported their database refusing writes under a full disk.
///
/// The last kill hits payment-matching while payments it has not registered yet are on their way.
struct FaultInjector: Sendable {
    let plan: FaultInjectionPlan
    let processes: ServiceProcesses
    let node: BrokerNode
    /// What the node offered before the run (the alarms put their limit back to it).
    let nodeSettings: BrokerNode.Settings
    let proxy: LinkProxy?
    let fullDisk: FullDisk?
    let workload: WorkloadProgress
    /// The driver's publisher (straight to the broker, not through the proxy) and the broker's address.
    let sender: CommandSender
    let broker: AMQPURL
    let progress: @Sendable (String) -> Void

    enum Fault: Equatable {
        case kill, brokerRestart, brokerKill, brokerFreeze, linkCut(LinkProxy.Mode), memoryAlarm, diskAlarm,
            databaseFull
    }

    /// What the faults did.
    struct Outcome: Sendable {
        var kills = 0
        /// Messages the killed services had consumed when they died (a restart sets their counters to 0).
        var consumedByKilled = 0
        var killedWhilePaying: [String] = []
        var paymentMatchingKilledAt: [(registered: Int, sent: Int)] = []
        var brokerRestarts = 0
        var brokerKills = 0
        var brokerFreezes = 0
        var linkCuts = 0
        var memoryAlarms = 0
        var diskAlarms = 0
        var databaseFulls = 0
        var nemeses: [String] = []
        var unnoticed: [String] = []
        var violations: [String] = []
    }

    /// The kills in order, with the other faults (in an order the seed chooses) spread evenly among them.
    func schedule(using random: inout SeededGenerator) -> [Fault] {
        let cuts: [LinkProxy.Mode] = [.cutBothWays, .cutTowardBroker, .cutTowardServices]
        var others: [Fault] =
            Array(repeating: .brokerRestart, count: plan.brokerRestarts)
            + Array(repeating: .brokerKill, count: plan.brokerKills)
            + Array(repeating: .brokerFreeze, count: plan.brokerFreezes)
            + (0..<plan.linkCuts).map { .linkCut(cuts[$0 % cuts.count]) }
            + Array(repeating: .memoryAlarm, count: plan.memoryAlarms)
            + Array(repeating: .diskAlarm, count: plan.diskAlarms)
            + Array(repeating: .databaseFull, count: fullDisk == nil ? 0 : plan.databaseFulls)
        others.shuffle(using: &random)
        var faults = [Fault](repeating: .kill, count: plan.kills)
        for (number, fault) in others.enumerated().reversed() {
            faults.insert(fault, at: (number + 1) * plan.kills / (others.count + 1))
        }
        return faults
    }

    func run() async throws -> Outcome {
        var random = SeededGenerator(state: plan.seed)
        let executables = processes.services.keys.sorted()
        let schedule = schedule(using: &random)
        let paymentMatchingKill = schedule.lastIndex(of: .kill)
        let plannedRounds = max(1, (plan.invoices + plan.invoicesPerRound - 1) / plan.invoicesPerRound)
        let reader = ReadAPI(processes: processes)
        var outcome = Outcome()
        defer { workload.faultsDone.set() }
        for (index, fault) in schedule.enumerated() {
            let round = 1 + index * plannedRounds / max(1, schedule.count)
            while workload.roundsStarted < round { try await Task.sleep(for: .milliseconds(50)) }
            try await Task.sleep(for: .milliseconds(Int.random(in: 200...1500, using: &random)))
            let before = await reconnects()
            switch fault {
            case .kill:
                var victim = executables.randomElement(using: &random)!
                if index == paymentMatchingKill {
                    victim = "payment-matching"
                    outcome.paymentMatchingKilledAt.append(await paymentsInFlight(reader))
                }
                progress("fault: kill -9 \(victim)")
                // Its counters die with it: what it consumed so far counts toward the run's traffic.
                outcome.consumedByKilled += await MetricsReader.value(
                    "kvitt_messages_consumed_total",
                    port: processes.port(victim)
                )
                await processes.kill(victim)
                outcome.kills += 1
                if workload.paymentsSent > 0 { outcome.killedWhilePaying.append(victim) }
                try await Task.sleep(for: .milliseconds(Int.random(in: 50...500, using: &random)))
                try await processes.start(victim, timeout: .seconds(120))
            case .brokerRestart:
                progress("fault: broker shutdown (clean)")
                try await BrokerNode.ctl("shutdown")
                try await Task.sleep(for: .milliseconds(Int.random(in: 500...2000, using: &random)))
                try await node.start()
                outcome.brokerRestarts += 1
                outcome.nemeses.append("clean broker restart")
            case .brokerKill:
                progress("fault: kill -9 of the broker")
                let down = Duration.milliseconds(Int.random(in: 500...3000, using: &random))
                let (killed, restarted) = try await node.killAndRestart(down: down)
                outcome.brokerKills += 1
                outcome.nemeses.append("broker kill -9: VM \(killed) killed, down \(down), restarted as \(restarted)")
                if killed == restarted { outcome.unnoticed.append("broker kill -9: the VM \(killed) survived") }
            case .brokerFreeze:
                let length = Duration.seconds(3 * plan.heartbeatSeconds + Int.random(in: 1...3, using: &random))
                progress("fault: broker frozen (SIGSTOP) for \(length)")
                try await node.freeze(for: length)
                outcome.brokerFreezes += 1
                outcome.nemeses.append("broker frozen for \(length) (heartbeat \(plan.heartbeatSeconds) s)")
            case .linkCut(let mode):
                guard let proxy else { continue }
                let length = Duration.seconds(3 * plan.heartbeatSeconds + Int.random(in: 1...3, using: &random))
                let crossing = proxy.openConnections
                progress("fault: link \(mode) for \(length) (\(crossing.count) connections)")
                proxy.set(mode)
                try? await Task.sleep(for: length)
                proxy.set(.open)
                outcome.linkCuts += 1
                // Both peers gave up on every connection that was open across the cut (missed heartbeats), whichever
                // direction was cut.
                let dropped = await TestBroker.eventually(timeout: .seconds(Double(4 * plan.heartbeatSeconds) + 10)) {
                    proxy.openConnections.isDisjoint(with: crossing)
                }
                let survivors = proxy.openConnections.intersection(crossing).count
                outcome.nemeses.append(
                    "link \(mode) for \(length): \(crossing.count) connections crossed it, \(survivors) survived"
                )
                if !dropped {
                    outcome.violations.append(
                        "\(survivors) connections lived through a \(length) link cut (\(mode)) without a heartbeat timeout"
                    )
                }
            case .memoryAlarm, .diskAlarm:
                let memory = fault == .memoryAlarm
                let resource = memory ? "memory" : "disk"
                progress("fault: \(resource) alarm")
                // Attests of invoices that do not exist, which the broker hands to invoicing only once the alarm is
                // on: each is rejected, and the rejection is a publish the alarm blocks. (Traffic published before
                // the alarm may all be handled by the time it takes hold, and the driver's own publishes are blocked.)
                let probes = (0..<3).map { AttestInvoice(invoiceID: "chaos-alarm-probe-\(index)-\($0)") }
                let waiting = try await sender.sendDelayed(probes, delay: .seconds(5), broker: broker)
                defer { Task { await TestBroker.cleanUp(queues: [waiting], on: broker) } }
                if memory { try await node.raiseMemoryAlarm() } else { try await node.raiseDiskAlarm() }
                let raised = await TestBroker.eventually(timeout: .seconds(15)) { await node.alarmRaised(resource) }
                let felt = await TestBroker.eventually(timeout: .seconds(20)) { await anyServiceBlocked() }
                try await Task.sleep(for: .milliseconds(Int.random(in: 1000...3000, using: &random)))
                if memory {
                    try await BrokerNode.ctl("set_vm_memory_high_watermark", nodeSettings.memoryWatermark)
                    outcome.memoryAlarms += 1
                } else {
                    try await BrokerNode.ctl("set_disk_free_limit", nodeSettings.diskFreeLimit)
                    outcome.diskAlarms += 1
                }
                outcome.nemeses.append("\(resource) alarm: raised \(raised), a service reported blocked \(felt)")
                if !raised || !felt { outcome.unnoticed.append("\(resource) alarm (raised \(raised), felt \(felt))") }
            case .databaseFull:
                guard let fullDisk else { continue }
                progress("fault: payment-matching's database disk full")
                let filled = try fullDisk.fill()
                let refused = await TestBroker.eventually(timeout: .seconds(30)) {
                    await HTTPProbe.get(port: processes.port("payment-matching"), path: "/health/ready")?.body
                        .contains("database") == true
                }
                try await Task.sleep(for: .milliseconds(Int.random(in: 1000...4000, using: &random)))
                fullDisk.empty()
                outcome.databaseFulls += 1
                outcome.nemeses.append(
                    "payment-matching's file system filled (\(filled / 1024) KiB of filler): readiness named the database \(refused)"
                )
                if !refused { outcome.unnoticed.append("full disk: payment-matching never reported its database") }
            }
            if let wedged = await servicesNotReady(after: "\(fault)") { outcome.violations.append(wedged) }
            if [.brokerKill, .brokerFreeze, .brokerRestart].contains(fault) || fault.isLinkCut {
                let after = await reconnects()
                outcome.nemeses[outcome.nemeses.count - 1] += "; service reconnects \(before) → \(after)"
                if after <= before { outcome.unnoticed.append("\(fault): no service reconnected") }
            }
        }
        return outcome
    }

    /// Payments registered by payment-matching and payments sent, once some sent ones are not registered yet (waits
    /// up to a minute for that).
    private func paymentsInFlight(_ reader: ReadAPI) async -> (registered: Int, sent: Int) {
        let deadline = ContinuousClock.now + .seconds(60)
        var registered = 0
        repeat {
            registered = await reader.payments()?.count ?? registered
            if registered < workload.paymentsSent { break }
            try? await Task.sleep(for: .milliseconds(20))
        } while ContinuousClock.now < deadline
        return (registered, workload.paymentsSent)
    }

    /// A line naming the services not ready two minutes after a fault, or `nil` when all are.
    private func servicesNotReady(after fault: String) async -> String? {
        var waiting: [String] = []
        let ready = await TestBroker.eventually(timeout: .seconds(120)) {
            waiting = []
            for executable in processes.services.keys.sorted()
            where await HTTPProbe.get(port: processes.port(executable), path: "/health/ready")?.status != 200 {
                waiting.append(executable)
            }
            return waiting.isEmpty
        }
        return ready ? nil : "not ready 120 s after \(fault): \(waiting.joined(separator: ", "))"
    }

    /// The services' broker reconnections so far (`kvitt_amqp_reconnects`, summed).
    private func reconnects() async -> Int {
        var total = 0
        for executable in processes.services.keys {
            total += await MetricsReader.value("kvitt_amqp_reconnects", port: processes.port(executable))
        }
        return total
    }

    private func anyServiceBlocked() async -> Bool {
        for executable in processes.services.keys
        where await MetricsReader.value("kvitt_amqp_blocked", port: processes.port(executable)) > 0 {
            return true
        }
        return false
    }
}

extension FaultInjector.Fault {
    var isLinkCut: Bool {
        if case .linkCut = self { return true }
        return false
    }
}

/// How far the driver's traffic has come, shared with the injector.
final class WorkloadProgress: Sendable {
    private let counts = Mutex((rounds: 0, payments: 0))
    /// Set when the last fault is over: the driver then finishes its round and stops.
    let faultsDone = PhaseFlag()

    var roundsStarted: Int { counts.withLock { $0.rounds } }
    var paymentsSent: Int { counts.withLock { $0.payments } }
    func startRound() { counts.withLock { $0.rounds += 1 } }
    func sentPayments(_ count: Int) { counts.withLock { $0.payments += count } }
}

/// A one-way switch between the driver's phases.
final class PhaseFlag: Sendable {
    private let value = Mutex(false)
    func set() { value.withLock { $0 = true } }
    var isSet: Bool { value.withLock { $0 } }
}
