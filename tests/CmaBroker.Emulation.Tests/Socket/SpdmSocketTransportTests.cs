using System.Net;
using System.Net.Sockets;
using CmaBroker.Doe;
using CmaBroker.Doe.Errors;
using CmaBroker.Emulation.Profiles;
using CmaBroker.Emulation.Socket;
using CmaBroker.Emulation.Spdm;
using CmaBroker.Spdm.Authentication;
using CmaBroker.Spdm.Messages;
using CmaBroker.Spdm.Socket;

namespace CmaBroker.Emulation.Tests.Socket;

/// <summary>The spdm-emu platform socket protocol, both ends in C#, over real loopback TCP (port 0).</summary>
[TestFixture]
[Parallelizable(ParallelScope.Children)]
public sealed class SpdmSocketTransportTests
{
    private static readonly SpdmSocketClientOptions FastClient = new() { ResponseTimeout = TimeSpan.FromSeconds(10), CloseTimeout = TimeSpan.FromSeconds(2) };

    private static readonly byte[] GetVersion = new GetVersionRequest().ToArray();

    [Test]
    public async Task Authenticates_an_emulated_device_end_to_end_over_the_socket()
    {
        using var device = EmulatedDevices.Create(new EmulatedDeviceSpec(EmulatedProfiles.Good));
        await using var server = Started(new SpdmSocketServer(device.Mailboxes[0]));
        await using var client = await SpdmSocketClient.ConnectAsync("127.0.0.1", server.Port, FastClient with { SendHello = true });

        var protocols = await DoeDiscovery.DiscoverAsync(client, 2);
        var result = await SpdmAuthenticator.AuthenticateAsync(client, new AuthenticationOptions { TrustAnchors = SpdmProfiles.TrustAnchors });

        Assert.That(protocols, Does.Contain(DoeProtocol.Cma));
        Assert.That(result.Verdict, Is.EqualTo(AuthenticationVerdict.Authenticated), result.Reason);
        Assert.That(result.Measurements.ToDictionary(m => m.Index, m => m.Value),
            Is.EquivalentTo(SpdmProfiles.ExpectedMeasurements(MeasurementHashAlgorithms.Sha512)));
    }

    [Test]
    public async Task Bare_responders_are_listed_by_a_built_in_discovery_table()
    {
        await using var server = Started(new SpdmSocketServer([new SpdmResponder()]));
        await using var client = await SpdmSocketClient.ConnectAsync("127.0.0.1", server.Port, FastClient);

        var protocols = await DoeDiscovery.DiscoverAsync(client, 1);

        Assert.That(protocols, Is.EqualTo(new[] { DoeProtocol.Discovery, DoeProtocol.Cma }));
    }

    [Test]
    public async Task Server_reads_a_request_split_across_tcp_segments()
    {
        await using var server = Started(new SpdmSocketServer([new SpdmResponder()]));
        using var tcp = new TcpClient { NoDelay = true };
        await tcp.ConnectAsync(IPAddress.Loopback, server.Port);
        var stream = tcp.GetStream();

        var frame = new SpdmSocketFrame(SpdmSocketCommand.Normal, SpdmSocketTransport.PciDoe, DoeObjectWire.Encode(new DoeObject(DoeProtocol.Cma, GetVersion))).ToBytes();
        foreach (var b in frame)
        {
            await stream.WriteAsync(new[] { b });
            await stream.FlushAsync();
            await Task.Delay(1);
        }
        var reply = await SpdmSocketFrameIO.ReadAsync(stream, 4096, CancellationToken.None);

        Assert.That(reply!.Command, Is.EqualTo(SpdmSocketCommand.Normal));
        Assert.That(DoeObjectWire.TryDecode(reply.Payload.Span, out var response, out _), Is.True);
        Assert.That(VersionResponse.TryParse(response!.Payload.Span, out var version, out _), Is.True);
        Assert.That(version.Versions, Is.EqualTo(SpdmVersion.Supported));
    }

