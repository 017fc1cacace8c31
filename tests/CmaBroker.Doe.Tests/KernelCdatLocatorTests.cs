using CmaBroker.Doe.Cxl;
using CmaBroker.TestSupport;
using NUnit.Framework;

namespace CmaBroker.Doe.Tests;

/// <summary>
/// The kernel-coexistence rule for CDAT on fake sysfs trees shaped like Linux 6.12 under QEMU's CXL topology
/// (tests/e2e/qemu/run.sh --cxl): host bridge pci0000:0c, root port 0000:0c:00.0, type-3 device 0000:0d:00.0.
/// The kernel owns CDAT only when it drives the mailbox for it: a CXL port whose uport is the function or its
/// memdev, or cxl_pci bound. The bus alone (the CXL core built in) is not enough.
/// </summary>
[TestFixture]
public sealed class KernelCdatLocatorTests
{
    private static readonly PciAddress Device = PciAddress.Parse("0000:0d:00.0");
    private static readonly PciAddress Other = PciAddress.Parse("0000:0e:00.0");
    private const string Endpoint = "pci0000:0c/0000:0c:00.0/0000:0d:00.0/mem0";

    private string _root = "";

    [SetUp]
    public void CreateTree()
    {
        _root = Directory.CreateTempSubdirectory("cmabroker-cxl-sysfs-").FullName;
        Directory.CreateDirectory(Path.Combine(_root, "bus", "pci", "devices", Device.ToString()));
    }

    [TearDown]
    public void DeleteTree() => Directory.Delete(_root, recursive: true);

    [Test]
    public void WithoutTheCxlBusTheBrokerOwnsCdat()
    {
        Assert.That(KernelCdatLocator.OwnershipReason(_root, Device, hasCxlDvsec: true), Is.Null);
        Assert.That(KernelCdatLocator.Find(_root, Device), Is.Null);
    }

    [Test]
    public void TheCxlBusWithOnlyTheRootAndTheHostBridgePortLeavesCdatToTheBroker()
    {
        // Debian's kernel (CONFIG_CXL_BUS=y) with cxl_acpi loaded but not cxl_pci: root0 and port1 (uport = host bridge).
        CxlSysfsTree.AddBus(_root);
        CxlSysfsTree.AddPort(_root, "root0", "platform/ACPI0017:00", null);
        CxlSysfsTree.AddPort(_root, "port1", "pci0000:0c", null);

        Assert.That(KernelCdatLocator.OwnershipReason(_root, Device, hasCxlDvsec: true), Is.Null);
        Assert.That(KernelCdatLocator.FindPorts(_root, Device), Is.Empty);
    }

    [Test]
    public void AnEndpointPortWhoseUportIsTheFunctionsMemdevMakesCdatKernelOwnedAndItsAttributeIsTheCopy()
    {
        string attribute = CxlSysfsTree.AddPort(_root, "endpoint2", Endpoint, [1, 2, 3, 4]);
        CxlSysfsTree.AddPort(_root, "port1", "pci0000:0c", null);

        string? reason = KernelCdatLocator.OwnershipReason(_root, Device, hasCxlDvsec: true);

        Assert.That(reason, Does.Contain("CXL DVSEC present").And.Contain("endpoint2"));
        Assert.That(KernelCdatLocator.Find(_root, Device), Is.EqualTo(attribute));
    }

    [Test]
    public void ASwitchPortWhoseUportIsTheFunctionItselfMakesCdatKernelOwned()
    {
        CxlSysfsTree.AddPort(_root, "port3", "pci0000:0c/0000:0c:00.0/0000:0d:00.0", null);

        Assert.That(KernelCdatLocator.OwnershipReason(_root, Device, hasCxlDvsec: true), Does.Contain("port3"));
        Assert.That(KernelCdatLocator.FindPorts(_root, Device).Select(Path.GetFileName), Is.EqualTo(new[] { "port3" }));
        Assert.That(KernelCdatLocator.Find(_root, Device), Is.Null, "the kernel's port shows no CDAT attribute");
    }

    [Test]
    public void AnotherFunctionsPortIsNoEvidenceForThisOne()
    {
        CxlSysfsTree.AddPort(_root, "endpoint2", "pci0000:0c/0000:0c:01.0/0000:0e:00.0/mem0", [1, 2, 3, 4]);

        Assert.That(KernelCdatLocator.OwnershipReason(_root, Device, hasCxlDvsec: true), Is.Null);
        Assert.That(KernelCdatLocator.Find(_root, Device), Is.Null);
        Assert.That(KernelCdatLocator.OwnershipReason(_root, Other, hasCxlDvsec: true), Does.Contain("endpoint2"));
    }

    [Test]
    public void CxlPciBoundMakesCdatKernelOwnedBeforeAnyPortExists()
    {
        CxlSysfsTree.AddBus(_root);
        CxlSysfsTree.BindPciDriver(_root, Device.ToString(), KernelCdatLocator.CxlPciDriver);

        Assert.That(KernelCdatLocator.OwnershipReason(_root, Device, hasCxlDvsec: true), Does.Contain("bound to cxl_pci"));
        Assert.That(KernelCdatLocator.Find(_root, Device), Is.Null);
    }

    [Test]
    public void AnotherDriverBoundIsNoEvidence()
    {
        CxlSysfsTree.AddBus(_root);
        CxlSysfsTree.BindPciDriver(_root, Device.ToString(), "pcieport");

        Assert.That(KernelCdatLocator.OwnershipReason(_root, Device, hasCxlDvsec: true), Is.Null);
    }

    [Test]
    public void WithoutACxlDvsecNothingMakesCdatKernelOwned()
    {
        CxlSysfsTree.AddPort(_root, "endpoint2", Endpoint, [1, 2, 3, 4]);
        CxlSysfsTree.BindPciDriver(_root, Device.ToString(), KernelCdatLocator.CxlPciDriver);

        Assert.That(KernelCdatLocator.OwnershipReason(_root, Device, hasCxlDvsec: false), Is.Null);
    }
}
