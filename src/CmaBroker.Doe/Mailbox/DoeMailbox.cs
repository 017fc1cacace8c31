using System.Buffers.Binary;
using CmaBroker.Doe.Errors;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace CmaBroker.Doe;

/// <summary>
/// Register-level driver of one DOE mailbox (one DOE Extended Capability) over an
/// <see cref="IConfigSpace"/>, following Linux <c>drivers/pci/doe.c</c> (protocols.md §1.4, §10):
/// Abort once at first use; Busy/Error checked before writing; header and payload written dword by
/// dword, then Go; Data Object Ready polled adaptively (a short spin of immediate re-reads, then
/// backoff up to <see cref="DoeMailboxOptions.MaxPollInterval"/>); the response read dword by
/// dword with a pop after each; Ready checked before the final pop and Error after it. Any failure
/// aborts the mailbox; an Abort that does not clear Busy and Error in time leaves the mailbox dead.
/// Callers are serialized: one exchange at a time.
/// </summary>
public sealed class DoeMailbox : IDoeExchange, IDisposable
{
    private const int VendorIdOffset = 0x00;
    private const uint AllOnes = 0xFFFF_FFFF;
    private const int AllOnesRunCheck = 64;

    private readonly IConfigSpace _config;
    private readonly DoeMailboxOptions _options;
    private readonly ILogger _logger;
    private readonly string _device;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private bool _abortedAtFirstUse;
    private volatile string? _deadReason;
    private int _accesses;
    private int _lastExchangeAccesses;
    private long _totalAccesses;
    private long _exchanges;
    private long _timeouts;
    private long _aborts;

    /// <param name="config">The function's config space.</param>
    /// <param name="capabilityOffset">Offset of the DOE Extended Capability (from <see cref="ExtendedCapabilityWalker"/>).</param>
    /// <param name="options">Timing; <see cref="DoeMailboxOptions.Default"/> when null.</param>
    /// <param name="logger">Receives abort, timeout and dead-mailbox events.</param>
    /// <param name="deviceName">Device label for logs and messages (usually the PCI address).</param>
    public DoeMailbox(IConfigSpace config, int capabilityOffset, DoeMailboxOptions? options = null,
        ILogger? logger = null, string? deviceName = null)
    {
        ArgumentNullException.ThrowIfNull(config);
        if (capabilityOffset < ExtendedCapabilityWalker.FirstOffset || capabilityOffset % 4 != 0
            || capabilityOffset + DoeRegisters.CapabilitySize > config.Size)
            throw new CmaException(CmaErrorKind.InvalidArgument,
                $"0x{capabilityOffset:x} is not a possible DOE capability offset (dword aligned, 0x100..0x{config.Size - DoeRegisters.CapabilitySize:x})");
        _config = config;
        Offset = capabilityOffset;
        _options = options ?? DoeMailboxOptions.Default;
        _logger = logger ?? NullLogger.Instance;
        _device = deviceName ?? "device";
    }

    /// <summary>Config-space offset of the DOE capability.</summary>
    public int Offset { get; }

    /// <summary>True once an Abort failed to clear Busy/Error; every later call throws <see cref="CmaErrorKind.MailboxDead"/>.</summary>
    public bool IsDead => _deadReason is not null;

    /// <summary>Why the mailbox is dead, or null.</summary>
    public string? DeadReason => _deadReason;

    /// <summary>Successful exchanges.</summary>
    public long Exchanges => Interlocked.Read(ref _exchanges);

    /// <summary>Exchanges that ended because the device did not answer in time.</summary>
    public long Timeouts => Interlocked.Read(ref _timeouts);

    /// <summary>Aborts written to the Control register (first use, errors, timeouts, cancellations).</summary>
    public long Aborts => Interlocked.Read(ref _aborts);

    /// <summary>Config reads plus writes made by the last exchange (successful or not), first-use Abort included.</summary>
    public int LastExchangeConfigAccesses => Volatile.Read(ref _lastExchangeAccesses);

    /// <summary>Config reads plus writes made by this mailbox since it was created.</summary>
    public long TotalConfigAccesses => Interlocked.Read(ref _totalAccesses);