    [Test]
    public async Task Client_reads_a_response_split_across_tcp_segments()
    {
        var response = DoeObjectWire.Encode(new DoeObject(DoeProtocol.Cma, new VersionResponse([0x1200]).ToArray()));
        await using var peer = new ScriptedPeer(async stream =>
        {
            await SpdmSocketFrameIO.ReadAsync(stream, 4096, CancellationToken.None);
            foreach (var b in new SpdmSocketFrame(SpdmSocketCommand.Normal, SpdmSocketTransport.PciDoe, response).ToBytes())
            {
                await stream.WriteAsync(new[] { b });
                await Task.Delay(1);
            }
            await SpdmSocketFrameIO.ReadAsync(stream, 4096, CancellationToken.None);
        });
        await using var client = await SpdmSocketClient.ConnectAsync("127.0.0.1", peer.Port, FastClient);

        var answer = await client.ExchangeAsync(new DoeObject(DoeProtocol.Cma, GetVersion));

        Assert.That(answer.Protocol, Is.EqualTo(DoeProtocol.Cma));
        Assert.That(VersionResponse.TryParse(answer.Payload.Span, out var version, out _), Is.True);
        Assert.That(version.Entries, Is.EqualTo(new ushort[] { 0x1200 }));
    }

    [Test]
    public async Task Continue_on_close_keeps_the_server_and_its_spdm_state_for_the_next_client()
    {
        await using var server = Started(new SpdmSocketServer([new SpdmResponder()]));
        await using (var first = await SpdmSocketClient.ConnectAsync("127.0.0.1", server.Port, FastClient))
        {
            await Spdm(first, GetVersion);
            await Spdm(first, new CapabilitiesMessage(SpdmVersion.V12, true, 20, SpdmCapabilityFlags.Cert | SpdmCapabilityFlags.Chal, 4096, 4096).ToArray());
            await Spdm(first, new NegotiateAlgorithmsRequest(SpdmVersion.V12, MeasurementSpecification.Dmtf, 0,
                BaseAsymAlgorithms.EcdsaP256, BaseHashAlgorithms.Sha256, []).ToArray());
        }

        await using var second = await SpdmSocketClient.ConnectAsync("127.0.0.1", server.Port, FastClient);
        var digests = await Spdm(second, new GetDigestsRequest(SpdmVersion.V12).ToArray());

        Assert.That(server.ConnectionsServed, Is.EqualTo(1));
        Assert.That(DigestsResponse.TryParse(digests, 32, out var parsed, out _), Is.True, $"got code 0x{digests[1]:x2} instead of DIGESTS");
        Assert.That(parsed.ProvisionedSlots, Is.EqualTo(new[] { 0, 1 }));
    }

    [Test]
    public async Task A_second_client_waits_until_the_first_ends_with_continue()
    {
        await using var server = Started(new SpdmSocketServer([new SpdmResponder()]));
        var first = await SpdmSocketClient.ConnectAsync("127.0.0.1", server.Port, FastClient);
        await Spdm(first, GetVersion);
        await using var second = await SpdmSocketClient.ConnectAsync("127.0.0.1", server.Port, FastClient);

        var waiting = Spdm(second, GetVersion);
        var servedEarly = await Task.WhenAny(waiting, Task.Delay(200)) == waiting;
        await first.DisposeAsync();
        var answer = await waiting;

        Assert.That(servedEarly, Is.False, "one client at a time, as spdm-emu");
        Assert.That(answer[1], Is.EqualTo((byte)SpdmCode.Version));
    }

