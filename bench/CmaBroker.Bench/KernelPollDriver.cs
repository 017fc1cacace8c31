using System.Buffers.Binary;
using CmaBroker.Doe;

namespace CmaBroker.Bench;

/// <summary>
/// The latency baseline: a DOE exchange as Linux drivers/pci/doe.c does it — request written dword by
/// dword, Go, one Status read, then a fixed sleep of PCI_DOE_POLL_INTERVAL = HZ/128 (1/128 s ≈ 7.8 ms)
/// between Status reads until Data Object Ready, then the response read with a pop per dword.
/// No error recovery: the benchmark's emulated device never fails, and a failure throws.
/// </summary>
internal sealed class KernelPollDriver(IConfigSpace config, int offset)
{
    public static readonly TimeSpan PollInterval = TimeSpan.FromSeconds(1.0 / 128);

    public async Task<byte[]> ExchangeAsync(DoeProtocol protocol, byte[] payload)
    {
        var header = DoeObjectHeader.ForPayload(protocol, payload.Length);
        config.WriteDword(offset + DoeRegisters.WriteMailbox, header.Dword1);
        config.WriteDword(offset + DoeRegisters.WriteMailbox, header.Dword2);
        for (int i = 0; i < payload.Length / 4; i++)
            config.WriteDword(offset + DoeRegisters.WriteMailbox, BinaryPrimitives.ReadUInt32LittleEndian(payload.AsSpan(i * 4)));
        config.WriteDword(offset + DoeRegisters.Control, DoeRegisters.ControlGo);

        while (true)
        {
            uint status = config.ReadDword(offset + DoeRegisters.Status);
            if ((status & DoeRegisters.StatusError) != 0)
                throw new InvalidOperationException("DOE Error in the baseline driver");
            if ((status & DoeRegisters.StatusDataObjectReady) != 0)
                break;
            await Task.Delay(PollInterval).ConfigureAwait(false);
        }

        uint dword1 = config.ReadDword(offset + DoeRegisters.ReadMailbox);
        config.WriteDword(offset + DoeRegisters.ReadMailbox, 0);
        uint dword2 = config.ReadDword(offset + DoeRegisters.ReadMailbox);
        config.WriteDword(offset + DoeRegisters.ReadMailbox, 0);
        if (!DoeObjectHeader.TryFromDwords(dword1, dword2, out var response) || response.Protocol != protocol)
            throw new InvalidOperationException($"baseline driver read a bad header 0x{dword1:x8} 0x{dword2:x8}");
        var result = new byte[response.PayloadDwords * 4];
        for (int i = 0; i < response.PayloadDwords; i++)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(result.AsSpan(i * 4), config.ReadDword(offset + DoeRegisters.ReadMailbox));
            config.WriteDword(offset + DoeRegisters.ReadMailbox, 0);
        }
        return result;
    }
}