    public async ValueTask<DoeObject> ExchangeAsync(DoeObject request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.Payload.Length > DoeObject.MaxPayloadBytes)
            throw new CmaException(CmaErrorKind.InvalidArgument,
                $"DOE request of {request.Payload.Length} bytes exceeds the 2^18-dword object limit ({DoeObject.MaxPayloadBytes} payload bytes)");

        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        _accesses = 0;
        try
        {
            ThrowIfDead();
            DoeObject response = await ExchangeLockedAsync(request, cancellationToken).ConfigureAwait(false);
            Interlocked.Increment(ref _exchanges);
            return response;
        }
        finally
        {
            Volatile.Write(ref _lastExchangeAccesses, _accesses);
            _gate.Release();
        }
    }

    /// <summary>Aborts the mailbox now (e.g. on shutdown, to leave it idle). Throws MailboxDead when the Abort does not complete.</summary>
    public async Task AbortAsync(CancellationToken cancellationToken = default)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ThrowIfDead();
            await AbortLockedAsync("requested").ConfigureAwait(false);
            _abortedAtFirstUse = true;
        }
        finally
        {
            _gate.Release();
        }
    }

    public void Dispose() => _gate.Dispose();

    private async ValueTask<DoeObject> ExchangeLockedAsync(DoeObject request, CancellationToken cancellationToken)
    {
        if (!_abortedAtFirstUse)
        {
            VerifyCapabilityHeader();
            // The kernel aborts every mailbox once to resynchronise before its first request (protocols.md §1.4, §10.4).
            await AbortLockedAsync("first use").ConfigureAwait(false);
            _abortedAtFirstUse = true;
        }

        await WaitUntilReadyToSendAsync(cancellationToken).ConfigureAwait(false);

        try
        {
            WriteObject(request);
            Write(DoeRegisters.Control, DoeRegisters.ControlGo);

            uint status = await WaitForResponseAsync(cancellationToken).ConfigureAwait(false);
            if ((status & DoeRegisters.StatusError) != 0)
                throw await FailAsync(CmaErrorKind.ProtocolError, $"device set DOE Error while processing a {request.Protocol} request").ConfigureAwait(false);
            return await ReadResponseAsync(request.Protocol).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The device may still deliver the response; flush it so the next caller gets its own.
            if (!IsDeviceGone())
                await AbortLockedAsync("cancelled").ConfigureAwait(false);
            throw;
        }
    }

    private void VerifyCapabilityHeader()
    {
        uint header = Read(DoeRegisters.Header);
        if (header == 0xFFFF_FFFF && IsDeviceGone())
            throw Gone();
        if ((header & 0xFFFF) != DoeRegisters.CapabilityId)
            throw new CmaException(CmaErrorKind.NotFound,
                $"{_device}: no DOE capability at 0x{Offset:x3} (extended capability header 0x{header:x8})");
    }

    /// <summary>Send-side checks (§1.4 step 1): Error → abort and fail; Busy → wait up to the timeout; a stale response → abort first.</summary>
    private async ValueTask WaitUntilReadyToSendAsync(CancellationToken cancellationToken)
    {
        uint status = ReadStatus();
        if ((status & DoeRegisters.StatusError) != 0)
            throw await FailAsync(CmaErrorKind.ProtocolError, "DOE Error was set before the request was written").ConfigureAwait(false);

        if ((status & DoeRegisters.StatusBusy) != 0)
        {
            uint? idle = await PollStatusAsync(s => (s & (DoeRegisters.StatusBusy | DoeRegisters.StatusError)) != DoeRegisters.StatusBusy,
                _options.Timeout, cancellationToken).ConfigureAwait(false);
            if (idle is null)
                throw await FailAsync(CmaErrorKind.Busy,
                    $"DOE Busy stayed set for {_options.Timeout.TotalMilliseconds:0} ms: another entity is sending conflicting requests").ConfigureAwait(false);
            if ((idle.Value & DoeRegisters.StatusError) != 0)
                throw await FailAsync(CmaErrorKind.ProtocolError, "DOE Error was set before the request was written").ConfigureAwait(false);
            status = idle.Value;
        }

        if ((status & DoeRegisters.StatusDataObjectReady) != 0)
        {
            // Someone else's response is waiting; reading it would hand the caller a stale object.
            await AbortLockedAsync("stale response before request").ConfigureAwait(false);
        }
    }

    private void WriteObject(DoeObject request)
    {
        var header = DoeObjectHeader.ForPayload(request.Protocol, request.Payload.Length);
        Write(DoeRegisters.WriteMailbox, header.Dword1);
        Write(DoeRegisters.WriteMailbox, header.Dword2);

        ReadOnlySpan<byte> payload = request.Payload.Span;
        int whole = payload.Length / 4;
        for (int i = 0; i < whole; i++)
            Write(DoeRegisters.WriteMailbox, BinaryPrimitives.ReadUInt32LittleEndian(payload.Slice(i * 4, 4)));
        int tail = payload.Length % 4;
        if (tail != 0)
        {
            Span<byte> last = stackalloc byte[4];
            last.Clear();
            payload[(whole * 4)..].CopyTo(last);
            Write(DoeRegisters.WriteMailbox, BinaryPrimitives.ReadUInt32LittleEndian(last));
        }
    }

    /// <summary>Polls until Data Object Ready or Error (§1.4 steps 7–8); on deadline: abort, Timeout.</summary>
    private async ValueTask<uint> WaitForResponseAsync(CancellationToken cancellationToken)
    {
        uint? status = await PollStatusAsync(
            s => (s & (DoeRegisters.StatusDataObjectReady | DoeRegisters.StatusError)) != 0,
            _options.Timeout, cancellationToken).ConfigureAwait(false);
        if (status is not null)
            return status.Value;
        Interlocked.Increment(ref _timeouts);
        _logger.LogWarning("DOE {Device} mailbox 0x{Offset:x3}: no response within {TimeoutMs} ms, aborting",
            _device, Offset, _options.Timeout.TotalMilliseconds);
        throw await FailAsync(CmaErrorKind.Timeout,
            $"no response within {_options.Timeout.TotalMilliseconds:0} ms").ConfigureAwait(false);
    }

    /// <summary>§1.4 steps 9–13: header check, dword-by-dword read with a pop after each, Ready before the final pop, Error after.</summary>
    private async ValueTask<DoeObject> ReadResponseAsync(DoeProtocol expected)
    {
        uint dword1 = Read(DoeRegisters.ReadMailbox);
        Pop();
        uint dword2 = Read(DoeRegisters.ReadMailbox);
        if ((dword1 == AllOnes || dword2 == AllOnes) && IsDeviceGone())
            throw Gone();
        if (!DoeObjectHeader.TryFromDwords(dword1, dword2, out var header))
            throw await FailAsync(CmaErrorKind.ProtocolError, $"response header 0x{dword1:x8} has a non-zero reserved byte").ConfigureAwait(false);
        if (header.Protocol != expected)
            throw await FailAsync(CmaErrorKind.ProtocolError, $"expected a {expected} response, got {header.Protocol}").ConfigureAwait(false);
        if (!header.IsValidLength)
            throw await FailAsync(CmaErrorKind.ProtocolError, $"response length {header.LengthDwords} dwords is below the 2-dword header").ConfigureAwait(false);

        var payload = new byte[header.PayloadDwords * 4];
        if (header.PayloadDwords == 0)
            await CheckReadyBeforeFinalPopAsync().ConfigureAwait(false);
        Pop();
        int allOnesRun = 0;
        for (int i = 0; i < header.PayloadDwords; i++)
        {
            uint value = Read(DoeRegisters.ReadMailbox);
            // All-ones data proves nothing, but a long run of it is worth one Vendor ID read
            // instead of reading up to 2^18 dwords from a device that has gone.
            allOnesRun = value == AllOnes ? allOnesRun + 1 : 0;
            if (allOnesRun == AllOnesRunCheck && IsDeviceGone())
                throw Gone();
            if (i == header.PayloadDwords - 1)
                await CheckReadyBeforeFinalPopAsync().ConfigureAwait(false);
            Pop();
            BinaryPrimitives.WriteUInt32LittleEndian(payload.AsSpan(i * 4), value);
        }

        uint after = ReadStatus();
        if ((after & DoeRegisters.StatusError) != 0)
            throw await FailAsync(CmaErrorKind.ProtocolError, "device set DOE Error while the response was read").ConfigureAwait(false);
        if ((after & DoeRegisters.StatusDataObjectReady) != 0)
            throw await FailAsync(CmaErrorKind.ProtocolError,
                $"response holds more data than its header announced ({header.LengthDwords} dwords)").ConfigureAwait(false);
        return new DoeObject(header.Protocol, payload);
    }

    private async ValueTask CheckReadyBeforeFinalPopAsync()
    {
        if ((ReadStatus() & DoeRegisters.StatusDataObjectReady) == 0)
            throw await FailAsync(CmaErrorKind.ProtocolError,
                "Data Object Ready cleared before the last dword: the response is shorter than its header announced").ConfigureAwait(false);
    }

    /// <summary>Writes Abort and waits for Busy and Error to clear (§1.4 step A); on timeout the mailbox is dead.</summary>
    private async ValueTask AbortLockedAsync(string reason)
    {
        Interlocked.Increment(ref _aborts);
        _logger.LogDebug("DOE {Device} mailbox 0x{Offset:x3}: abort ({Reason})", _device, Offset, reason);
        Write(DoeRegisters.Control, DoeRegisters.ControlAbort);
        // An abort must finish even when the caller gave up: it is what leaves the mailbox usable.
        uint? status = await PollStatusAsync(s => (s & (DoeRegisters.StatusBusy | DoeRegisters.StatusError)) == 0,
            _options.AbortTimeout, CancellationToken.None).ConfigureAwait(false);
        if (status is not null)
            return;
        _deadReason = $"Abort ({reason}) did not clear Busy/Error within {_options.AbortTimeout.TotalMilliseconds:0} ms";
        _logger.LogError("DOE {Device} mailbox 0x{Offset:x3} is dead: {Reason}", _device, Offset, _deadReason);
        throw DeadException();
    }

    /// <summary>Aborts after a failure and returns the exception to throw (DeviceGone when the device vanished).</summary>
    private async ValueTask<CmaException> FailAsync(CmaErrorKind kind, string message)
    {
        if (IsDeviceGone())
            return Gone();
        _logger.LogWarning("DOE {Device} mailbox 0x{Offset:x3}: {Failure}; aborting", _device, Offset, message);
        await AbortLockedAsync(kind.ToString()).ConfigureAwait(false);
        return new CmaException(kind, $"{_device}: DOE mailbox 0x{Offset:x3}: {message}");
    }

    /// <summary>
    /// Adaptive poll: <see cref="DoeMailboxOptions.SpinReads"/> immediate re-reads, a few yields, then
    /// delays doubling from 1 ms up to <see cref="DoeMailboxOptions.MaxPollInterval"/>. Returns the
    /// status that satisfied <paramref name="done"/>, or null when <paramref name="timeout"/> passed.
    /// </summary>
    private async ValueTask<uint?> PollStatusAsync(Func<uint, bool> done, TimeSpan timeout, CancellationToken cancellationToken)
    {
        TimeProvider clock = _options.TimeProvider;
        long start = clock.GetTimestamp();
        var delay = TimeSpan.FromMilliseconds(1);
        for (int attempt = 0; ; attempt++)
        {
            uint status = ReadStatus();
            if (done(status))
                return status;
            if (clock.GetElapsedTime(start) >= timeout)
                return null;
            cancellationToken.ThrowIfCancellationRequested();
            if (attempt < _options.SpinReads)
                continue;
            if (attempt < _options.SpinReads + 4)
            {
                await Task.Yield();
                continue;
            }
            TimeSpan left = timeout - clock.GetElapsedTime(start);
            TimeSpan wait = delay < left ? delay : left;
            if (wait > TimeSpan.Zero)
                await Task.Delay(wait, clock, cancellationToken).ConfigureAwait(false);
            delay = delay * 2 < _options.MaxPollInterval ? delay * 2 : _options.MaxPollInterval;
        }
    }

    /// <summary>Reads Status; all ones plus a Vendor ID of 0xFFFF means the device is gone.</summary>
    private uint ReadStatus()
    {
        uint status = Read(DoeRegisters.Status);
        if (status == 0xFFFF_FFFF && IsDeviceGone())
            throw Gone();
        return status;
    }

    /// <summary>The Vendor ID re-reads as 0xFFFF only when the function is gone; an all-ones data dword alone proves nothing.</summary>
    private bool IsDeviceGone()
    {
        Count();
        return (_config.ReadDword(VendorIdOffset) & 0xFFFF) == 0xFFFF;
    }

    private void Count()
    {
        _accesses++;
        Interlocked.Increment(ref _totalAccesses);
    }

    private CmaException Gone() =>
        new(CmaErrorKind.DeviceGone, $"{_device}: device is gone (Vendor ID reads 0xFFFF)");

    private CmaException DeadException() =>
        new(CmaErrorKind.MailboxDead, $"{_device}: DOE mailbox 0x{Offset:x3} is dead: {_deadReason}");

    private void ThrowIfDead()
    {
        if (_deadReason is not null)
            throw DeadException();
    }

    private void Pop() => Write(DoeRegisters.ReadMailbox, 0);

    private uint Read(int register)
    {
        Count();
        return _config.ReadDword(Offset + register);
    }

    private void Write(int register, uint value)
    {
        Count();
        _config.WriteDword(Offset + register, value);
    }
}