    [Test]
    public async Task Client_always_ends_with_continue_so_a_strict_spdm_emu_like_server_survives()
    {
        var strict = new SpdmSocketServerOptions { StopOnAbruptClose = true };
        await using var server = Started(new SpdmSocketServer([new SpdmResponder()], strict));
        await using (var client = await SpdmSocketClient.ConnectAsync("127.0.0.1", server.Port, FastClient))
            await Spdm(client, GetVersion);

        await using (var again = await SpdmSocketClient.ConnectAsync("127.0.0.1", server.Port, FastClient))
            Assert.That((await Spdm(again, GetVersion))[1], Is.EqualTo((byte)SpdmCode.Version));
        Assert.That(server.Completion.IsCompleted, Is.False);

        using (var rude = new TcpClient())
            await rude.ConnectAsync(IPAddress.Loopback, server.Port);
        Assert.That(server.Completion.Wait(TimeSpan.FromSeconds(5)), Is.True, "closing without CONTINUE stops a strict server, as it stops spdm-emu");
    }

    [Test]
    public async Task Shutdown_stops_the_server()
    {
        var server = Started(new SpdmSocketServer([new SpdmResponder()]));
        await using var _ = server;
        var client = await SpdmSocketClient.ConnectAsync("127.0.0.1", server.Port, FastClient);

        await client.ShutdownAsync();

        Assert.That(server.Completion.Wait(TimeSpan.FromSeconds(5)), Is.True, "server loop ended");
        var refused = Assert.ThrowsAsync<CmaException>(async () => await SpdmSocketClient.ConnectAsync("127.0.0.1", server.Port, FastClient));
        Assert.That(refused!.Kind, Is.EqualTo(CmaErrorKind.NotFound));
        Assert.That(refused.Message, Does.Contain($"127.0.0.1:{server.Port}").And.Contain("refused"));
    }

    [TestCase(0x1234u, SpdmSocketTransport.PciDoe)]
    [TestCase((uint)SpdmSocketCommand.Normal, SpdmSocketTransport.Mctp)]
    public async Task Unknown_command_or_transport_is_answered_unknown_and_the_client_dropped(uint command, SpdmSocketTransport transport)
    {
        await using var server = Started(new SpdmSocketServer([new SpdmResponder()]));
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(IPAddress.Loopback, server.Port);
        var stream = tcp.GetStream();

        await SpdmSocketFrameIO.WriteAsync(stream, SpdmSocketFrame.Empty((SpdmSocketCommand)command, transport), CancellationToken.None);
        var reply = await SpdmSocketFrameIO.ReadAsync(stream, 64, CancellationToken.None);

        Assert.That(reply!.Command, Is.EqualTo(SpdmSocketCommand.Unknown));
        Assert.That(await SpdmSocketFrameIO.ReadAsync(stream, 64, CancellationToken.None), Is.Null, "connection closed after UNKNOWN");
    }

    [Test]
    public async Task Reply_larger_than_qemus_buffer_is_never_sent()
    {
        await using var server = Started(new SpdmSocketServer([new SpdmResponder(new SpdmResponderConfig { MaxCertificatePortion = 0xFFFF, BaseAsym = BaseAsymAlgorithms.EcdsaP256 })],
            new SpdmSocketServerOptions { MaxReplyBytes = 512 }));
        await using var client = await SpdmSocketClient.ConnectAsync("127.0.0.1", server.Port, FastClient);
        await Spdm(client, GetVersion);
        await Spdm(client, new CapabilitiesMessage(SpdmVersion.V12, true, 20, SpdmCapabilityFlags.Cert | SpdmCapabilityFlags.Chal, 4096, 4096).ToArray());
        await Spdm(client, new NegotiateAlgorithmsRequest(SpdmVersion.V12, MeasurementSpecification.Dmtf, 0, BaseAsymAlgorithms.EcdsaP256, BaseHashAlgorithms.Sha256, []).ToArray());

        var small = await Spdm(client, new GetCertificateRequest(SpdmVersion.V12, 0, 0, 100).ToArray());
        var error = Assert.ThrowsAsync<CmaException>(async () => await Spdm(client, new GetCertificateRequest(SpdmVersion.V12, 0, 100, GetCertificateRequest.WholeChain).ToArray()));

        Assert.That(small[1], Is.EqualTo((byte)SpdmCode.Certificate));
        Assert.That(error!.Kind, Is.EqualTo(CmaErrorKind.ProtocolError));
        Assert.That(error.Message, Does.Contain("empty response"));
    }

