using NUnit.Framework;

namespace CmaBroker.Service.Tests.Support;

/// <summary>Tests that build a private sysfs tree: a fresh temp directory with <c>sys/</c> below it for each test.</summary>
public abstract class FakeSysfsFixture
{
    private protected TempDirectory Temp { get; private set; } = null!;

    private protected FakeSysfs Sysfs { get; private set; } = null!;

    [SetUp]
    public void CreateSysfsTree()
    {
        Temp = new TempDirectory();
        Sysfs = new FakeSysfs(Temp.Sub("sys"));
    }

    [TearDown]
    public void RemoveSysfsTree() => Temp.Dispose();
}
