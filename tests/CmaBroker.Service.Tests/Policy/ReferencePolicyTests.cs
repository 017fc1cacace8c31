using CmaBroker.Doe;
using CmaBroker.Doe.Errors;
using CmaBroker.Emulation.Profiles;
using CmaBroker.Service.Devices;
using CmaBroker.Service.Policy;
using CmaBroker.Service.Tests.Support;
using CmaBroker.Spdm.Messages;
using NUnit.Framework;

namespace CmaBroker.Service.Tests.Policy;

[TestFixture]
public sealed class ReferencePolicyTests
{
    private static readonly PciDeviceIdentity Identity = new(0x1b36, 0xca01, 0x1b36, 0x0002, 0x120000, 0x01, null);

    private TempDirectory _temp = null!;

    [SetUp]
    public void SetUp() => _temp = new TempDirectory();

    [TearDown]
    public void TearDown() => _temp.Dispose();

    private void Write(string name, string json) => File.WriteAllText(Path.Combine(_temp.Path, name), json);

    private static string Entry(string extra, string value) =>
        $$"""{ "vendorId": "1b36", "deviceId": "ca01", {{extra}} "measurementHashAlgorithm": "SHA-256", "measurements": { "1": "{{value}}" } }""";

    [Test]
    public void The_most_specific_entry_covering_a_device_wins()
    {
        Write("a.json", $$"""{ "entries": [ {{Entry("", "aa")}}, {{Entry("\"revision\": \"01\",", "bb")}} ] }""");
        Write("b.json", $$"""{ "entries": [ {{Entry("\"subsystemVendorId\": \"1b36\", \"subsystemId\": \"0002\",", "cc")}}, {{Entry("\"subsystemVendorId\": \"1b36\", \"subsystemId\": \"0009\",", "dd")}} ] }""");

        var policy = ReferencePolicy.Load(_temp.Path);

        Assert.That(policy.Entries, Has.Count.EqualTo(4));
        Assert.That(policy.Find(Identity)!.Measurements[1], Is.EqualTo(new byte[] { 0xcc }));
        Assert.That(policy.Find(Identity with { SubsystemId = 0x0005 })!.Measurements[1], Is.EqualTo(new byte[] { 0xbb }));
        Assert.That(policy.Find(Identity with { SubsystemId = 0x0005, RevisionId = 2 })!.Measurements[1], Is.EqualTo(new byte[] { 0xaa }));
        Assert.That(policy.Find(Identity with { DeviceId = 0xca02 }), Is.Null);
    }

    [Test]
    public void Judging_compares_every_listed_block_and_ignores_unlisted_ones()
    {
        Write("a.json", """{ "entries": [ { "vendorId": "1b36", "deviceId": "ca01", "measurementHashAlgorithm": "sha-256", "measurements": { "1": "0102", "2": "0304", "3": "05" } } ] }""");
        var policy = ReferencePolicy.Load(_temp.Path);
        MeasurementBlock Block(byte index, params byte[] value) => new(index, 1, 0, value);

        var match = policy.Judge(Identity, [Block(1, 1, 2), Block(2, 3, 4), Block(3, 5), Block(9, 9)], "SHA-256");
        var mismatch = policy.Judge(Identity, [Block(1, 1, 2), Block(2, 3, 3)], "SHA-256");
        var otherAlgorithm = policy.Judge(Identity, [Block(1, 1, 2)], "SHA-384");
        var nothing = policy.Judge(Identity, [], null);

        Assert.That(match.State, Is.EqualTo(MeasurementStates.Match));
        Assert.That(mismatch.State, Is.EqualTo(MeasurementStates.Mismatch));
        Assert.That(mismatch.MismatchedIndices, Is.EqualTo(new byte[] { 2, 3 }), "2 differs, 3 is missing");
        Assert.That(otherAlgorithm.State, Is.EqualTo(MeasurementStates.NoReference));
        Assert.That(otherAlgorithm.Detail, Does.Contain("SHA-384"));
        Assert.That(nothing.State, Is.EqualTo(MeasurementStates.Unavailable));
        Assert.That(policy.Judge(Identity with { VendorId = 0x8086 }, [Block(1, 1)], "SHA-256").State, Is.EqualTo(MeasurementStates.NoReference));
    }

    [TestCase("""{ "entries": [] }""", "no entries")]
    [TestCase("""{ "entries": [ { "deviceId": "ca01", "measurementHashAlgorithm": "SHA-256", "measurements": { "1": "00" } } ] }""", "vendorId is required")]
    [TestCase("""{ "entries": [ { "vendorId": "1b36", "deviceId": "ca01", "measurements": { "1": "00" } } ] }""", "measurementHashAlgorithm is required")]
    [TestCase("""{ "entries": [ { "vendorId": "1b36", "deviceId": "ca01", "measurementHashAlgorithm": "SHA-256", "measurements": { "0": "00" } } ] }""", "index '0'")]
    [TestCase("""{ "entries": [ { "vendorId": "1b36", "deviceId": "ca01", "measurementHashAlgorithm": "SHA-256", "measurements": { "1": "xyz" } } ] }""", "not hex")]
    [TestCase("""{ "entries": [ { "vendorId": "1b36", "deviceId": "ca01", "subsystemId": "0001", "measurementHashAlgorithm": "SHA-256", "measurements": { "1": "00" } } ] }""", "both")]
    [TestCase("""{ "schema": 2, "entries": [] }""", "schema 2")]
    [TestCase("""{ "entires": [] }""", "not a valid reference file")]
    public void A_bad_file_is_refused_naming_the_file_and_the_problem(string json, string problem)
    {
        Write("bad.json", json);

        var error = Assert.Throws<CmaException>(() => ReferencePolicy.Load(_temp.Path));

        Assert.That(error!.Kind, Is.EqualTo(CmaErrorKind.InvalidArgument));
        Assert.That(error.Message, Does.Contain("bad.json").And.Contain(problem));
    }

    [Test]
    public void Two_entries_with_the_same_key_are_refused()
    {
        Write("a.json", $$"""{ "entries": [ {{Entry("", "aa")}} ] }""");
        Write("b.json", $$"""{ "entries": [ {{Entry("", "bb")}} ] }""");

        Assert.That(() => ReferencePolicy.Load(_temp.Path), Throws.TypeOf<CmaException>().With.Message.Contains("also defined in"));
    }

    [Test]
    public void The_packaged_sample_is_valid_and_holds_the_good_profiles_published_values()
    {
        var entry = ReferencePolicy.LoadFile(RepositoryFiles.Path("packaging/reference.d/sample-emulated-good.json")).Single();

        Assert.That((entry.VendorId, entry.DeviceId, entry.HashAlgorithm), Is.EqualTo(((ushort)0x1b36, (ushort)0xca01, "SHA-512")));
        var published = SpdmProfiles.ExpectedMeasurements(MeasurementHashAlgorithms.Sha512);
        Assert.That(entry.Measurements.Keys, Is.EquivalentTo(published.Keys));
        foreach (var (index, value) in published)
            Assert.That(entry.Measurements[index], Is.EqualTo(value), $"block {index}");
    }

    [Test]
    public void A_missing_directory_is_an_empty_policy()
    {
        Assert.That(ReferencePolicy.Load(Path.Combine(_temp.Path, "absent")).Entries, Is.Empty);
        Assert.That(TrustPolicy.Load(Path.Combine(_temp.Path, "absent")).Anchors, Is.Empty);
    }
}
