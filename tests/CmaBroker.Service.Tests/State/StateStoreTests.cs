using CmaBroker.Doe.Errors;
using CmaBroker.Service.State;
using NUnit.Framework;

namespace CmaBroker.Service.Tests.State;

public class StateStoreTests
{
    private string _directory = null!;

    [SetUp]
    public void CreateDirectory() =>
        _directory = Directory.CreateTempSubdirectory("cmabroker-state-").FullName;

    [TearDown]
    public void RemoveDirectory() => Directory.Delete(_directory, recursive: true);

    private StateStore NewStore(int maxHistory = 32, Action<string, string>? beforeRename = null) =>
        new(new StateStoreOptions { Directory = _directory, MaxHistoryEvents = maxHistory, BeforeRename = beforeRename });

    private string[] CorruptFiles() => Directory.GetFiles(_directory, "*" + StateStore.CorruptMarker + "*");

    [Test]
    public void SavedRecordLoadsWithEveryField()
    {
        var original = StateRecords.Sample();
        NewStore().Save(original);

        var loaded = NewStore().LoadAll();

        Assert.That(loaded, Has.Count.EqualTo(1));
        var record = loaded[0];
        Assert.Multiple(() =>
        {
            Assert.That(record.Address, Is.EqualTo("0000:03:00.0"));
            Assert.That(record.Identity, Is.EqualTo(original.Identity));
            Assert.That(record.Verdict, Is.EqualTo("authenticated"));
            Assert.That(record.Reason, Is.EqualTo(original.Reason));
            Assert.That(record.SpdmVersion, Is.EqualTo("1.2"));
            Assert.That(record.Algorithms, Is.EquivalentTo(original.Algorithms));
            Assert.That(record.Chains[0].Slot, Is.Zero);
            Assert.That(record.Chains[0].Validity, Is.EqualTo("valid"));
            Assert.That(record.Chains[0].Certificates, Is.EqualTo(original.Chains[0].Certificates));
            Assert.That(record.MeasurementState, Is.EqualTo("match"));
            Assert.That(record.MismatchedIndices, Is.EqualTo(new[] { 3, 7 }));
            Assert.That(record.Measurements.Select(m => (m.Index, m.Specification, m.ValueType)), Is.EqualTo(new[] { (1, 1, 0x80), (2, 1, 1) }));
            Assert.That(record.Measurements[1].Value, Is.EqualTo(original.Measurements[1].Value));
            Assert.That(record.AuthenticatedAt, Is.EqualTo(original.AuthenticatedAt));
            Assert.That(record.FirstSeen, Is.EqualTo(original.FirstSeen));
            Assert.That(record.UpdatedAt, Is.Not.Null);
            Assert.That(record.History, Is.EqualTo(original.History));
        });
    }

