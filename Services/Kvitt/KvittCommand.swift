import ArgumentParser
import KvittMessaging

/// `kvitt`: the operator's and integrator's tool.
@main
struct KvittCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kvitt",
        abstract: "Operate Kvitt: dead letters, unrouted events, publishing, bank files, topology, status.",
        discussion: CLISettings.help,
        version: KvittVersion.current,
        subcommands: [
            DeadLettersCommand.self, PublishCommand.self, ImportBgMaxCommand.self, BgMaxCommand.self,
            StatusCommand.self, TopologyCommand.self, UnroutedCommand.self, ClockCommand.self, PricesCommand.self,
            PermissionsCommand.self,
        ]
    )
}
