using CmaBroker.Doe;
using CmaBroker.Doe.Errors;
using CmaBroker.Spdm.Messages;
using CmaBroker.Spdm.Requester;
using CmaBroker.Spdm.Verification;
using Microsoft.Extensions.Logging;
using Org.BouncyCastle.X509;

namespace CmaBroker.Spdm.Authentication;

/// <summary>How to open a secure session (cmatool session, IDE_KM).</summary>
public sealed record SessionOpenOptions
{
    /// <summary>Trust anchors the slot's chain must lead to; none → Untrusted, no session.</summary>
    public IReadOnlyList<X509Certificate> TrustAnchors { get; init; } = [];

    public byte Slot { get; init; }

    public SessionOffer Offer { get; init; } = new();

    public SpdmVersion? MaxVersion { get; init; }

    public TimeProvider Clock { get; init; } = TimeProvider.System;

    public ILogger? Logger { get; init; }

    public ResponseTimeoutBounds? ResponseTimeout { get; init; }

    /// <summary>The requester's DataTransferSize (1.2+, 42 or more): larger responses come back through CHUNK_GET.</summary>
    public uint DataTransferSize { get; init; } = SpdmRequester.AnnouncedTransferSize;
}

/// <summary>An established session and what it was established on.</summary>
public sealed record OpenedSession(SpdmSession Session, NegotiatedParameters Negotiated, ChainValidation Chain);

/// <summary>
/// Opens an authenticated secure session, step by step, each defaulting to no: VCA offering session
/// algorithms, DIGESTS, the slot's chain (which must be sound and lead to a trust anchor), then
/// KEY_EXCHANGE signed by that chain's leaf and FINISH. Device misbehaviour throws
/// <see cref="SpdmProtocolException"/> (sessions: <see cref="Sessions.SessionFailedException"/>), an
/// untrusted chain a <see cref="CmaException"/> of kind Untrusted.
/// </summary>
public static class SessionOpener
{
    public static async Task<OpenedSession> OpenAsync(IDoeExchange exchange, SessionOpenOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(exchange);
        ArgumentNullException.ThrowIfNull(options);
        if (options.Slot > 7)
            throw new CmaException(CmaErrorKind.InvalidArgument, $"certificate slot {options.Slot} is out of range 0-7");
        var channel = new SpdmChannel(exchange, new SpdmChannelOptions { Clock = options.Clock, ResponseTimeout = options.ResponseTimeout }, options.Logger);
        var requester = new SpdmRequester(channel, options.Logger);
        var negotiated = await requester.NegotiateAsync(new NegotiationPolicy(options.MaxVersion, Session: options.Offer, DataTransferSize: options.DataTransferSize), cancellationToken).ConfigureAwait(false);

        var digests = await requester.GetDigestsAsync(cancellationToken).ConfigureAwait(false);
        byte[] digest = digests.DigestFor(options.Slot)
            ?? throw SpdmProtocolException.Protocol($"slot {options.Slot} is not provisioned (provisioned slots: {string.Join(", ", digests.ProvisionedSlots)})");
        byte[] chain = await requester.GetCertificateChainAsync(options.Slot, cancellationToken).ConfigureAwait(false);
        var validation = CertificateChainValidator.Validate(chain, negotiated.BaseHash, digest, options.TrustAnchors, options.Clock.GetUtcNow(), options.Slot);
        if (!validation.IsSound || validation.Leaf is null)
            throw SpdmProtocolException.Protocol($"slot {options.Slot} certificate chain invalid: {validation.Error}");
        if (!validation.IsTrusted)
            throw new CmaException(CmaErrorKind.Untrusted, $"slot {options.Slot} certificate chain is not trusted: {validation.TrustError}");

        var session = await SessionHandshake.EstablishAsync(requester, options.Slot, chain, validation.Leaf.GetPublicKey(), options.Offer, options.Logger, cancellationToken)
            .ConfigureAwait(false);
        return new OpenedSession(session, negotiated, validation);
    }
}
