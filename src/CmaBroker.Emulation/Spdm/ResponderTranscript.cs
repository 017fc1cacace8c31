namespace CmaBroker.Emulation.Spdm;

/// <summary>
/// The responder's view of the transcripts its signatures cover (protocols.md §4.9): A (VCA), B
/// (digests and certificates since the last challenge) and the measurement log L since the last
/// signed MEASUREMENTS. Exact SPDM message bytes only, never transport padding.
/// </summary>
internal sealed class ResponderTranscript
{
    private readonly List<byte> _vca = [];
    private readonly List<byte> _b = [];
    private readonly List<byte> _l = [];

    public void Reset()
    {
        _vca.Clear();
        _b.Clear();
        _l.Clear();
    }

    public void AppendVca(ReadOnlySpan<byte> request, ReadOnlySpan<byte> response)
    {
        _vca.AddRange(request);
        _vca.AddRange(response);
    }

    public void AppendB(ReadOnlySpan<byte> request, ReadOnlySpan<byte> response)
    {
        _b.AddRange(request);
        _b.AddRange(response);
    }

    public void AppendL(ReadOnlySpan<byte> request, ReadOnlySpan<byte> response)
    {
        _l.AddRange(request);
        _l.AddRange(response);
    }

    public void ResetB() => _b.Clear();

    /// <summary>VCA (transcript A), the start of every session transcript.</summary>
    public byte[] Vca => [.. _vca];

    public void ResetL() => _l.Clear();

    /// <summary>M1 = A ‖ B ‖ C, C = CHALLENGE ‖ CHALLENGE_AUTH without its signature.</summary>
    public byte[] ChallengeTranscript(ReadOnlySpan<byte> challenge, ReadOnlySpan<byte> challengeAuthUnsigned) =>
        [.. _vca, .. _b, .. challenge, .. challengeAuthUnsigned];

    /// <summary>L1 = (1.2+: A) ‖ L ‖ GET_MEASUREMENTS ‖ MEASUREMENTS without its signature.</summary>
    public byte[] MeasurementTranscript(bool includeVca, ReadOnlySpan<byte> request, ReadOnlySpan<byte> responseUnsigned) =>
        [.. (includeVca ? _vca : []), .. _l, .. request, .. responseUnsigned];
}
