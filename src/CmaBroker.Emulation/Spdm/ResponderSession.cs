using CmaBroker.Spdm.Sessions;

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

    public void Activate()
    {
        Secrets.DeriveData(PendingTh2 ?? throw new InvalidOperationException("FINISH_RSP not built"));
        PendingTh2 = null;
        Established = true;
    }

    public void Dispose() => Secrets.Dispose();
}
