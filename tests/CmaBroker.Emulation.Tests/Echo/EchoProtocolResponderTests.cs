using CmaBroker.Doe;
using CmaBroker.Doe.Echo;
using CmaBroker.Emulation.Echo;
using CmaBroker.Emulation.Profiles;

namespace CmaBroker.Emulation.Tests.Echo;

public class EchoProtocolResponderTests
{
    private static byte[] TagOf(byte seed) => Enumerable.Range(seed, DoeEcho.TagLength).Select(i => (byte)i).ToArray();

    [Test]
    public async Task The_echo_profile_lists_the_echo_protocol_on_its_second_mailbox_and_no_cma()
    {
        using var device = EmulatedDevices.Create(new EmulatedDeviceSpec(EmulatedProfiles.Echo));
        Assert.That(device.Mailboxes.Select(m => m.Offset), Is.EqualTo(new[] { 0x160, 0x180 }));
        using var first = new DoeMailbox(device, 0x160);
        using var second = new DoeMailbox(device, 0x180);

        Assert.That(await DoeDiscovery.DiscoverAsync(first, 2), Is.EqualTo(new[] { DoeProtocol.Discovery }));
        Assert.That(await DoeDiscovery.DiscoverAsync(second, 2), Is.EqualTo(new[] { DoeProtocol.Discovery, DoeEcho.Protocol }));
        Assert.That(device.Address.ToString(), Is.EqualTo("ca00:00:00.0"));
    }

    [Test]
    public async Task Each_request_comes_back_with_its_own_tag_and_payload_through_the_registers()
    {
        using var device = EmulatedDevices.Create(new EmulatedDeviceSpec(EmulatedProfiles.Echo));
        using var mailbox = new DoeMailbox(device, 0x180);

        for (byte n = 0; n < 4; n++)
        {
            byte[] payload = Enumerable.Repeat(n, 4 * n).ToArray();
            DoeObject response = await mailbox.ExchangeAsync(new DoeObject(DoeEcho.Protocol, DoeEcho.Encode(TagOf(n), payload)));

            Assert.That(response.Protocol, Is.EqualTo(DoeEcho.Protocol));
            Assert.That(DoeEcho.TryParse(response.Payload.Span, out var tag, out var echoed, out _), Is.True);
            Assert.That(tag.ToArray(), Is.EqualTo(TagOf(n)));
            Assert.That(echoed.ToArray(), Is.EqualTo(payload));
        }
        var responder = (EchoProtocolResponder)device.Mailboxes[1].ResponderFor(DoeEcho.Protocol)!;
        Assert.That(responder.Answered, Is.EqualTo(4));
    }

    [Test]
    public void A_request_the_codec_refuses_is_discarded_and_counted()
    {
        var responder = new EchoProtocolResponder();

        Assert.That(responder.Respond(new byte[12]), Is.Null, "no whole tag");
        Assert.That(responder.Respond(new byte[DoeEcho.MaxMessageLength + 4]), Is.Null, "over the bound");
        Assert.That(responder.Refused, Is.EqualTo(2));
        Assert.That(responder.Answered, Is.Zero);
        Assert.That(responder.Respond(TagOf(7)), Is.EqualTo(TagOf(7)));
    }

    [Test]
    public void Only_the_echo_profile_gets_the_responder()
    {
        var provider = new EchoProtocolProvider();
        Assert.That(provider.CreateResponders(new EmulatedDeviceSpec(EmulatedProfiles.Echo)).Select(r => r.Protocol), Is.EqualTo(new[] { DoeEcho.Protocol }));
        foreach (string profile in EmulatedProfiles.Names.Where(p => p != EmulatedProfiles.Echo))
            Assert.That(provider.CreateResponders(new EmulatedDeviceSpec(profile)), Is.Empty, profile);
    }
}
