using System.Globalization;
using System.Text.Json;
using CmaBroker.Doe;
using CmaBroker.Doe.Errors;
using CmaBroker.Service.Devices;
using CmaBroker.Spdm.Messages;

namespace CmaBroker.Service.Policy;

/// <summary>The outcome of comparing a device's measurements with its reference entry.</summary>
public sealed record MeasurementJudgement(string State, IReadOnlyList<byte> MismatchedIndices, string Detail);

/// <summary>
/// Reference measurements from every <c>*.json</c> file in <c>reference.d/</c> (ARCHITECTURE.md
/// "Trust and reference policy"; schema in packaging/reference.d/README.md). The entry that covers a
/// device most specifically is used; two entries with the same key are an error. A file that does
/// not parse or validate makes the load fail (InvalidArgument naming file and entry), so a reload
/// keeps the previous policy.
/// </summary>
public sealed class ReferencePolicy
{
    public const int SchemaVersion = 1;
    public static readonly ReferencePolicy Empty = new("", []);

    private ReferencePolicy(string directory, IReadOnlyList<ReferenceEntry> entries)
    {
        Directory = directory;
        Entries = entries;
    }

    public string Directory { get; }

    public IReadOnlyList<ReferenceEntry> Entries { get; }

    public static ReferencePolicy Load(string directory)
    {
        if (!System.IO.Directory.Exists(directory))
            return new ReferencePolicy(directory, []);
        var entries = new List<ReferenceEntry>();
        var byKey = new Dictionary<string, ReferenceEntry>(StringComparer.Ordinal);
        foreach (var file in System.IO.Directory.EnumerateFiles(directory, "*.json").OrderBy(f => f, StringComparer.Ordinal))
        {
            foreach (var entry in LoadFile(file))
            {
                if (byKey.TryGetValue(entry.Key, out var other))
                    throw Invalid(file, $"entry {entry.Key} is also defined in {other.SourceFile}");
                byKey.Add(entry.Key, entry);
                entries.Add(entry);
            }
        }
        return new ReferencePolicy(directory, entries);
    }

    /// <summary>
    /// An explicitly named reference source (<c>cmatool --reference</c>): a directory as <see cref="Load"/>
    /// reads it, or one file. Unlike the daemon's optional reference.d, a path that does not exist is NotFound.
    /// </summary>
    public static ReferencePolicy LoadPath(string path)
    {
        if (System.IO.Directory.Exists(path))
            return Load(path);
        if (!File.Exists(path))
            throw new CmaException(CmaErrorKind.NotFound, $"reference path {path} does not exist (give a reference .json file, or a directory of them)");
        return new ReferencePolicy(Path.GetDirectoryName(Path.GetFullPath(path)) ?? "", LoadFile(path));
    }

    /// <summary>Parses and validates one reference file.</summary>
    public static IReadOnlyList<ReferenceEntry> LoadFile(string file)
    {
        ReferenceFile? parsed;
        try
        {
            using var stream = File.OpenRead(file);
            parsed = JsonSerializer.Deserialize(stream, ReferenceJsonContext.Default.ReferenceFile);
        }
        catch (JsonException e)
        {
            throw Invalid(file, $"not a valid reference file: {e.Message}");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw Invalid(file, e.Message);
        }
        if (parsed is null)
            throw Invalid(file, "empty document");
        if (parsed.Schema is { } schema && schema != SchemaVersion)
            throw Invalid(file, $"schema {schema} is not supported (expected {SchemaVersion})");
        if (parsed.Entries is not { Count: > 0 } raw)
            throw Invalid(file, "no entries");
        return raw.Select((e, i) => Validate(file, i, e)).ToArray();
    }

    /// <summary>The most specific entry covering the device, or null.</summary>
    public ReferenceEntry? Find(PciDeviceIdentity identity) =>
        Entries.Where(e => e.Covers(identity.VendorId, identity.DeviceId, identity.SubsystemVendorId, identity.SubsystemId, identity.RevisionId))
            .OrderByDescending(e => e.Specificity)
            .FirstOrDefault();

    /// <summary>
    /// Compares verified measurements with the reference: unavailable without verified measurements,
    /// no-reference without an entry or when the entry's hash algorithm is not the device's,
    /// mismatch listing every expected index whose value differs or is missing, else match.
    /// </summary>
    public MeasurementJudgement Judge(PciDeviceIdentity identity, IReadOnlyList<MeasurementBlock> measurements, string? hashAlgorithm)
    {
        if (measurements.Count == 0 || hashAlgorithm is null)
            return new(MeasurementStates.Unavailable, [], "no verified measurements");
        var entry = Find(identity);
        if (entry is null)
            return new(MeasurementStates.NoReference, [], $"no reference entry covers {identity.VendorId:x4}:{identity.DeviceId:x4}");
        if (!string.Equals(entry.HashAlgorithm, hashAlgorithm, StringComparison.OrdinalIgnoreCase))
            return new(MeasurementStates.NoReference, [],
                $"reference {entry.Key} in {entry.SourceFile} uses {entry.HashAlgorithm}, the device measures with {hashAlgorithm}");
        var mismatched = new List<byte>();
        foreach (var (index, expected) in entry.Measurements.OrderBy(p => p.Key))
        {
            var block = measurements.FirstOrDefault(b => b.Index == index);
            if (block is null || !block.Value.AsSpan().SequenceEqual(expected))
                mismatched.Add(index);
        }
        return mismatched.Count == 0
            ? new(MeasurementStates.Match, [], $"all {entry.Measurements.Count} blocks match {entry.Key} in {entry.SourceFile}")
            : new(MeasurementStates.Mismatch, mismatched, $"blocks {string.Join(", ", mismatched)} differ from {entry.Key} in {entry.SourceFile}");
    }

