using System.Security.Cryptography;
using CmaBroker.IdeKm.Messages;
using CmaBroker.IdeKm.Registers;
using Microsoft.Extensions.Logging;

namespace CmaBroker.IdeKm.Streams;

/// <summary>
/// Sets up, refreshes and stops one Selective IDE stream between a device (keyed with IDE_KM in its
/// SPDM session, registers in its IDE Extended Capability) and its host port. No I/O of its own:
/// everything goes through <see cref="IIdeKmChannel"/>, <see cref="IIdeRegisterAccess"/> and
/// <see cref="IIdeHostPort"/>. The order is the PCIe specification's example (see <see cref="SetupAsync"/>).
/// Keys: 32 fresh CSPRNG bytes per KEY_PROG, IFV 1, zeroed once both ports have them, never logged.
/// </summary>
public sealed partial class SelectiveStreamDriver
{
    private readonly IIdeKmChannel _channel;
    private readonly IIdeRegisterAccess _device;
    private readonly IdeHostBinding _host;
    private readonly ILogger? _logger;

    public SelectiveStreamDriver(IIdeKmChannel channel, IIdeRegisterAccess deviceRegisters, IdeHostBinding host, ILogger? logger = null)
    {
        _channel = channel ?? throw new ArgumentNullException(nameof(channel));
        _device = deviceRegisters ?? throw new ArgumentNullException(nameof(deviceRegisters));
        _host = host ?? throw new ArgumentNullException(nameof(host));
        _logger = logger;
    }

    /// <summary>Source of key bytes (a CSPRNG; tests may watch it, never replace it with something weaker in production).</summary>
    internal Action<Span<byte>> FillKey { get; init; } = RandomNumberGenerator.Fill;

    /// <summary>QUERY → QUERY_RESP for <paramref name="portIndex"/>: read-only, needs no host port.</summary>
    public async Task<IdeQueryResult> QueryAsync(byte portIndex, CancellationToken cancellationToken)
    {
        var answer = await _channel.ExchangeAsync(new IdeKmQuery(portIndex), cancellationToken).ConfigureAwait(false);
        if (answer is not IdeKmQueryResponse response)
            throw new IdeKmException(IdeKmFailure.Protocol, $"QUERY answered with {answer.ObjectId}, expected QUERY_RESP");
        if (response.PortIndex != portIndex)
            throw new IdeKmException(IdeKmFailure.Protocol, $"QUERY_RESP names port index {response.PortIndex}, QUERY asked for {portIndex}");
        return IdeQueryResult.From(response);
    }

