using NUnit.Framework;

namespace CmaBroker.Hotplug.Tests;

public class UeventSenderPolicyTests
{
    [Test]
    public void KernelFormatFromPortZeroIsAccepted()
    {
        Assert.That(UeventSenderPolicy.Accept(UeventFormat.Kernel, new UeventSender(0, 1, 0, 0, 0), udevGroupEnabled: false, out _), Is.True);
    }

    [Test]
    public void KernelFormatFromUserspaceIsRejectedEvenAsRoot()
    {
        Assert.That(UeventSenderPolicy.Accept(UeventFormat.Kernel, new UeventSender(4711, 1, 4711, 0, 0), udevGroupEnabled: true, out var reason), Is.False);
        Assert.That(reason, Does.Contain("userspace"));
    }

    [Test]
    public void LibudevFormatFromRootIsAcceptedOnlyWhenTheUdevGroupIsEnabled()
    {
        var root = new UeventSender(812, 2, 812, 0, 0);
        Assert.That(UeventSenderPolicy.Accept(UeventFormat.Libudev, root, udevGroupEnabled: true, out _), Is.True);
        Assert.That(UeventSenderPolicy.Accept(UeventFormat.Libudev, root, udevGroupEnabled: false, out _), Is.False);
    }

    [Test]
    public void LibudevFormatFromAnotherUserIsRejected()
    {
        Assert.That(UeventSenderPolicy.Accept(UeventFormat.Libudev, new UeventSender(812, 2, 812, 1000, 1000), udevGroupEnabled: true, out var reason), Is.False);
        Assert.That(reason, Does.Contain("uid 1000"));
    }

    [Test]
    public void LibudevFormatWithoutCredentialsIsRejected()
    {
        Assert.That(UeventSenderPolicy.Accept(UeventFormat.Libudev, new UeventSender(812, 2, null, null, null), udevGroupEnabled: true, out var reason), Is.False);
        Assert.That(reason, Does.Contain("without sender credentials"));
    }
}
