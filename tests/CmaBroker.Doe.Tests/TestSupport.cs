using System.Buffers.Binary;
using CmaBroker.Doe;
using CmaBroker.Emulation;

namespace CmaBroker.Doe.Tests;

/// <summary>Vendor-defined test protocol served by <see cref="EchoResponder"/>.</summary>
internal static class TestProtocols
{
    public static readonly DoeProtocol Echo = new(0xABCD, 0x07);
    public static readonly DoeProtocol Unserved = new(0xABCD, 0x08);
}

/// <summary>Answers every request with the request payload itself.</summary>
internal sealed class EchoResponder(DoeProtocol protocol) : IDoeResponder
{
    private int _requests;

    public EchoResponder() : this(TestProtocols.Echo)
    {
    }

    public DoeProtocol Protocol { get; } = protocol;

    public int Requests => Volatile.Read(ref _requests);

    public byte[]? Respond(ReadOnlySpan<byte> requestPayload)
    {
        Interlocked.Increment(ref _requests);
        return requestPayload.ToArray();
    }
}

/// <summary>A provider offering fixed responders, as the SPDM/CDAT providers will.</summary>
internal sealed class FixedProvider(params Func<IDoeResponder>[] responders) : IEmulatedProtocolProvider
{
    public List<EmulatedDeviceSpec> Seen { get; } = new();

    public IEnumerable<IDoeResponder> CreateResponders(EmulatedDeviceSpec spec)
    {
        Seen.Add(spec);
        return responders.Select(f => f());
    }
}

internal static class TestDevices
{
    public static readonly DoeMailboxOptions Fast = new()
    {
        Timeout = TimeSpan.FromMilliseconds(50),
        AbortTimeout = TimeSpan.FromMilliseconds(50),
    };

    public static readonly EmulatedPciIdentity Identity =
        new(0x1B36, 0xCA01, 0x1B36, 0x1234, 0x12_00_00, 0x02, 0x0011_2233_4455_6677);

    public static EmulatedPciFunction Create(byte capabilityVersion = 2, TimeSpan latency = default, TimeProvider? time = null, params IDoeResponder[] responders) =>
        new(Identity, [new EmulatedMailboxSpec(responders.Length == 0 ? [new EchoResponder()] : responders, capabilityVersion, latency)],
            new PciAddress(0xca00, 1, 0, 0), time);

    public static byte[] Pattern(int length, int seed = 1)
    {
        var bytes = new byte[length];
        for (int i = 0; i < length; i++)
            bytes[i] = (byte)(i * 31 + seed);
        return bytes;
    }

    public static DoeObject Echo(byte[] payload) => new(TestProtocols.Echo, payload);

    public static byte[] Hex(string hex) => Convert.FromHexString(hex.Replace(" ", "").Replace("|", ""));

    /// <summary>Writes a raw object into a mailbox and sets Go, as a requester would.</summary>
    public static void WriteRaw(IConfigSpace config, int offset, params uint[] dwords)
    {
        foreach (uint d in dwords)
            config.WriteDword(offset + DoeRegisters.WriteMailbox, d);
        config.WriteDword(offset + DoeRegisters.Control, DoeRegisters.ControlGo);
    }

    public static uint Status(IConfigSpace config, int offset) => config.ReadDword(offset + DoeRegisters.Status);
}

/// <summary>An <see cref="IConfigSpace"/> over a plain byte array, for malformed capability lists no device model produces.</summary>
internal sealed class ByteArrayConfigSpace(int size) : IConfigSpace
{
    public byte[] Bytes { get; } = new byte[size];

    public int Size => Bytes.Length;

    public uint ReadDword(int offset) => BinaryPrimitives.ReadUInt32LittleEndian(Bytes.AsSpan(offset));

    public void WriteDword(int offset, uint value) => BinaryPrimitives.WriteUInt32LittleEndian(Bytes.AsSpan(offset), value);

    public void SetExtendedHeader(int offset, ushort id, byte version, int next) =>
        WriteDword(offset, id | ((uint)version << 16) | ((uint)next << 20));

    public void Dispose()
    {
    }
}

/// <summary>A clock that moves only when told to.</summary>
internal sealed class ManualTimeProvider : TimeProvider
{
    private long _ticks = 1_000_000;

    public override long TimestampFrequency => TimeSpan.TicksPerSecond;

    public override long GetTimestamp() => Interlocked.Read(ref _ticks);

    public void Advance(TimeSpan by) => Interlocked.Add(ref _ticks, by.Ticks);
}

/// <summary>Scripted exchange for Discovery garbage no honest device produces; records the requests.</summary>
internal sealed class ScriptedExchange(Func<DoeObject, DoeObject> answer) : IDoeExchange
{
    public List<byte[]> Requests { get; } = new();

    public ValueTask<DoeObject> ExchangeAsync(DoeObject request, CancellationToken cancellationToken = default)
    {
        Requests.Add(request.Payload.ToArray());
        return ValueTask.FromResult(answer(request));
    }
}

/// <summary>Wraps an exchange and records request payloads.</summary>
internal sealed class RecordingExchange(IDoeExchange inner) : IDoeExchange
{
    public List<DoeObject> Requests { get; } = new();

    public ValueTask<DoeObject> ExchangeAsync(DoeObject request, CancellationToken cancellationToken = default)
    {
        Requests.Add(request);
        return inner.ExchangeAsync(request, cancellationToken);
    }
}
