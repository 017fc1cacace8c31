namespace CmaBroker.Spdm.Sessions;

/// <summary>
/// The session transcript TH (protocols.md §4.13, fixtures README "Transcript hashes"):
/// VCA [‖ first DIGESTS with 1.3 MULTI_KEY_CONN] ‖ H(slot chain) ‖ KEY_EXCHANGE ‖ KEY_EXCHANGE_RSP ‖
/// FINISH ‖ FINISH_RSP, exact SPDM messages (secured ones as their inner messages). TH1 and TH2 are
/// its hash at two points; the signature and the verify data cover prefixes of it.
/// </summary>
public sealed class SessionTranscript
{
    private readonly SpdmKeySchedule _schedule;
    private readonly List<byte> _bytes = [];

    /// <param name="connection">VCA (and the first DIGESTS response when MULTI_KEY_CONN is negotiated).</param>
    /// <param name="certificateChain">The whole SPDM chain of the KEY_EXCHANGE slot (its header and root hash included).</param>
    public SessionTranscript(SpdmKeySchedule schedule, ReadOnlySpan<byte> connection, ReadOnlySpan<byte> certificateChain)
    {
        _schedule = schedule;
        _bytes.AddRange(connection);
        _bytes.AddRange(schedule.HashData(certificateChain));
    }

    public void Append(ReadOnlySpan<byte> message) => _bytes.AddRange(message);

    /// <summary>The bytes so far (what a signature covers).</summary>
    public byte[] ToArray() => [.. _bytes];

    /// <summary>The hash of the bytes so far (TH1, TH2, and the inputs of the verify data HMACs).</summary>
    public byte[] Hash() => _schedule.HashData(ToArray());
}
