using CmaBroker.Doe;
using CmaBroker.Doe.Targets;
using CmaBroker.Emulation;
using CmaBroker.Emulation.Cdat;
using CmaBroker.Emulation.Profiles;
using CmaBroker.Emulation.Spdm;
using CmaBroker.Service.Configuration;
using CmaBroker.Service.Cxl;
using CmaBroker.Service.Devices;
using CmaBroker.Service.Scheduling;
using CmaBroker.Service.Tests.Support;
using CmaBroker.Spdm.Authentication;
using CmaBroker.Spdm.Messages;
using NUnit.Framework;

namespace CmaBroker.Service.Tests.Cxl;

/// <summary>
/// Fairness without timing (issue 15): one emulated mailbox serves both CMA/SPDM and CDAT; the emulator holds an
/// SPDM authentication under the broker's lease at a gate (CHALLENGE answered ResponseNotReady while closed), and a
/// CDAT read on the same mailbox, through the same scheduler, completes while the gate is still closed. Were the
/// CDAT class starved behind the SPDM flow, its requests would fail with Timeout at their deadline instead.
/// </summary>
[TestFixture]
public sealed class CdatFairnessTests
{
    [Test]
    [CancelAfter(60_000)]
    public async Task A_cdat_read_completes_on_the_mailbox_while_an_spdm_flow_there_is_held_at_a_gate()
    {
        using var temp = new TempDirectory();
        var gate = new SpdmResponderGate(SpdmCode.Challenge);
        var spdm = new SpdmResponder(SpdmProfiles.ConfigFor(EmulatedProfiles.Good)! with
        {
            Gate = gate,
            Faults = new SpdmResponderFaults { NotReadyRdtExponent = 0 }, // retry at once: the SPDM queue stays busy
        });
        var table = CdatProfiles.TableFor(EmulatedProfiles.CxlMem)!;
        var cdat = new CdatResponder(table);
        var opener = new SharedMailboxOpener(new EmulatedMailboxSpec([spdm, cdat]));
        var config = new BrokerConfig
        {
            SysfsRoot = temp.Sub("sys"),
            Targets = ["emulated:cxl-mem"],
            ScanPci = false,
            TrustDirectory = Path.Combine(temp.Path, "trust.d"),
            ReferenceDirectory = Path.Combine(temp.Path, "reference.d"),
        };
        await using var registry = new DeviceRegistry(config, opener);
        await registry.RescanAsync();
        var device = registry.Devices.Single();
        var mailbox = device.Mailboxes.Single();
        Assert.That(mailbox.Protocols, Is.SupersetOf(new[] { DoeProtocol.Cma, DoeProtocol.CdatTableAccess }), "one mailbox, both protocols");

        await using var lease = await mailbox.Scheduler!.AcquireLeaseAsync(MailboxScheduler.BrokerOwner, TimeSpan.FromSeconds(50));
        var options = new AuthenticationOptions
        {
            TrustAnchors = SpdmProfiles.TrustAnchors,
            MaxResponseNotReadyRounds = int.MaxValue,
            MaxResponseNotReadyWait = TimeSpan.Zero,
        };
        var flow = Task.Run(() => SpdmAuthenticator.AuthenticateAsync(lease, options));
        await gate.Reached;

        var read = await new DeviceCdatReader(config.SysfsRoot).ReadAsync(device, ":1.99");

        Assert.That(gate.IsOpen, Is.False, "the SPDM flow is still held");
        Assert.That(flow.IsCompleted, Is.False, "the SPDM flow has not finished");
        Assert.That(lease.IsActive, Is.True, "the broker's SPDM lease is still held");
        Assert.That(read.Origin, Is.EqualTo(mailbox.ObjectPathElement), "same mailbox as the SPDM flow");
        Assert.That(read.Table.Raw.ToArray(), Is.EqualTo(table.Raw.ToArray()));
        Assert.That(cdat.Requests, Is.EqualTo(1 + table.Entries().Count), "entry 0 for the cache check, then every entry");
        Assert.That(gate.HeldAnswers, Is.GreaterThanOrEqualTo(1), "the flow was answered ResponseNotReady at the gate");

        gate.Open();
        var result = await flow;

        Assert.That(result.Verdict, Is.EqualTo(AuthenticationVerdict.Authenticated), result.Reason);
    }

    /// <summary>Opens one emulated function whose single mailbox is <paramref name="spec"/>, through the real register driver and Discovery.</summary>
    private sealed class SharedMailboxOpener(EmulatedMailboxSpec spec) : ITargetOpener
    {
        public async Task<OpenedDevice> OpenAsync(TargetName target, CancellationToken cancellationToken)
        {
            var identity = new EmulatedPciIdentity(EmulatedProfiles.EmulatedVendorId, 0xCA04, EmulatedProfiles.EmulatedVendorId, 0xCA04,
                EmulatedProfiles.ClassCode, 1, 0xCA00_0000_0000_0015);
            var function = new EmulatedPciFunction(identity, [spec], new PciAddress(PciAddress.EmulatedDomain, 0x7e, 0, 0));
            var driver = new DoeMailbox(function, EmulatedPciFunction.FirstMailboxOffset,
                new DoeMailboxOptions { Timeout = TimeSpan.FromSeconds(2), AbortTimeout = TimeSpan.FromMilliseconds(200) });
            var protocols = await DoeDiscovery.DiscoverAsync(driver, spec.CapabilityVersion, cancellationToken);
            return new OpenedDevice(target, function.Address, PciDeviceIdentity.Read(function),
                [new OpenedDoeMailbox(EmulatedPciFunction.FirstMailboxOffset, spec.CapabilityVersion, driver, protocols)], null);
        }
    }
}
