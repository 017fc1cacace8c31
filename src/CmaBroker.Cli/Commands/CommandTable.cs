namespace CmaBroker.Cli.Commands;

/// <summary>A command whose arguments are checked: what is left needs the bus.</summary>
internal delegate Task<int> CommandRun(CommandContext context);

/// <summary>One cmactl command: its positional arguments, the options it accepts, and how it checks them.</summary>
internal sealed record CommandSpec(string Name, string[] Positionals, string[] Options, Func<CliArguments, CommandRun> Prepare);

/// <summary>
/// Every cmactl command. <see cref="Prepare"/> checks the whole command line (arity, options, numbers,
/// hex, device names) before cmactl connects, so a usage error exits 2 whether or not a bus is there.
/// </summary>
internal static class CommandTable
{
    public static IReadOnlyList<CommandSpec> All { get; } =
    [
        new("status", [], [], StatusCommand.Prepare),
        new("list", [], [], DeviceCommands.List),
        new("show", ["DEVICE"], [], DeviceCommands.Show),
        new("authenticate", ["DEVICE"], ["--slot"], DeviceCommands.Authenticate),
        new("certificates", ["DEVICE"], ["--slot", "--pem"], EvidenceCommands.Certificates),
        new("measurements", ["DEVICE"], ["--fresh", "--session"], EvidenceCommands.Measurements),
        new("session", ["DEVICE"], ["--establish", "--end"], SessionCommand.Prepare),
        new("evidence", ["DEVICE"], ["--nonce"], EvidenceCommands.Evidence),
        new("enroll", ["DEVICE"], [], EvidenceCommands.Enroll),
        new("history", ["DEVICE"], ["--max"], EvidenceCommands.History),
        new("exchange", ["DEVICE", "VENDOR", "TYPE", "HEX"], ["--mailbox"], ExchangeCommand.Prepare),
        new("cdat", ["DEVICE"], [], CdatCommand.Prepare),
        new("ide", ["ACTION", "DEVICE"], IdeCommand.Options, IdeCommand.Prepare),
        new("monitor", [], [], MonitorCommand.Prepare),
    ];

    public static CommandRun Prepare(CliArguments args)
    {
        var spec = All.FirstOrDefault(c => c.Name == args.Command)
            ?? throw CliException.Usage($"unknown command '{args.Command}' (commands: {string.Join(", ", All.Select(c => c.Name))}; see cmactl --help)");
        if (args.OptionNames.FirstOrDefault(o => !spec.Options.Contains(o)) is { } stray)
            throw CliException.Usage($"option {stray} does not apply to '{spec.Name}' (see cmactl --help)");
        if (args.Positionals.Count < spec.Positionals.Length)
            throw CliException.Usage($"'{spec.Name}' needs {string.Join(' ', spec.Positionals.Skip(args.Positionals.Count))} (usage: cmactl {spec.Name} {string.Join(' ', spec.Positionals)}; see cmactl --help)");
        if (args.Positionals.Count > spec.Positionals.Length)
            throw CliException.Usage($"'{spec.Name}' takes {spec.Positionals.Length} argument(s); unexpected '{args.Positionals[spec.Positionals.Length]}'");
        return spec.Prepare(args);
    }
}