    /// <summary>
    /// Writes a reference file for <paramref name="identity"/> (keyed by vendor, device, subsystem and
    /// revision) with <paramref name="measurements"/>, atomically, and returns its path.
    /// </summary>
    public static string WriteEntry(string directory, PciDeviceIdentity identity, IReadOnlyList<MeasurementBlock> measurements, string hashAlgorithm,
        string comment, string? fileName = null)
    {
        System.IO.Directory.CreateDirectory(directory);
        string path = Path.Combine(directory, fileName ?? DefaultFileName(identity));
        var file = new ReferenceFile
        {
            Schema = SchemaVersion,
            Entries =
            [
                new ReferenceFileEntry
                {
                    VendorId = identity.VendorId.ToString("x4", CultureInfo.InvariantCulture),
                    DeviceId = identity.DeviceId.ToString("x4", CultureInfo.InvariantCulture),
                    SubsystemVendorId = identity.SubsystemVendorId.ToString("x4", CultureInfo.InvariantCulture),
                    SubsystemId = identity.SubsystemId.ToString("x4", CultureInfo.InvariantCulture),
                    Revision = identity.RevisionId.ToString("x2", CultureInfo.InvariantCulture),
                    MeasurementHashAlgorithm = hashAlgorithm,
                    Measurements = measurements.OrderBy(b => b.Index).ToDictionary(
                        b => b.Index.ToString(CultureInfo.InvariantCulture), b => Convert.ToHexStringLower(b.Value)),
                    Comment = comment,
                },
            ],
        };
        AtomicFile.Write(path, JsonSerializer.SerializeToUtf8Bytes(file, ReferenceJsonContext.Default.ReferenceFile));
        return path;
    }

    /// <summary>The file <c>Enroll</c> writes for a model: <c>VVVV-DDDD-SSSS-ssss-RR.json</c>.</summary>
    public static string DefaultFileName(PciDeviceIdentity identity) =>
        $"{identity.VendorId:x4}-{identity.DeviceId:x4}-{identity.SubsystemVendorId:x4}-{identity.SubsystemId:x4}-{identity.RevisionId:x2}.json";

    private static ReferenceEntry Validate(string file, int index, ReferenceFileEntry e)
    {
        string where = $"entry {index}";
        ushort vendor = Hex16(file, where, "vendorId", e.VendorId) ?? throw Invalid(file, $"{where}: vendorId is required");
        ushort device = Hex16(file, where, "deviceId", e.DeviceId) ?? throw Invalid(file, $"{where}: deviceId is required");
        ushort? subsystemVendor = Hex16(file, where, "subsystemVendorId", e.SubsystemVendorId);
        ushort? subsystem = Hex16(file, where, "subsystemId", e.SubsystemId);
        if ((subsystemVendor is null) != (subsystem is null))
            throw Invalid(file, $"{where}: give both subsystemVendorId and subsystemId, or neither");
        byte? revision = null;
        if (e.Revision is not null)
            revision = byte.TryParse(StripHex(e.Revision), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var r)
                ? r : throw Invalid(file, $"{where}: revision '{e.Revision}' is not a hex byte");
        if (string.IsNullOrWhiteSpace(e.MeasurementHashAlgorithm))
            throw Invalid(file, $"{where}: measurementHashAlgorithm is required (e.g. SHA-384)");
        if (e.Measurements is not { Count: > 0 } raw)
            throw Invalid(file, $"{where}: measurements must list at least one block");
        var measurements = new Dictionary<byte, byte[]>();
        foreach (var (key, value) in raw)
        {
            if (!byte.TryParse(key, NumberStyles.None, CultureInfo.InvariantCulture, out var blockIndex) || blockIndex is 0 or 0xFF)
                throw Invalid(file, $"{where}: measurement index '{key}' must be a decimal number from 1 to 254");
            try
            {
                measurements[blockIndex] = Convert.FromHexString(StripHex(value));
            }
            catch (FormatException)
            {
                throw Invalid(file, $"{where}: measurement {key} value is not hex");
            }
        }
        return new ReferenceEntry(vendor, device, subsystemVendor, subsystem, revision, e.MeasurementHashAlgorithm.Trim(), measurements, file);
    }

    private static ushort? Hex16(string file, string where, string key, string? text) =>
        text is null ? null
        : ushort.TryParse(StripHex(text), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var value) ? value
        : throw Invalid(file, $"{where}: {key} '{text}' is not a 16-bit hex number");

    private static string StripHex(string text) =>
        text.StartsWith("0x", StringComparison.OrdinalIgnoreCase) ? text[2..] : text;

    private static CmaException Invalid(string file, string reason) => new(CmaErrorKind.InvalidArgument, $"reference {file}: {reason}");
}
