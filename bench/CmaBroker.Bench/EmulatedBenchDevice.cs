using CmaBroker.Doe;
using CmaBroker.Emulation;
using CmaBroker.Emulation.Profiles;
using CmaBroker.Emulation.Spdm;

namespace CmaBroker.Bench;

/// <summary>
/// An emulated device of one profile with every responder (SPDM, Secured CMA, CDAT) on ONE DOE mailbox, each
/// wrapped so that the CPU its Respond calls take on the calling thread is counted apart in <see cref="Device"/>.
/// The emulator's own factory puts CDAT on a second mailbox; the benchmarks that measure contention need both on one.
/// The device's IDE port and the emulated root port above it come with it, as the factory builds them.
/// </summary>
internal sealed class EmulatedBenchDevice : IDisposable
{
    private EmulatedBenchDevice(EmulatedPciFunction function, IReadOnlyList<IDoeResponder> responders, DeviceCpuMeter meter)
    {
        Function = function;
        Responders = responders;
        Device = meter;
    }

    public EmulatedPciFunction Function { get; }

    /// <summary>The responders as the mailbox serves them (timed wrappers around the profile's own).</summary>
    public IReadOnlyList<IDoeResponder> Responders { get; }

    /// <summary>CPU and messages of the device's Respond calls.</summary>
    public DeviceCpuMeter Device { get; }

    public static EmulatedBenchDevice Create(string profile, Func<SpdmResponderConfig, SpdmResponderConfig>? tuning = null)
    {
        var spec = new EmulatedDeviceSpec(profile) { SpdmTuning = tuning };
        var p = EmulatedProfiles.Get(profile);
        var inner = EmulatedDevices.Providers.SelectMany(provider => provider.CreateResponders(spec)).ToList();
        var meter = new DeviceCpuMeter();
        var timed = inner.Select(r => (IDoeResponder)new TimedDoeResponder(r, meter)).ToList();
        var identity = new EmulatedPciIdentity(p.VendorId, p.DeviceId, EmulatedProfiles.EmulatedVendorId, p.DeviceId,
            EmulatedProfiles.ClassCode, 1, spec.SerialNumber);
        var idePort = inner.OfType<SpdmResponder>().Select(r => r.Config.IdeKm?.Port).FirstOrDefault(port => port is not null);
        var function = new EmulatedPciFunction(identity, [new EmulatedMailboxSpec(timed, p.DoeCapabilityVersion, p.ResponseLatency)],
            spec.Address, null, idePort);
        return new EmulatedBenchDevice(function, timed, meter);
    }

    /// <summary>The responders as an in-process exchange (no register driver), routed by DOE protocol, as AuthBenchmark uses its responder.</summary>
    public IDoeExchange DirectExchange() => new ResponderExchange(Responders.ToDictionary(r => r.Protocol));

    public void Dispose() => Function.Dispose();

    private sealed class ResponderExchange(Dictionary<DoeProtocol, IDoeResponder> responders) : IDoeExchange
    {
        public ValueTask<DoeObject> ExchangeAsync(DoeObject request, CancellationToken cancellationToken = default)
        {
            var responder = responders.GetValueOrDefault(request.Protocol) ?? throw new InvalidOperationException($"no responder for {request.Protocol}");
            byte[] response = responder.Respond(request.Payload.Span) ?? throw new InvalidOperationException("responder gave no answer");
            return ValueTask.FromResult(new DoeObject(request.Protocol, response));
        }
    }

    private sealed class TimedDoeResponder(IDoeResponder inner, DeviceCpuMeter meter) : IDoeResponder
    {
        public DoeProtocol Protocol => inner.Protocol;

        public byte[]? Respond(ReadOnlySpan<byte> requestPayload)
        {
            long before = CpuClock.ThreadNanoseconds();
            try
            {
                return inner.Respond(requestPayload);
            }
            finally
            {
                meter.Add(CpuClock.ThreadNanoseconds() - before);
            }
        }
    }
}

/// <summary>Thread CPU the emulated device's Respond calls took, and how many there were (thread-safe).</summary>
internal sealed class DeviceCpuMeter
{
    private long _nanoseconds, _messages;

    public long Nanoseconds => Interlocked.Read(ref _nanoseconds);

    public long Messages => Interlocked.Read(ref _messages);

    public void Add(long nanoseconds)
    {
        Interlocked.Add(ref _nanoseconds, nanoseconds);
        Interlocked.Increment(ref _messages);
    }
}