    private async Task KeyProgramAsync(IIdeHostPort host, byte streamId, byte portIndex, IdeKeySet set, CancellationToken cancellationToken)
    {
        foreach (var slot in KeySubStream.AllOf(set))
        {
            byte[] key = new byte[IdeKeyEncoding.KeySize];
            try
            {
                FillKey(key);
                using (var keyProg = new IdeKmKeyProg(streamId, slot, portIndex, key.ToArray(), IdeKeyEncoding.InitialIfv))
                {
                    Log("KEY_PROG", streamId, slot, "device");
                    var answer = await _channel.ExchangeAsync(keyProg, cancellationToken).ConfigureAwait(false);
                    CheckKpAck(answer, streamId, slot, portIndex);
                }
                // The host port's receiver takes what the device transmits, and the other way round.
                Log("program key", streamId, slot.Swapped(), host.Name);
                await host.ProgramKeyAsync(streamId, slot.Swapped(), key, IdeKeyEncoding.InitialIfv, cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                CryptographicOperations.ZeroMemory(key);
            }
        }
    }

    /// <summary>K_SET_GO (or K_SET_STOP) for the three sub-streams of one direction, device first, then the host.</summary>
    private async Task KeySetAsync(IIdeHostPort host, bool go, byte streamId, byte portIndex, IdeKeySet set, IdeDirection direction, CancellationToken cancellationToken)
    {
        var slots = KeySubStream.AllOf(set).Where(s => s.Direction == direction).ToList();
        foreach (var slot in slots)
        {
            Log(go ? "K_SET_GO" : "K_SET_STOP", streamId, slot, "device");
            var request = go ? IdeKmKeySetMessage.Go(streamId, slot, portIndex) : IdeKmKeySetMessage.Stop(streamId, slot, portIndex);
            var answer = await _channel.ExchangeAsync(request, cancellationToken).ConfigureAwait(false);
            CheckGoStopAck(answer, request);
        }
        foreach (var slot in slots)
        {
            Log(go ? "key set go" : "key set stop", streamId, slot, host.Name);
            if (go)
                await host.KeySetGoAsync(streamId, slot, cancellationToken).ConfigureAwait(false);
            else
                await host.KeySetStopAsync(streamId, slot, cancellationToken).ConfigureAwait(false);
        }
    }

    private static void CheckKpAck(IdeKmMessage answer, byte streamId, KeySubStream slot, byte portIndex)
    {
        if (answer is not IdeKmKpAck ack)
            throw new IdeKmException(IdeKmFailure.Protocol, $"KEY_PROG {slot} answered with {answer.ObjectId}, expected KP_ACK");
        if (ack.StreamId != streamId || ack.SubStream != slot || ack.PortIndex != portIndex)
            throw new IdeKmException(IdeKmFailure.Protocol,
                $"KP_ACK echoes stream {ack.StreamId} {ack.SubStream} port {ack.PortIndex}, KEY_PROG was stream {streamId} {slot} port {portIndex}");
        if (ack.Status != KpAckStatus.Success)
            throw new IdeKmException(IdeKmException.FailureOf(ack.Status), $"KP_ACK for stream {streamId} {slot}: {ack.Status} (status {(byte)ack.Status})");
    }

    private static void CheckGoStopAck(IdeKmMessage answer, IdeKmKeySetMessage request)
    {
        if (answer is not IdeKmKeySetMessage { ObjectId: IdeKmObjectId.KGoStopAck } ack)
            throw new IdeKmException(IdeKmFailure.Protocol, $"{request.ObjectId} {request.SubStream} answered with {answer.ObjectId}, expected K_GOSTOP_ACK");
        if (ack.StreamId != request.StreamId || ack.SubStream != request.SubStream || ack.PortIndex != request.PortIndex)
            throw new IdeKmException(IdeKmFailure.Protocol,
                $"K_GOSTOP_ACK echoes stream {ack.StreamId} {ack.SubStream} port {ack.PortIndex}, {request.ObjectId} was stream {request.StreamId} {request.SubStream} port {request.PortIndex}");
    }

    private static async Task WriteAllAsync(IIdeRegisterAccess registers, IReadOnlyList<(int Offset, uint Value)> writes, CancellationToken cancellationToken)
    {
        foreach (var (offset, value) in writes)
            await registers.WriteAsync(offset, value, cancellationToken).ConfigureAwait(false);
    }

    private static async Task<IdeCapabilityLayout> ReadLayoutAsync(IIdeRegisterAccess registers, CancellationToken cancellationToken)
    {
        // The layout walk reads a handful of dwords; read them up front so the walk itself stays synchronous.
        var cache = new Dictionary<int, uint>();
        uint capability = await registers.ReadAsync(IdeRegisters.CapabilityOffset, cancellationToken).ConfigureAwait(false);
        cache[IdeRegisters.CapabilityOffset] = capability;
        while (true)
        {
            int? missing = null;
            var layout = IdeCapabilityLayout.Read(offset =>
            {
                if (cache.TryGetValue(offset, out uint v))
                    return v;
                missing ??= offset;
                return 0;
            });
            if (missing is null)
                return layout;
            cache[missing.Value] = await registers.ReadAsync(missing.Value, cancellationToken).ConfigureAwait(false);
        }
    }

    private static async Task<List<IdeBlockState>> ReadBlocksAsync(IIdeRegisterAccess registers, IdeCapabilityLayout layout, CancellationToken cancellationToken)
    {
        var values = new Dictionary<int, uint>();
        foreach (var block in layout.SelectiveBlocks)
        {
            values[block.Offset + IdeRegisters.SelectiveControl] = await registers.ReadAsync(block.Offset + IdeRegisters.SelectiveControl, cancellationToken).ConfigureAwait(false);
            values[block.Offset + IdeRegisters.SelectiveStatus] = await registers.ReadAsync(block.Offset + IdeRegisters.SelectiveStatus, cancellationToken).ConfigureAwait(false);
        }
        return IdeQueryResult.BlocksOf(layout, o => values[o]);
    }

    private void Log(string step, byte streamId, KeySubStream slot, string port)
    {
        if (_logger is not null)
            IdeKmLog.Step(_logger, streamId, step, slot, port);
    }
}
