using CmaBroker.Daemon.Tests.Infrastructure;
using CmaBroker.Reliability.Tests.Infrastructure;
using CmaBroker.TestSupport;

namespace CmaBroker.Reliability.Tests.Hostile;

/// <summary>
/// An unprivileged user (cmatest, through runuser and gdbus) tries every method of the interface XML, driven by
/// <see cref="UnprivilegedAccessTable"/> (expected outcomes derived from the bus policy file and the daemon's
/// AccessTable); the table itself is checked against the XML.
/// </summary>
[TestFixture]
public sealed class UnprivilegedAccessTests
{
    [Test]
    public void TheTableHasExactlyOneRowPerMethodOfTheInterfaceXml()
    {
        var inXml = InterfaceXml.Methods.Select(m => $"{m.Interface}.{m.Name}").ToList();
        var inTable = UnprivilegedAccessTable.Rows.Select(r => r.ToString()).ToList();
        Assert.That(inXml, Is.Not.Empty, "the interface XML was read");
        Assert.Multiple(() =>
        {
            Assert.That(inXml.Except(inTable), Is.Empty, "methods of the interface XML without a row in UnprivilegedAccessTable");
            Assert.That(inTable.Except(inXml), Is.Empty, "rows of UnprivilegedAccessTable for methods the interface XML lacks");
            Assert.That(inTable, Is.Unique, "one row per method");
        });
        // The expectations come from the bus policy and the daemon's AccessTable; both kinds of outcome must occur.
        Assert.That(UnprivilegedAccessTable.Rows.Select(r => r.Unprivileged).Distinct(),
            Is.SupersetOf(new[] { UnprivilegedOutcome.Allowed, UnprivilegedOutcome.DeniedByBusPolicy }));
    }

    [Test]
    public async Task AnUnprivilegedUserGetsWhatTheTableSaysFromEveryMethod()
    {
        BrokerUnderTest broker = await ReliabilityBroker.GetAsync();
        string device = await broker.DevicePathAsync("emulated:good");
        string mailbox = await broker.MailboxPathAsync("emulated:good");
        string cxl = await broker.DevicePathAsync("emulated:cxl-mem");
        // A live lease of root's, so the Lease rows reach a real object (the policy must refuse them anyway).
        string lease = await Leases.AcquireAsync(broker.Client, mailbox, "spdm", 60_000);
        try
        {
            foreach (AccessRow row in UnprivilegedAccessTable.Rows)
            {
                string path = row.Object switch
                {
                    AccessObject.Manager => BusClient.Root,
                    AccessObject.Device => device,
                    AccessObject.Mailbox => mailbox,
                    AccessObject.CxlDevice => cxl,
                    _ => lease,
                };
                RunResult result = await ProcessRunner.RunAsUserAsync(TestAccounts.UnprivilegedUser, "gdbus",
                    ["call", "--address", broker.Bus.Address, "--dest", BusClient.BusName, "--object-path", path,
                     "--method", $"{row.FullInterface}.{row.Method}", .. row.GdbusArguments]);
                switch (row.Unprivileged)
                {
                    case UnprivilegedOutcome.Allowed:
                        Assert.That(result.Error, Does.Not.Contain("AccessDenied"), $"{row}: {result}");
                        Assert.That(result.ExitCode, Is.Zero, $"{row}: {result}");
                        break;
                    case UnprivilegedOutcome.DeniedByBusPolicy:
                        Assert.That(result.ExitCode, Is.Not.Zero, $"{row}: {result}");
                        Assert.That(result.Error, Does.Contain("org.freedesktop.DBus.Error.AccessDenied"), $"{row}: {result}");
                        break;
                    case UnprivilegedOutcome.DeniedByBroker:
                        Assert.That(result.ExitCode, Is.Not.Zero, $"{row}: {result}");
                        Assert.That(result.Error, Does.Contain(Names.ErrorPrefix + "AccessDenied"), $"{row}: {result}");
                        break;
                }
            }
        }
        finally
        {
            await Leases.ReleaseAsync(broker.Client, lease);
        }
    }
}
