using CmaBroker.Doe;
using CmaBroker.Doe.Errors;
using CmaBroker.Spdm.Authentication;
using CmaBroker.Spdm.Messages;
using CmaBroker.Spdm.Requester;
using CmaBroker.Spdm.Tests.Support;
using NUnit.Framework;

namespace CmaBroker.Spdm.Tests;

/// <summary>
/// The per-response deadline on transports without one of their own (spdm-socket): ST1 + 2^CTExponent µs
/// from the responder's CAPABILITIES, bounded by configuration (ARCHITECTURE.md "Scheduling rules").
/// </summary>
public sealed class ResponseTimeoutTests
{
    /// <summary>Delays the answer to one request code, honouring cancellation like a socket read does.</summary>
    private sealed class DelayingExchange(IDoeExchange inner, SpdmCode delayed, TimeSpan delay) : IDoeExchange
    {
        public async ValueTask<DoeObject> ExchangeAsync(DoeObject request, CancellationToken cancellationToken = default)
        {
            if (request.Payload.Length > 1 && request.Payload.Span[1] == (byte)delayed)
                await Task.Delay(delay, cancellationToken);
            return await inner.ExchangeAsync(request, cancellationToken);
        }
    }

    private static (TestResponder Responder, AuthenticationOptions Options) Device(ResponseTimeoutBounds bounds)
    {
        var chain = TestPki.CreateChain(BaseAsymAlgorithms.EcdsaP256, "Timing");
        var responder = new TestResponder(chain, BaseAsymAlgorithms.EcdsaP256, BaseHashAlgorithms.Sha256);
        var options = new AuthenticationOptions { TrustAnchors = [chain.Root], Clock = new FixedClock(TestPki.ValidNow), ResponseTimeout = bounds };
        return (responder, options);
    }

    [Test]
    public void DeadlineFollowsCtExponentWithinTheBounds()
    {
        var channel = new SpdmChannel(new DelayingExchange(null!, SpdmCode.Challenge, TimeSpan.Zero),
            new SpdmChannelOptions { ResponseTimeout = new ResponseTimeoutBounds(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(30)) });

        Assert.That(channel.CurrentResponseTimeout, Is.EqualTo(TimeSpan.FromSeconds(30)), "before CAPABILITIES: the maximum");
        channel.ResponderCtExponent = 21; // 2^21 µs = 2.097152 s, plus ST1 100 ms
        Assert.That(channel.CurrentResponseTimeout, Is.EqualTo(TimeSpan.FromMilliseconds(2197.152)));
        channel.ResponderCtExponent = 0;
        Assert.That(channel.CurrentResponseTimeout, Is.EqualTo(TimeSpan.FromSeconds(1)), "raised to the minimum");
        channel.ResponderCtExponent = 31;
        Assert.That(channel.CurrentResponseTimeout, Is.EqualTo(TimeSpan.FromSeconds(30)), "cut to the maximum");
        Assert.That(new SpdmChannel(null!, new SpdmChannelOptions()).CurrentResponseTimeout, Is.Null, "register targets: the DOE driver's own 1 s");
    }

    [Test]
    public void AResponseSlowerThanTheResponderAnnouncedTimesOut()
    {
        // TestResponder announces CTExponent 12 (4 ms): the deadline is ST1 + 4 ms, far below the 2 s delay.
        var (responder, options) = Device(new ResponseTimeoutBounds(TimeSpan.FromMilliseconds(10), TimeSpan.FromSeconds(10)));
        var slow = new DelayingExchange(responder, SpdmCode.Challenge, TimeSpan.FromSeconds(2));

        var e = Assert.ThrowsAsync<CmaException>(async () => await SpdmAuthenticator.AuthenticateAsync(slow, options));

        Assert.That(e!.Kind, Is.EqualTo(CmaErrorKind.Timeout));
        Assert.That(e.Message, Does.Contain("CHALLENGE").And.Contain("CTExponent 12"));
    }

    [Test]
    public async Task TheConfiguredMinimumLetsASlowButBoundedResponderThrough()
    {
        var (responder, options) = Device(new ResponseTimeoutBounds(TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(10)));
        var slow = new DelayingExchange(responder, SpdmCode.Challenge, TimeSpan.FromMilliseconds(300));

        var result = await SpdmAuthenticator.AuthenticateAsync(slow, options);

        Assert.That(result.Verdict, Is.EqualTo(AuthenticationVerdict.Authenticated), result.Reason);
    }
}
