using CmaBroker.Spdm.Messages;
using CmaBroker.Spdm.Sessions;
using Org.BouncyCastle.Crypto;

namespace CmaBroker.Emulation.Spdm;

/// <summary>The responder's side of one secure session: its secrets, transcript and phase.</summary>
internal sealed class ResponderSession(uint id, byte slot, bool inTheClear, SessionSecrets secrets, SessionTranscript transcript) : IDisposable
{
    public uint Id { get; } = id;

    public byte Slot { get; } = slot;

    public bool InTheClear { get; } = inTheClear;

    public SessionSecrets Secrets { get; } = secrets;

    public SessionTranscript Transcript { get; } = transcript;

    /// <summary>FINISH verified and FINISH_RSP sent: the data keys protect the records.</summary>
    public bool Established { get; private set; }

    /// <summary>TH2's hash once FINISH_RSP is built; the data keys are derived after it went out.</summary>
    public byte[]? PendingTh2 { get; set; }

    /// <summary>In-session measurement messages since the last signed MEASUREMENTS (L).</summary>
    public List<byte> MeasurementLog { get; } = [];

    public DateTimeOffset LastActivity { get; set; }

    /// <summary>What KEY_EXCHANGE_RSP asked of the requester (MutAuthRequested).</summary>
    public MutualAuthenticationRequest Mutual { get; init; }

    /// <summary>The encapsulated flow's progress and the requester chain it fetched.</summary>
    public EncapsulatedFlow Encapsulated { get; } = new();

    public void Activate()
    {
        Secrets.DeriveData(PendingTh2 ?? throw new InvalidOperationException("FINISH_RSP not built"));
        PendingTh2 = null;
        Established = true;
    }

    public void Dispose() => Secrets.Dispose();
}

/// <summary>The responder's side of the encapsulated flow: GET_DIGESTS, then GET_CERTIFICATE portions.</summary>
internal sealed class EncapsulatedFlow
{
    public EncapsulatedStage Stage { get; set; }

    /// <summary>The RequestID the next DELIVER_ENCAPSULATED_RESPONSE must carry.</summary>
    public byte RequestId { get; set; }

    public byte Slot { get; set; }

    public byte[] Digest { get; set; } = [];

    public List<byte> Chain { get; } = [];

    /// <summary>The requester's whole SPDM chain once fetched and validated (or provisioned).</summary>
    public byte[]? ValidatedChain { get; set; }

    public AsymmetricKeyParameter? LeafKey { get; set; }
}

internal enum EncapsulatedStage
{
    NotStarted,
    AwaitDigests,
    AwaitCertificate,
    Done,
}