    [Test]
    public void VerdictDetailsRoundTripAndAFileWrittenBeforeThemStillLoads()
    {
        var detailed = StateRecords.Sample() with
        {
            Verdict = "untrusted",
            ReasonKind = "chain",
            LeafNotAfter = new DateTimeOffset(2030, 5, 6, 7, 8, 9, TimeSpan.Zero),
            TrustAnchor = "CN=Root,O=Example",
            SlotDigests = new Dictionary<int, string> { [0] = "aa", [1] = "bb" },
            History = [new AuthenticationEventRecord(DateTimeOffset.UnixEpoch, AuthenticationEventKinds.Authentication, "untrusted", "why", "cc", "unavailable", 1, false, "chain")],
        };
        NewStore().Save(detailed);
        var loaded = NewStore().LoadAll().Single();
        Assert.That(loaded.ReasonKind, Is.EqualTo("chain"));
        Assert.That(loaded.LeafNotAfter, Is.EqualTo(detailed.LeafNotAfter));
        Assert.That(loaded.TrustAnchor, Is.EqualTo("CN=Root,O=Example"));
        Assert.That(loaded.SlotDigests, Is.EquivalentTo(detailed.SlotDigests));
        Assert.That(loaded.History.Single(), Is.EqualTo(detailed.History.Single()));

        // The same file as a broker before these fields wrote it: without them, they load as "unknown".
        string file = Directory.GetFiles(_directory, "*.json").Single();
        var json = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(file))!.AsObject();
        foreach (string key in new[] { "reasonKind", "leafNotAfter", "trustAnchor", "slotDigests" })
            Assert.That(json.Remove(key), Is.True, key);
        foreach (var entry in json["history"]!.AsArray())
            foreach (string key in new[] { "slot", "published", "reasonKind" })
                Assert.That(entry!.AsObject().Remove(key), Is.True, key);
        File.WriteAllText(file, json.ToJsonString());
        var old = NewStore().LoadAll().Single();
        Assert.That(old.Verdict, Is.EqualTo("untrusted"));
        Assert.That(old.ReasonKind, Is.Null);
        Assert.That(old.LeafNotAfter, Is.Null);
        Assert.That(old.TrustAnchor, Is.Null);
        Assert.That(old.SlotDigests, Is.Null);
        var shown = CmaBroker.Service.Persistence.DeviceStateMapper.ToSnapshot(old);
        Assert.That((shown.ErrorKind, shown.TrustAnchor, shown.SlotDigests.Count), Is.EqualTo(("", "", 0)));
        NewStore().Save(old); // and it can be written back
        Assert.That(old.History.Single().Published, Is.True, "entries of older brokers were all published");
        Assert.That(old.History.Single().Slot, Is.Null);
        Assert.That(CorruptFiles(), Is.Empty);
    }

    [Test]
    public void FileIsNamedAfterTheAddressAndReadableOnlyByItsOwner()
    {
        Assume.That(OperatingSystem.IsLinux(), Is.True, "POSIX file modes");
        if (!OperatingSystem.IsLinux())
            return;
        var store = NewStore();
        store.Save(StateRecords.Sample("ca00:01:00.0"));

        string path = Path.Combine(_directory, "pci_ca00_01_00_0.json");
        Assert.That(store.PathFor("ca00:01:00.0"), Is.EqualTo(path));
        Assert.That(File.Exists(path), Is.True);
        Assert.That(File.GetUnixFileMode(path), Is.EqualTo(UnixFileMode.UserRead | UnixFileMode.UserWrite));
        Assert.That(Directory.GetFiles(_directory), Has.Length.EqualTo(1), "no temporary file is left behind");
    }

    [Test]
    public void SaveReplacesTheOldRecord()
    {
        var store = NewStore();
        store.Save(StateRecords.Sample(generation: 1));
        store.Save(StateRecords.Sample(generation: 2));

        Assert.That(store.TryLoad("0000:03:00.0")!.Reason, Is.EqualTo("generation 2"));
        Assert.That(store.LoadAll(), Has.Count.EqualTo(1));
    }

    [Test]
    public void NullableFieldsRoundTrip()
    {
        var record = StateRecords.Sample() with { Identity = new DeviceIdentityRecord(1, 2, 3, 4), AuthenticatedAt = null };
        NewStore().Save(record);

        var loaded = NewStore().TryLoad("0000:03:00.0");

        Assert.That(loaded, Is.Not.Null);
        Assert.That(loaded!.Identity, Is.EqualTo(record.Identity));
        Assert.That(loaded.AuthenticatedAt, Is.Null);
        Assert.That(CorruptFiles(), Is.Empty);
    }

    [Test]
    public void SaveKeepsOnlyTheNewestHistoryEvents()
    {
        var record = StateRecords.Sample() with { History = [] };
        for (int i = 0; i < 10; i++)
            record = record.WithEvent(new AuthenticationEventRecord(DateTimeOffset.UnixEpoch.AddMinutes(i), AuthenticationEventKinds.Authentication, "failed", $"attempt {i}", null));

        var written = NewStore(maxHistory: 4).Save(record);

        Assert.That(written.History.Select(e => e.Reason), Is.EqualTo(new[] { "attempt 6", "attempt 7", "attempt 8", "attempt 9" }));
        Assert.That(NewStore().TryLoad("0000:03:00.0")!.History, Has.Count.EqualTo(4));
    }

    [Test]
    public void SaveRefusesAnInvalidAddress()
    {
        var error = Assert.Throws<CmaException>(() => NewStore().Save(StateRecords.Sample() with { Address = "../../etc/passwd" }));
        Assert.That(error!.Kind, Is.EqualTo(CmaErrorKind.InvalidArgument));
    }

    [Test]
    public void SaveIntoAnUnwritableDirectoryFailsWithATypedError()
    {
        var store = NewStore();
        // A directory where the temporary file should go makes creating it fail (works as root too).
        var record = StateRecords.Sample();
        Directory.Delete(_directory);
        File.WriteAllText(_directory, "not a directory");
        try
        {
            var error = Assert.Throws<CmaException>(() => store.Save(record));
            Assert.That(error!.Kind, Is.EqualTo(CmaErrorKind.Failed));
            Assert.That(error.Message, Does.Contain("pci_0000_03_00_0.json"));
        }
        finally
        {
            File.Delete(_directory);
            Directory.CreateDirectory(_directory);
        }
    }

    [TestCase("{ \"address\": \"0000:03:00.0\", \"identity\": ", TestName = "truncated JSON")]
    [TestCase("", TestName = "empty file")]
    [TestCase("null", TestName = "JSON null")]
    [TestCase("[1,2,3]", TestName = "array instead of object")]
    [TestCase("{ \"address\": \"0000:03:00.0\", \"verdict\": \"authenticated\" }", TestName = "missing identity")]
    [TestCase("{ \"address\": \"0000:03:00.0\", \"identity\": null, \"verdict\": \"authenticated\" }", TestName = "null identity")]
    [TestCase("{ \"address\": \"0000:09:00.0\", \"identity\": { \"vendorId\": 1, \"deviceId\": 2, \"subsystemVendorId\": 3, \"subsystemId\": 4 }, \"verdict\": \"failed\" }", TestName = "address differs from the file name")]
    [TestCase("{ \"address\": \"0000:03:00.0\", \"identity\": { \"vendorId\": 1, \"deviceId\": 2, \"subsystemVendorId\": 3, \"subsystemId\": 4 }, \"verdict\": \"\" }", TestName = "empty verdict")]
    [TestCase("\u0000\u0000\u0000\u0000", TestName = "zeroed block")]
    // Found by fuzzing (fuzz/regressions/state/): an absent member loaded as null where the type says non-null, and
    // the record's next Save threw a JsonException.
    [TestCase("{ \"address\": \"0000:03:00.0\", \"identity\": { \"vendorId\": 1, \"deviceId\": 2, \"subsystemVendorId\": 3, \"subsystemId\": 4 }, \"verdict\": \"authenticated\", \"reason\": \"\", \"spdmVersion\": \"1.2\", \"algorithms\": {}, \"chains\": [], \"mismatchedIndices\": [], \"measurements\": [], \"history\": [] }", TestName = "measurementState absent")]
    [TestCase("{ \"address\": \"0000:03:00.0\", \"identity\": { \"vendorId\": 1, \"deviceId\": 2, \"subsystemVendorId\": 3, \"subsystemId\": 4 }, \"verdict\": \"authenticated\", \"reason\": \"\", \"spdmVersion\": \"1.2\", \"algorithms\": {}, \"chains\": [], \"measurementState\": \"match\", \"mismatchedIndices\": [], \"measurements\": [] }", TestName = "history absent")]
    public void CorruptFileIsMovedAsideAndTheOthersStillLoad(string content)
    {
        var store = NewStore();
        store.Save(StateRecords.Sample("0000:04:00.0"));
        File.WriteAllText(Path.Combine(_directory, "pci_0000_03_00_0.json"), content);

        var loaded = NewStore().LoadAll();

        Assert.That(loaded.Select(r => r.Address), Is.EqualTo(new[] { "0000:04:00.0" }));
        Assert.That(CorruptFiles().Select(Path.GetFileName), Has.One.StartsWith("pci_0000_03_00_0.json.corrupt-"));
        Assert.That(File.Exists(Path.Combine(_directory, "pci_0000_03_00_0.json")), Is.False);
    }

    [Test]
    public void UnreadableFileIsMovedAside()
    {
        // A dangling symbolic link cannot be read, even by root.
        File.CreateSymbolicLink(Path.Combine(_directory, "pci_0000_03_00_0.json"), Path.Combine(_directory, "nowhere"));
        NewStore().Save(StateRecords.Sample("0000:04:00.0"));

        var loaded = NewStore().LoadAll();

        Assert.That(loaded, Has.Count.EqualTo(1));
        Assert.That(CorruptFiles(), Has.Length.EqualTo(1));
    }

    [Test]
    public void FileFromANewerSchemaIsSkippedButLeftInPlace()
    {
        var store = NewStore();
        store.Save(StateRecords.Sample());
        string path = store.PathFor("0000:03:00.0");
        File.WriteAllText(path, File.ReadAllText(path).Replace("\"schemaVersion\": 1", "\"schemaVersion\": 99"));

        Assert.That(NewStore().LoadAll(), Is.Empty);
        Assert.That(File.Exists(path), Is.True);
        Assert.That(CorruptFiles(), Is.Empty);
    }

    [Test]
    public void LoadAllRemovesTemporaryFilesOfOtherProcesses()
    {
        string stale = Path.Combine(_directory, ".pci_0000_03_00_0.json.tmp-999999-1");
        File.WriteAllText(stale, "{ half");
        NewStore().Save(StateRecords.Sample());

        var loaded = NewStore().LoadAll();

        Assert.That(loaded, Has.Count.EqualTo(1));
        Assert.That(File.Exists(stale), Is.False);
    }

    [Test]
    public void HookRunsAfterTheTemporaryFileIsCompleteAndBeforeTheOldFileIsReplaced()
    {
        NewStore().Save(StateRecords.Sample(generation: 1));
        string? seenTemp = null, finalAtHook = null, tempAtHook = null;
        var store = NewStore(beforeRename: (temp, final) =>
        {
            seenTemp = temp;
            tempAtHook = File.ReadAllText(temp);
            finalAtHook = File.ReadAllText(final);
        });

        store.Save(StateRecords.Sample(generation: 2));

        Assert.That(Path.GetDirectoryName(seenTemp), Is.EqualTo(_directory), "the temporary file is in the same directory (same file system)");
        Assert.That(finalAtHook, Does.Contain("generation 1"));
        Assert.That(tempAtHook, Does.Contain("generation 2"));
        Assert.That(File.ReadAllText(store.PathFor("0000:03:00.0")), Is.EqualTo(tempAtHook));
        Assert.That(File.Exists(seenTemp), Is.False);
    }

    [Test]
    public void ParallelSavesLeaveOnlyCompleteFiles()
    {
        var store = NewStore();
        string[] addresses = ["0000:03:00.0", "0000:03:00.1", "0000:04:00.0"];
        Parallel.For(0, 60, new ParallelOptions { MaxDegreeOfParallelism = 8 },
            i => store.Save(StateRecords.Sample(addresses[i % addresses.Length], generation: i, payloadBytes: 4096)));

        var loaded = NewStore().LoadAll();

        Assert.That(loaded.Select(r => r.Address), Is.EquivalentTo(addresses));
        Assert.That(() => loaded.Select(r => StateRecords.CheckedGeneration(r, 4096)).ToList(), Throws.Nothing);
        Assert.That(Directory.GetFiles(_directory), Has.Length.EqualTo(3));
    }

    [Test]
    public void DeleteRemovesTheRecord()
    {
        var store = NewStore();
        store.Save(StateRecords.Sample());

        Assert.That(store.Delete("0000:03:00.0"), Is.True);
        Assert.That(store.Delete("0000:03:00.0"), Is.False);
        Assert.That(store.LoadAll(), Is.Empty);
    }

    [Test]
    public void ConfiguredDirectoryWinsOverTheDefault()
    {
        Assert.That(StateStoreOptions.ResolveDirectory("/srv/state"), Is.EqualTo("/srv/state"));
        Assert.That(StateStoreOptions.ResolveDirectory(null), Is.Not.Empty);
    }
}

