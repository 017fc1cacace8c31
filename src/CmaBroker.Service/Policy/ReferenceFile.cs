using System.Text.Json.Serialization;

namespace CmaBroker.Service.Policy;

/// <summary>
/// JSON shape of one file in <c>reference.d/</c> (schema: packaging/reference.d/README.md).
/// IDs are hex strings ("1b36"), measurement values hex strings keyed by decimal block index.
/// </summary>
public sealed class ReferenceFile
{
    public int? Schema { get; set; }
    public List<ReferenceFileEntry>? Entries { get; set; }
}

/// <summary>One expected set of measurements for one device model.</summary>
public sealed class ReferenceFileEntry
{
    public string? VendorId { get; set; }
    public string? DeviceId { get; set; }
    public string? SubsystemVendorId { get; set; }
    public string? SubsystemId { get; set; }
    public string? Revision { get; set; }
    public string? MeasurementHashAlgorithm { get; set; }
    public Dictionary<string, string>? Measurements { get; set; }
    public string? Comment { get; set; }
}

/// <summary>Source-generated (NativeAOT-safe) metadata for reference files.</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    ReadCommentHandling = System.Text.Json.JsonCommentHandling.Skip,
    AllowTrailingCommas = true,
    UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    WriteIndented = true)]
[JsonSerializable(typeof(ReferenceFile))]
public sealed partial class ReferenceJsonContext : JsonSerializerContext;