    [Test]
    public async Task Silent_peer_times_out_and_the_connection_is_then_unusable()
    {
        // Reads everything and never answers; ends when the client hangs up.
        await using var peer = new ScriptedPeer(async stream =>
        {
            var sink = new byte[256];
            while (await stream.ReadAsync(sink) > 0)
            {
            }
        });
        await using var client = await SpdmSocketClient.ConnectAsync("127.0.0.1", peer.Port, FastClient with { CloseTimeout = TimeSpan.FromMilliseconds(50) });
        client.ResponseTimeout = TimeSpan.FromMilliseconds(100);

        var timeout = Assert.ThrowsAsync<CmaException>(async () => await client.ExchangeAsync(new DoeObject(DoeProtocol.Cma, GetVersion)));
        var after = Assert.ThrowsAsync<CmaException>(async () => await client.ExchangeAsync(new DoeObject(DoeProtocol.Cma, GetVersion)));

        Assert.That(timeout!.Kind, Is.EqualTo(CmaErrorKind.Timeout));
        Assert.That(timeout.Message, Does.Contain("no response within 100 ms"));
        Assert.That(after!.Kind, Is.EqualTo(CmaErrorKind.Failed));
        Assert.That(after.Message, Does.Contain("unusable"));
    }

    [Test]
    public async Task Malformed_doe_object_in_a_reply_is_a_protocol_error()
    {
        await using var peer = new ScriptedPeer(async stream =>
        {
            await SpdmSocketFrameIO.ReadAsync(stream, 4096, CancellationToken.None);
            byte[] lyingHeader = [0x01, 0x00, 0x01, 0x00, 0x09, 0x00, 0x00, 0x00, 0x10, 0x04, 0x00, 0x00];
            await SpdmSocketFrameIO.WriteAsync(stream, new SpdmSocketFrame(SpdmSocketCommand.Normal, SpdmSocketTransport.PciDoe, lyingHeader), CancellationToken.None);
            await SpdmSocketFrameIO.ReadAsync(stream, 4096, CancellationToken.None);
        });
        await using var client = await SpdmSocketClient.ConnectAsync("127.0.0.1", peer.Port, FastClient);

        var error = Assert.ThrowsAsync<CmaException>(async () => await client.ExchangeAsync(new DoeObject(DoeProtocol.Cma, GetVersion)));

        Assert.That(error!.Kind, Is.EqualTo(CmaErrorKind.ProtocolError));
        Assert.That(error.Message, Does.Contain("malformed DOE object"));
    }

    private static SpdmSocketServer Started(SpdmSocketServer server)
    {
        server.Start();
        return server;
    }

    private static async Task<byte[]> Spdm(SpdmSocketClient client, byte[] request)
    {
        var response = await client.ExchangeAsync(new DoeObject(DoeProtocol.Cma, request));
        return response.Payload.ToArray();
    }

    /// <summary>A one-connection TCP peer that runs a script, for client behaviour a correct server never shows.</summary>
    private sealed class ScriptedPeer : IAsyncDisposable
    {
        private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
        private readonly Task _run;

        public ScriptedPeer(Func<NetworkStream, Task> script)
        {
            _listener.Start();
            Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
            _run = Task.Run(async () =>
            {
                using var tcp = await _listener.AcceptTcpClientAsync();
                try
                {
                    await script(tcp.GetStream());
                }
                catch (Exception e) when (e is IOException or CmaException)
                {
                    // The client hung up first: fine for these scripts.
                }
            });
        }

        public int Port { get; }

        public async ValueTask DisposeAsync()
        {
            _listener.Stop();
            await Task.WhenAny(_run, Task.Delay(TimeSpan.FromSeconds(6)));
        }
    }
}