public class DeviceIdentityRecordTests
{
    private static readonly DeviceIdentityRecord Stored = new(0x8086, 0x0d57, 0x1af4, 0x1100, "00-11-22-33-44-55-66-77", "aa");

    [Test]
    public void SameIdsAndSerialMatchWhateverTheLeafDigest()
    {
        Assert.That(Stored.MatchesHardware(Stored with { LeafCertificateSha256 = null }), Is.True);
        Assert.That(Stored.MatchesHardware(Stored with { SerialNumber = "00-11-22-33-44-55-66-77".ToUpperInvariant() }), Is.True);
    }

    [Test]
    public void AnyIdOrSerialDifferenceIsAnotherDevice()
    {
        Assert.Multiple(() =>
        {
            Assert.That(Stored.MatchesHardware(Stored with { VendorId = 0x1af4 }), Is.False);
            Assert.That(Stored.MatchesHardware(Stored with { DeviceId = 1 }), Is.False);
            Assert.That(Stored.MatchesHardware(Stored with { SubsystemVendorId = 1 }), Is.False);
            Assert.That(Stored.MatchesHardware(Stored with { SubsystemId = 1 }), Is.False);
            Assert.That(Stored.MatchesHardware(Stored with { SerialNumber = "ff-11-22-33-44-55-66-77" }), Is.False);
            Assert.That(Stored.MatchesHardware(Stored with { SerialNumber = null }), Is.False);
        });
    }
}
