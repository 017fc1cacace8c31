using CmaBroker.Spdm.Messages;
using Microsoft.Extensions.Logging;
using Org.BouncyCastle.X509;

namespace CmaBroker.Spdm.Authentication;

/// <summary>How to authenticate. Every member has a sensible default; tests shorten the waits.</summary>
public sealed record AuthenticationOptions
{
    /// <summary>Trust anchors (see <see cref="TrustAnchorLoader"/>). None → verdict Untrusted, "no trust anchors configured".</summary>
    public IReadOnlyList<X509Certificate> TrustAnchors { get; init; } = [];

    /// <summary>The slot to challenge and to sign measurements with (0–7).</summary>
    public byte Slot { get; init; }

    /// <summary>Caller-supplied 32-byte nonce for the signed GET_MEASUREMENTS (daemon GetEvidence); random when null.</summary>
    public byte[]? MeasurementNonce { get; init; }

    /// <summary>Caller-supplied 32-byte CHALLENGE nonce (tests that replay recordings); random when null.</summary>
    public byte[]? ChallengeNonce { get; init; }

    /// <summary>Clock for certificate validity and for the waits.</summary>
    public TimeProvider Clock { get; init; } = TimeProvider.System;

    /// <summary>How many times a request answered with ERROR Busy is repeated before giving up.</summary>
    public int BusyRetries { get; init; } = 3;

    /// <summary>Pause before repeating a request after Busy.</summary>
    public TimeSpan BusyRetryDelay { get; init; } = TimeSpan.FromMilliseconds(10);

    /// <summary>Upper bound for one ResponseNotReady wait (2^RDTExponent µs is clamped to this).</summary>
    public TimeSpan MaxResponseNotReadyWait { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>How many ResponseNotReady answers one request may receive in a row.</summary>
    public int MaxResponseNotReadyRounds { get; init; } = 8;

    /// <summary>Read signed measurements after the challenge.</summary>
    public bool ReadMeasurements { get; init; } = true;

    /// <summary>CHALLENGE MeasurementSummaryHashType; null = All when the responder can measure, else None.</summary>
    public MeasurementSummaryHashType? ChallengeSummaryHashType { get; init; }

    /// <summary>Highest SPDM version to negotiate (tests pin versions); null = 1.3.</summary>
    public SpdmVersion? MaxVersion { get; init; }

    /// <summary>Restrict the offered base asym algorithms (intersected with the supported set); null = all supported.</summary>
    public BaseAsymAlgorithms? OfferedBaseAsym { get; init; }

    /// <summary>Restrict the offered base hash algorithms; null = SHA-256/384/512.</summary>
    public BaseHashAlgorithms? OfferedBaseHash { get; init; }

    /// <summary>CTExponent the requester announces (CT = 2^CTExponent µs).</summary>
    public byte RequesterCtExponent { get; init; } = 20;

    /// <summary>Structured log sink; null = no logging.</summary>
    public ILogger? Logger { get; init; }

    /// <summary>
    /// Per-response deadline from the responder's CTExponent, bounded (see <see cref="Requester.SpdmChannelOptions.ResponseTimeout"/>):
    /// set for spdm-socket targets; null on register targets, whose DOE driver bounds every object at 1 s.
    /// </summary>
    public Requester.ResponseTimeoutBounds? ResponseTimeout { get; init; }
}
