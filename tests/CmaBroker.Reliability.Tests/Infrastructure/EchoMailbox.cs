using CmaBroker.Daemon.Tests.Infrastructure;
using CmaBroker.Doe.Echo;
using Tmds.DBus.Protocol;

namespace CmaBroker.Reliability.Tests.Infrastructure;

/// <summary>Finds the mailbox of the reliability broker's <c>emulated:echo#0</c> that lists the echo protocol.</summary>
public static class EchoMailbox
{
    public static async Task<string> PathAsync(BrokerUnderTest broker)
    {
        string device = await broker.DevicePathAsync("emulated:echo").ConfigureAwait(false);
        foreach (ObjectPath path in (await broker.Client.GetPropertyAsync(device, Names.Device, "Mailboxes").ConfigureAwait(false)).GetArray<ObjectPath>())
        {
            VariantValue protocols = await broker.Client.GetPropertyAsync(path.ToString(), Names.Mailbox, "Protocols").ConfigureAwait(false);
            for (int i = 0; i < protocols.Count; i++)
            {
                if (protocols.GetItem(i).GetItem(0).GetUInt16() == DoeEcho.VendorId && protocols.GetItem(i).GetItem(1).GetByte() == DoeEcho.Type)
                    return path.ToString();
            }
        }
        throw new AssertionException($"emulated:echo#0 has no mailbox listing {DoeEcho.Protocol}");
    }
}
