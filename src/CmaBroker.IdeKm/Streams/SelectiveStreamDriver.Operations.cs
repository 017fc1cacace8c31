using CmaBroker.IdeKm.Messages;
using CmaBroker.IdeKm.Registers;

namespace CmaBroker.IdeKm.Streams;

public sealed partial class SelectiveStreamDriver
{
    /// <summary>The last state this driver saw for a stream (Failed after a failed set-up or refresh).</summary>
    public IdeStreamStatus? LastStatus { get; private set; }

    /// <summary>
    /// QUERY → KEY_PROG ×6 of key set K0 (Rx/Tx × PR/NPR/CPL), each KP_ACK checked and each key given
    /// to the host port for the opposite direction → K_SET_GO Rx ×3 on device and host → K_SET_GO Tx ×3
    /// on both → stream enable on both → state read back from both Stream Status registers. Checks
    /// that need no write come first: a missing host provider, a device without Selective IDE or
    /// IDE_KM, a stream ID in use, too many address ranges. On failure the host port is rolled back,
    /// the device's registers are cleared as far as they can be, and the stream ends Failed.
    /// </summary>
    public async Task<IdeStreamStatus> SetupAsync(IdeStreamOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        var host = _host.Require();
        var query = await QueryAsync(options.PortIndex, cancellationToken).ConfigureAwait(false);
        if (!query.Layout.SelectiveIdeSupported || !query.Layout.IdeKmSupported)
            throw new IdeKmException(IdeKmFailure.Unsupported, $"device port {options.PortIndex} reports no Selective IDE with IDE_KM (IDE Capability 0x{query.Layout.Capability:x8})");
        if (query.Stream(options.StreamId) is not null)
            throw new IdeKmException(IdeKmFailure.InUse, $"stream {options.StreamId} is already set up on the device");
        var deviceBlock = FreeBlock(query.Layout, query.Blocks, "device");
        var hostLayout = await ReadLayoutAsync(host.Registers, cancellationToken).ConfigureAwait(false);
        if (!hostLayout.SelectiveIdeSupported)
            throw new IdeKmException(IdeKmFailure.Unsupported, $"{host.Name} reports no Selective IDE");
        var hostBlocks = await ReadBlocksAsync(host.Registers, hostLayout, cancellationToken).ConfigureAwait(false);
        if (hostBlocks.Any(b => b.Enabled && b.StreamId == options.StreamId))
            throw new IdeKmException(IdeKmFailure.InUse, $"stream {options.StreamId} is already set up on {host.Name}");
        var hostBlock = FreeBlock(hostLayout, hostBlocks, host.Name);
        var deviceWrites = SelectiveStreamSettings.Writes(deviceBlock, options.StreamId, options.RidBase, options.RidLimit, options.AddressRanges);
        var hostWrites = SelectiveStreamSettings.Writes(hostBlock, options.StreamId, options.RidBase, options.RidLimit, options.AddressRanges);

        try
        {
            await WriteAllAsync(_device, deviceWrites, cancellationToken).ConfigureAwait(false);
            await WriteAllAsync(host.Registers, hostWrites, cancellationToken).ConfigureAwait(false);
            await KeyProgramAsync(host, options.StreamId, options.PortIndex, IdeKeySet.K0, cancellationToken).ConfigureAwait(false);
            await KeySetAsync(host, true, options.StreamId, options.PortIndex, IdeKeySet.K0, IdeDirection.Rx, cancellationToken).ConfigureAwait(false);
            await KeySetAsync(host, true, options.StreamId, options.PortIndex, IdeKeySet.K0, IdeDirection.Tx, cancellationToken).ConfigureAwait(false);
            uint control = SelectiveStreamSettings.Control(options.StreamId, enable: true);
            await _device.WriteAsync(deviceBlock.Offset + IdeRegisters.SelectiveControl, control, cancellationToken).ConfigureAwait(false);
            await host.Registers.WriteAsync(hostBlock.Offset + IdeRegisters.SelectiveControl, control, cancellationToken).ConfigureAwait(false);
            return await ExpectAsync(host, options.StreamId, options.PortIndex, deviceBlock, hostBlock, IdeKeySet.K0, "set-up", cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            await FailAsync(host, options.StreamId, options.PortIndex, deviceBlock, hostBlock, "set-up", e).ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>The set-up's key steps on the key set not in use: KEY_PROG ×6 (+ host), K_SET_GO Rx on both, Tx on both, state read back.</summary>
    public async Task<IdeStreamStatus> RefreshAsync(byte streamId, byte portIndex, CancellationToken cancellationToken)
    {
        var host = _host.Require();
        var (deviceBlock, hostBlock) = await FindStreamAsync(host, streamId, portIndex, cancellationToken).ConfigureAwait(false);
        var active = await host.ActiveKeySetAsync(streamId, cancellationToken).ConfigureAwait(false)
            ?? throw new IdeKmException(IdeKmFailure.NotSetUp, $"{host.Name} has no key set going for stream {streamId}");
        var next = active == IdeKeySet.K0 ? IdeKeySet.K1 : IdeKeySet.K0;
        try
        {
            await KeyProgramAsync(host, streamId, portIndex, next, cancellationToken).ConfigureAwait(false);
            await KeySetAsync(host, true, streamId, portIndex, next, IdeDirection.Rx, cancellationToken).ConfigureAwait(false);
            await KeySetAsync(host, true, streamId, portIndex, next, IdeDirection.Tx, cancellationToken).ConfigureAwait(false);
            return await ExpectAsync(host, streamId, portIndex, deviceBlock, hostBlock, next, "refresh", cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            await FailAsync(host, streamId, portIndex, deviceBlock, hostBlock, "refresh", e).ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>K_SET_STOP Tx ×3 then Rx ×3 (device, then host, each time), then both register blocks cleared and the host's keys forgotten.</summary>
    public async Task<IdeStreamStatus> StopAsync(byte streamId, byte portIndex, CancellationToken cancellationToken)
    {
        var host = _host.Require();
        var (deviceBlock, hostBlock) = await FindStreamAsync(host, streamId, portIndex, cancellationToken).ConfigureAwait(false);
        var active = await host.ActiveKeySetAsync(streamId, cancellationToken).ConfigureAwait(false) ?? IdeKeySet.K0;
        await KeySetAsync(host, false, streamId, portIndex, active, IdeDirection.Tx, cancellationToken).ConfigureAwait(false);
        await KeySetAsync(host, false, streamId, portIndex, active, IdeDirection.Rx, cancellationToken).ConfigureAwait(false);
        await WriteAllAsync(_device, SelectiveStreamSettings.Clear(deviceBlock), cancellationToken).ConfigureAwait(false);
        await WriteAllAsync(host.Registers, SelectiveStreamSettings.Clear(hostBlock), cancellationToken).ConfigureAwait(false);
        await host.ClearKeysAsync(streamId, cancellationToken).ConfigureAwait(false);
        var status = await ReadStatusAsync(host, streamId, portIndex, deviceBlock, hostBlock, null, cancellationToken).ConfigureAwait(false);
        LastStatus = status;
        if (status.State != IdeStreamState.Insecure)
            throw new IdeKmException(IdeKmFailure.Protocol, $"stream {streamId} still reads device state {status.DeviceStatus}, host state {status.HostStatus} after stop");
        Done("stop", status);
        return status;
    }

    private async Task<(SelectiveBlockLayout Device, SelectiveBlockLayout Host)> FindStreamAsync(IIdeHostPort host, byte streamId, byte portIndex, CancellationToken cancellationToken)
    {
        var query = await QueryAsync(portIndex, cancellationToken).ConfigureAwait(false);
        var device = query.Stream(streamId) ?? throw new IdeKmException(IdeKmFailure.NotSetUp, $"stream {streamId} is not enabled on device port {portIndex}");
        var hostLayout = await ReadLayoutAsync(host.Registers, cancellationToken).ConfigureAwait(false);
        var hostBlocks = await ReadBlocksAsync(host.Registers, hostLayout, cancellationToken).ConfigureAwait(false);
        var hostBlock = hostBlocks.FirstOrDefault(b => b.Enabled && b.StreamId == streamId)
            ?? throw new IdeKmException(IdeKmFailure.NotSetUp, $"stream {streamId} is not enabled on {host.Name}");
        return (query.Layout.SelectiveBlocks[device.Index], hostLayout.SelectiveBlocks[hostBlock.Index]);
    }

    private static SelectiveBlockLayout FreeBlock(IdeCapabilityLayout layout, IReadOnlyList<IdeBlockState> blocks, string port) =>
        blocks.FirstOrDefault(b => !b.Enabled) is { } free
            ? layout.SelectiveBlocks[free.Index]
            : throw new IdeKmException(IdeKmFailure.InUse, $"{port} has no free Selective IDE Stream register block");

    private async Task<IdeStreamStatus> ExpectAsync(IIdeHostPort host, byte streamId, byte portIndex, SelectiveBlockLayout deviceBlock, SelectiveBlockLayout hostBlock,
        IdeKeySet set, string operation, CancellationToken cancellationToken)
    {
        var status = await ReadStatusAsync(host, streamId, portIndex, deviceBlock, hostBlock, set, cancellationToken).ConfigureAwait(false);
        if (status.State != IdeStreamState.Secure)
            throw new IdeKmException(IdeKmFailure.Protocol, $"stream {streamId} reads device state {status.DeviceStatus}, host state {status.HostStatus} after {operation}, not Secure");
        LastStatus = status;
        Done(operation, status);
        return status;
    }

    private async Task<IdeStreamStatus> ReadStatusAsync(IIdeHostPort host, byte streamId, byte portIndex, SelectiveBlockLayout deviceBlock, SelectiveBlockLayout hostBlock,
        IdeKeySet? set, CancellationToken cancellationToken)
    {
        uint device = await _device.ReadAsync(deviceBlock.Offset + IdeRegisters.SelectiveStatus, cancellationToken).ConfigureAwait(false) & IdeRegisters.StateMask;
        uint hostState = await host.Registers.ReadAsync(hostBlock.Offset + IdeRegisters.SelectiveStatus, cancellationToken).ConfigureAwait(false) & IdeRegisters.StateMask;
        var state = (device, hostState) switch
        {
            (IdeRegisters.StateSecure, IdeRegisters.StateSecure) => IdeStreamState.Secure,
            (IdeRegisters.StateInsecure, IdeRegisters.StateInsecure) => IdeStreamState.Insecure,
            _ => IdeStreamState.Failed,
        };
        return new IdeStreamStatus(streamId, portIndex, state, state == IdeStreamState.Secure ? set : null, device, hostState);
    }

    /// <summary>Roll-back after a failure: the host port forgets the stream (keys and registers); the device's registers are cleared if it still answers.</summary>
    private async Task FailAsync(IIdeHostPort host, byte streamId, byte portIndex, SelectiveBlockLayout deviceBlock, SelectiveBlockLayout hostBlock, string operation, Exception cause)
    {
        LastStatus = new IdeStreamStatus(streamId, portIndex, IdeStreamState.Failed, null, 0, 0);
        try
        {
            await host.ClearKeysAsync(streamId, CancellationToken.None).ConfigureAwait(false);
            await WriteAllAsync(host.Registers, SelectiveStreamSettings.Clear(hostBlock), CancellationToken.None).ConfigureAwait(false);
        }
        finally
        {
            try
            {
                await WriteAllAsync(_device, SelectiveStreamSettings.Clear(deviceBlock), CancellationToken.None).ConfigureAwait(false);
            }
            catch (Exception)
            {
                // A device that is gone or refuses config writes keeps its registers; its keys died with the session.
            }
            if (_logger is not null)
                IdeKmLog.Failed(_logger, streamId, portIndex, operation, host.Name, cause.Message);
        }
    }

    private void Done(string operation, IdeStreamStatus status)
    {
        if (_logger is not null)
            IdeKmLog.Done(_logger, status.StreamId, status.PortIndex, operation, status.State, status.ActiveKeySet);
    }
}
