using CmaBroker.Doe;
using CmaBroker.Doe.Errors;
using Microsoft.Extensions.Logging;

namespace CmaBroker.Emulation.Targets;

/// <summary>
/// Test-only fault injection from outside the process (<see cref="TargetOpenerOptions.EmulatorFaultDirectory"/>):
/// before each exchange on one emulated mailbox, reads the file named after the mailbox
/// (<c>DIR/pci_ca00_20_00_0.doe_0160</c>). A file holding a fault name (<see cref="EmulatedFaultNames"/>) switches
/// that fault on; a missing file switches it off. So a fault lands at the mailbox's next exchange, whenever another
/// process writes the file. An unknown name fails the exchange with InvalidArgument.
/// </summary>
public sealed partial class FaultFileExchange : IDoeExchange
{
    private readonly IDoeExchange _inner;
    private readonly EmulatedDoeMailbox _mailbox;
    private readonly ILogger? _logger;
    private readonly Lock _gate = new();
    private string? _applied;

    public FaultFileExchange(IDoeExchange inner, EmulatedDoeMailbox mailbox, string path, ILogger? logger)
    {
        _inner = inner;
        _mailbox = mailbox;
        Path = path;
        _logger = logger;
    }

    /// <summary>The file this mailbox's fault is read from.</summary>
    public string Path { get; }

    /// <summary>The file name for the mailbox at <paramref name="offset"/> of <paramref name="address"/>: the D-Bus path elements joined by a dot.</summary>
    public static string FileName(PciAddress address, int offset) => $"{address.ToObjectPathElement()}.doe_{offset:x4}";

    public ValueTask<DoeObject> ExchangeAsync(DoeObject request, CancellationToken cancellationToken = default)
    {
        Apply(ReadFault());
        return _inner.ExchangeAsync(request, cancellationToken);
    }

    private string? ReadFault()
    {
        try
        {
            return File.Exists(Path) ? File.ReadAllText(Path).Trim() : null;
        }
        catch (IOException)
        {
            return _applied; // being written or removed right now: keep what is on, look again next time
        }
    }

    private void Apply(string? wanted)
    {
        lock (_gate)
        {
            if (wanted == _applied)
                return;
            EmulatedFaultNames.Clear(_mailbox);
            string? previous = _applied;
            _applied = null;
            if (wanted is null)
            {
                if (_logger is not null)
                    LogCleared(_logger, Path, previous ?? "");
                return;
            }
            if (!EmulatedFaultNames.TryApply(_mailbox, wanted))
                throw new CmaException(CmaErrorKind.InvalidArgument,
                    $"{Path}: '{wanted}' is not an emulator fault of this mailbox (faults: {string.Join(", ", EmulatedFaultNames.All)})");
            _applied = wanted;
            if (_logger is not null)
                LogInjected(_logger, Path, wanted);
        }
    }

    [LoggerMessage(EventId = 3200, Level = LogLevel.Warning, Message = "emulator fault {Fault} on ({FaultFile})")]
    private static partial void LogInjected(ILogger logger, string faultFile, string fault);

    [LoggerMessage(EventId = 3201, Level = LogLevel.Warning, Message = "emulator fault {Fault} cleared ({FaultFile} removed)")]
    private static partial void LogCleared(ILogger logger, string faultFile, string fault);
}
