using CmaBroker.Service.State;

namespace CmaBroker.Service.Tests.State;

/// <summary>Sample records whose every field can be checked after a round trip, and whose content follows from one number.</summary>
internal static class StateRecords
{
    public static DeviceStateRecord Sample(string address = "0000:03:00.0", int generation = 1, int payloadBytes = 64) => new()
    {
        Address = address,
        Identity = new DeviceIdentityRecord(0x8086, 0x0d57, 0x1af4, 0x1100, "00-11-22-33-44-55-66-77", Digest(generation)),
        Verdict = "authenticated",
        Reason = $"generation {generation}",
        SpdmVersion = "1.2",
        Algorithms = new Dictionary<string, string> { ["BaseAsymAlgo"] = "ECDSA_P384", ["BaseHashAlgo"] = "SHA_384" },
        ChallengedSlot = 0,
        Chains = [new CertificateChainRecord(0, [Payload(generation, 32), Payload(generation + 1, payloadBytes)], "valid")],
        MeasurementState = "match",
        MismatchedIndices = [3, 7],
        Measurements = [new MeasurementRecord(1, 1, 0x80, Payload(generation, 48)), new MeasurementRecord(2, 1, 1, Payload(generation, payloadBytes))],
        AuthenticatedAt = new DateTimeOffset(2026, 11, 24, 22, 0, 0, TimeSpan.Zero).AddSeconds(generation),
        FirstSeen = new DateTimeOffset(2026, 11, 1, 0, 0, 0, TimeSpan.Zero),
        History = [new AuthenticationEventRecord(new DateTimeOffset(2026, 11, 24, 22, 0, 0, TimeSpan.Zero), AuthenticationEventKinds.Authentication, "authenticated", "", Digest(generation))],
    };

    /// <summary>Deterministic bytes for a generation: a torn or mixed file cannot match them.</summary>
    public static byte[] Payload(int generation, int length)
    {
        var bytes = new byte[length];
        new Random(generation * 7919 + length).NextBytes(bytes);
        return bytes;
    }

    public static string Digest(int generation) => Convert.ToHexStringLower(Payload(generation, 32));

    /// <summary>The generation a record was built from, after checking every byte agrees with it.</summary>
    public static int CheckedGeneration(DeviceStateRecord record, int payloadBytes)
    {
        int generation = int.Parse(record.Reason["generation ".Length..]);
        var expected = Sample(record.Address, generation, payloadBytes);
        if (record.Identity != expected.Identity
            || !record.Measurements.Select(m => m.Value).Zip(expected.Measurements.Select(m => m.Value)).All(p => p.First.AsSpan().SequenceEqual(p.Second))
            || !record.Chains[0].Certificates.Zip(expected.Chains[0].Certificates).All(p => p.First.AsSpan().SequenceEqual(p.Second)))
            throw new InvalidDataException($"record of {record.Address} mixes generations (claims {generation})");
        return generation;
    }
}
