using CmaBroker.Doe.Errors;
using CmaBroker.IdeKm.Messages;

namespace CmaBroker.IdeKm;

/// <summary>Why an IDE_KM step failed; the first four are the device's own KP_ACK statuses.</summary>
public enum IdeKmFailure
{
    /// <summary>KP_ACK status 1: the device says the KEY_PROG length was wrong.</summary>
    IncorrectLength,
    /// <summary>KP_ACK status 2: the device has no such port index.</summary>
    UnsupportedPortIndex,
    /// <summary>KP_ACK status 3: a field value (stream ID, sub-stream, key set) is not supported.</summary>
    UnsupportedValue,
    /// <summary>KP_ACK status 4 (or any status the specification does not define).</summary>
    UnspecifiedFailure,
    /// <summary>The answer broke the protocol: wrong object, size or an echo that does not match.</summary>
    Protocol,
    /// <summary>The SPDM session carrying IDE_KM ended mid-way.</summary>
    SessionLost,
    /// <summary>This stream cannot be keyed from here (no host provider, no Selective IDE, ...).</summary>
    Unsupported,
    /// <summary>The kernel's PCI/TSM owns IDE for this device.</summary>
    KernelOwned,
    /// <summary>The stream ID is already set up, or no Selective IDE register block is free.</summary>
    InUse,
    /// <summary>The stream the caller names is not set up.</summary>
    NotSetUp,
}

/// <summary>A typed IDE_KM failure; <see cref="CmaException.Kind"/> drives exit codes and D-Bus error names.</summary>
public sealed class IdeKmException : CmaException
{
    public IdeKmException(IdeKmFailure failure, string message, Exception? inner = null)
        : base(KindOf(failure), message, inner) => Failure = failure;

    public IdeKmFailure Failure { get; }

    /// <summary>The typed error for a KP_ACK status other than success.</summary>
    public static IdeKmFailure FailureOf(KpAckStatus status) => status switch
    {
        KpAckStatus.IncorrectLength => IdeKmFailure.IncorrectLength,
        KpAckStatus.UnsupportedPortIndex => IdeKmFailure.UnsupportedPortIndex,
        KpAckStatus.UnsupportedValue => IdeKmFailure.UnsupportedValue,
        KpAckStatus.UnspecifiedFailure => IdeKmFailure.UnspecifiedFailure,
        KpAckStatus.Success => throw new ArgumentOutOfRangeException(nameof(status), "success is not a failure"),
        _ => IdeKmFailure.UnspecifiedFailure,
    };

    private static CmaErrorKind KindOf(IdeKmFailure failure) => failure switch
    {
        IdeKmFailure.Unsupported => CmaErrorKind.Unsupported,
        IdeKmFailure.KernelOwned => CmaErrorKind.KernelOwned,
        IdeKmFailure.InUse => CmaErrorKind.Busy,
        IdeKmFailure.NotSetUp => CmaErrorKind.NotFound,
        IdeKmFailure.SessionLost => CmaErrorKind.Failed,
        _ => CmaErrorKind.ProtocolError,
    };
}
