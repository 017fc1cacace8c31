using System.Text.Json.Serialization;

namespace CmaBroker.Service.State;

/// <summary>
/// Source-generated (NativeAOT-safe) JSON metadata for state files. Null where the type says non-null
/// and missing required members are refused, so a damaged file fails to load instead of loading half.
/// </summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    WriteIndented = true,
    RespectNullableAnnotations = true,
    RespectRequiredConstructorParameters = true)]
[JsonSerializable(typeof(DeviceStateRecord))]
internal sealed partial class StateJsonContext : JsonSerializerContext;
